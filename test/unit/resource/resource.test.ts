import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CGROUP_PATH } from '../../../src/resource/container';
import { createResource, DETECTOR_NAMES, enabledDetectors, type ResourceOptions } from '../../../src/resource/index';
import type { PackageInfo } from '../../../src/resource/package-json';
import type { Resource } from '../../../src/trace/types';
import { VERSION } from '../../../src/version';
import { CGROUP_V1_DOCKER, DOCKER_ID } from './fixtures';
import { configOf, FAKE_SYSTEM, filesReader } from './helpers';

const PKG: PackageInfo = { path: '/srv/app/package.json', name: 'shop-api', version: '2.3.4' };
const MACHINE_ID = '3d1219c7c4c5404aaa1f6d2a48adfda4';

/** Everything a detector could find, from fakes: the result depends on nothing of this machine but the process. */
const FAKES: ResourceOptions = {
  env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', K8S_POD_NAME: 'shop-api-7d9f8-abcde', K8S_NAMESPACE_NAME: 'shop' },
  readFile: filesReader({
    '/etc/machine-id': `${MACHINE_ID}\n`,
    '/etc/os-release': 'NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
    [CGROUP_PATH]: CGROUP_V1_DOCKER,
  }),
  system: FAKE_SYSTEM,
  pkg: PKG,
};

function resourceOf(env: Record<string, string> = {}, options: ResourceOptions = FAKES): Resource {
  return createResource(configOf(env), options);
}

/** The keys each detector contributes, given FAKES. */
const KEYS_BY_DETECTOR: Record<string, string[]> = {
  host: ['host.name', 'host.arch', 'host.id'],
  os: ['os.type', 'os.version', 'os.name', 'os.description'],
  process: [
    'process.pid',
    'process.parent_pid',
    'process.executable.name',
    'process.executable.path',
    'process.runtime.name',
    'process.runtime.version',
    'process.runtime.description',
    'process.owner',
  ],
  container: ['container.id'],
  k8s: ['k8s.pod.name', 'k8s.namespace.name'],
  serviceinstance: ['service.instance.id'],
  env: ['deployment.environment.name'],
};
const ALWAYS = [
  'service.name',
  'service.version',
  'telemetry.sdk.name',
  'telemetry.sdk.language',
  'telemetry.sdk.version',
  'telemetry.distro.name',
  'telemetry.distro.version',
];
const WITH_ENV_ATTRIBUTE = { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging' };

function sorted(keys: Iterable<string>): string[] {
  return [...keys].sort();
}

describe('createResource: service.name and service.version', () => {
  it('OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES', () => {
    const r = resourceOf({ OTEL_SERVICE_NAME: 'from-service-name', OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes' });
    assert.equal(r.attributes['service.name'], 'from-service-name');
  });

  it("service.name in OTEL_RESOURCE_ATTRIBUTES wins over the package.json's name", () => {
    assert.equal(resourceOf({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes' }).attributes['service.name'], 'from-attributes');
  });

  it("the package.json's name wins over the default", () => {
    assert.equal(resourceOf().attributes['service.name'], 'shop-api');
  });

  it('the default is unknown_service:node, and then no service.version', () => {
    const r = resourceOf({}, { ...FAKES, pkg: null });
    assert.equal(r.attributes['service.name'], 'unknown_service:node');
    assert.equal('service.version' in r.attributes, false);
  });

  it("service.version: OTEL_RESOURCE_ATTRIBUTES, else the package.json's version", () => {
    assert.equal(resourceOf().attributes['service.version'], '2.3.4');
    assert.equal(resourceOf({ OTEL_RESOURCE_ATTRIBUTES: 'service.version=9.9.9' }).attributes['service.version'], '9.9.9');
  });

  it("without injection, finds the program's own package.json", () => {
    // The program here is the test runner's file, inside this project.
    const r = createResource(configOf(), { ...FAKES, pkg: undefined });
    assert.equal(r.attributes['service.name'], 'ts-otel-run');
    assert.equal(r.attributes['service.version'], VERSION);
  });

  it('service.name is there even with OTEL_NODE_RESOURCE_DETECTORS=none, by the same rule', () => {
    assert.equal(resourceOf({ OTEL_NODE_RESOURCE_DETECTORS: 'none' }).attributes['service.name'], 'shop-api');
    const r = resourceOf({ OTEL_NODE_RESOURCE_DETECTORS: 'none', OTEL_RESOURCE_ATTRIBUTES: 'service.name=named,team=a' });
    assert.equal(r.attributes['service.name'], 'named');
    assert.equal('team' in r.attributes, false);
  });
});

describe('createResource: telemetry.sdk and telemetry.distro', () => {
  it('are always there, even with no detector', () => {
    const r = resourceOf({ OTEL_NODE_RESOURCE_DETECTORS: 'none' });
    assert.equal(r.attributes['telemetry.sdk.name'], 'ts-otel-run');
    assert.equal(r.attributes['telemetry.sdk.language'], 'nodejs');
    assert.equal(r.attributes['telemetry.sdk.version'], VERSION);
    assert.equal(r.attributes['telemetry.distro.name'], 'ts-otel-run');
    assert.equal(r.attributes['telemetry.distro.version'], VERSION);
  });

  it('telemetry.sdk.* cannot be overridden by OTEL_RESOURCE_ATTRIBUTES', () => {
    const r = resourceOf({
      OTEL_RESOURCE_ATTRIBUTES: 'telemetry.sdk.name=opentelemetry,telemetry.sdk.language=java,telemetry.sdk.version=0.0.1',
    });
    assert.equal(r.attributes['telemetry.sdk.name'], 'ts-otel-run');
    assert.equal(r.attributes['telemetry.sdk.language'], 'nodejs');
    assert.equal(r.attributes['telemetry.sdk.version'], VERSION);
  });

  it('telemetry.distro.* can be, by a distribution built on this one', () => {
    const r = resourceOf({ OTEL_RESOURCE_ATTRIBUTES: 'telemetry.distro.name=acme-node,telemetry.distro.version=5.0.0' });
    assert.equal(r.attributes['telemetry.distro.name'], 'acme-node');
    assert.equal(r.attributes['telemetry.distro.version'], '5.0.0');
  });
});

describe('createResource: OTEL_RESOURCE_ATTRIBUTES over the detectors', () => {
  it('wins over every detector', () => {
    const r = resourceOf({
      OTEL_RESOURCE_ATTRIBUTES: [
        'host.name=env-host',
        'os.type=env-os',
        'process.owner=env-owner',
        'container.id=env-container',
        'k8s.pod.name=env-pod',
        'service.instance.id=env-instance',
      ].join(','),
    });
    assert.equal(r.attributes['host.name'], 'env-host');
    assert.equal(r.attributes['os.type'], 'env-os');
    assert.equal(r.attributes['process.owner'], 'env-owner');
    assert.equal(r.attributes['container.id'], 'env-container');
    assert.equal(r.attributes['k8s.pod.name'], 'env-pod');
    assert.equal(r.attributes['service.instance.id'], 'env-instance');
  });

  it('keeps values percent-decoded, as the config parsed them', () => {
    const r = resourceOf({ OTEL_RESOURCE_ATTRIBUTES: 'team=a%2Cb%3Dc,owner=J%C3%BCrgen%20M' });
    assert.equal(r.attributes.team, 'a,b=c');
    assert.equal(r.attributes.owner, 'Jürgen M');
  });

  it('the detectors fill in what it does not set', () => {
    const r = resourceOf({ OTEL_RESOURCE_ATTRIBUTES: 'host.name=env-host' });
    assert.equal(r.attributes['host.arch'], 'amd64');
    assert.equal(r.attributes['container.id'], DOCKER_ID);
  });
});

describe('createResource: OTEL_NODE_RESOURCE_DETECTORS', () => {
  it("'all' (the default) runs every detector", () => {
    const expected = sorted([...ALWAYS, ...Object.values(KEYS_BY_DETECTOR).flat()]);
    assert.deepEqual(sorted(Object.keys(resourceOf(WITH_ENV_ATTRIBUTE).attributes)), expected);
    assert.deepEqual(sorted(Object.keys(resourceOf({ ...WITH_ENV_ATTRIBUTE, OTEL_NODE_RESOURCE_DETECTORS: 'all' }).attributes)), expected);
  });

  it("'none' runs none: only service.* and telemetry.* remain", () => {
    const r = resourceOf({ ...WITH_ENV_ATTRIBUTE, OTEL_NODE_RESOURCE_DETECTORS: 'none' });
    assert.deepEqual(sorted(Object.keys(r.attributes)), sorted(ALWAYS));
  });

  for (const name of Object.keys(KEYS_BY_DETECTOR)) {
    it(`'${name}' alone adds its attributes and no other detector's`, () => {
      const r = resourceOf({ ...WITH_ENV_ATTRIBUTE, OTEL_NODE_RESOURCE_DETECTORS: name });
      assert.deepEqual(sorted(Object.keys(r.attributes)), sorted([...ALWAYS, ...KEYS_BY_DETECTOR[name]!]));
    });

    it(`every detector but '${name}' leaves its attributes out`, () => {
      const others = Object.keys(KEYS_BY_DETECTOR).filter((n) => n !== name);
      const r = resourceOf({ ...WITH_ENV_ATTRIBUTE, OTEL_NODE_RESOURCE_DETECTORS: others.join(',') });
      for (const key of KEYS_BY_DETECTOR[name]!) assert.equal(key in r.attributes, false, key);
      for (const key of KEYS_BY_DETECTOR[others[0]!]!) assert.equal(key in r.attributes, true, key);
    });
  }

  it("'all' wins over 'none', and 'none' over the names listed with it", () => {
    assert.deepEqual(sorted(enabledDetectors(['none', 'all'])), sorted(DETECTOR_NAMES));
    assert.deepEqual(sorted(enabledDetectors(['host', 'none'])), []);
    assert.deepEqual(sorted(enabledDetectors(['os', 'host'])), ['host', 'os']);
  });
});

describe('createResource: failures never throw', () => {
  function throwing(): never {
    throw new Error('EPERM: operation not permitted');
  }
  const BROKEN: ResourceOptions = {
    env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' },
    readFile: throwing,
    system: { hostname: throwing, arch: throwing, platform: throwing, release: throwing, version: throwing, userInfo: throwing },
    pkg: null,
  };

  it('every file read and OS call failing leaves the attributes that need nothing', () => {
    const r = resourceOf({}, BROKEN);
    assert.equal(r.attributes['service.name'], 'unknown_service:node');
    assert.equal(r.attributes['telemetry.sdk.name'], 'ts-otel-run');
    assert.equal(r.attributes['process.pid'], process.pid);
    assert.equal(typeof r.attributes['service.instance.id'], 'string');
    for (const key of ['host.name', 'host.arch', 'host.id', 'os.type', 'os.version', 'os.description', 'process.owner', 'container.id', 'k8s.namespace.name']) {
      assert.equal(key in r.attributes, false, key);
    }
  });

  it('a reader throwing something other than an Error is survived too', () => {
    const r = resourceOf({}, {
      ...FAKES,
      readFile: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw undefined;
      },
    });
    assert.equal(r.attributes['host.name'], 'fake-host');
    assert.equal('host.id' in r.attributes, false);
    assert.equal('container.id' in r.attributes, false);
  });

  it('a reader returning garbage gives no attribute from it', () => {
    const r = resourceOf({}, { ...FAKES, env: { KUBERNETES_SERVICE_HOST: 'x' }, readFile: () => '\u0000\uffff garbage \n\n:::' });
    assert.equal('container.id' in r.attributes, false);
    assert.equal('host.id' in r.attributes, false);
    assert.equal('os.name' in r.attributes, false);
    assert.equal('k8s.namespace.name' in r.attributes, false);
    assert.equal(r.attributes['os.description'], FAKE_SYSTEM.version());
  });
});

describe('createResource: on this machine, without fakes', () => {
  it('finds the real values', async (t) => {
    const r = createResource(configOf());
    assert.equal(r.attributes['process.pid'], process.pid);
    assert.equal(r.attributes['process.executable.path'], process.execPath);
    assert.equal(typeof r.attributes['host.name'], 'string');
    assert.equal(typeof r.attributes['os.type'], 'string');
    assert.equal(Object.isFrozen(r.attributes), true);
    await t.test('and the same service.instance.id every time in this process', () => {
      assert.equal(createResource(configOf()).attributes['service.instance.id'], r.attributes['service.instance.id']);
    });
    await t.test('a random (version 4, RFC 4122 variant) UUID', () => {
      assert.match(String(r.attributes['service.instance.id']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });
  });
});

describe('createResource: the command line never reaches the resource', () => {
  const SECRETS = ['--password=hunter2-Sup3rS3cret', 'token-7f3a9c1e5b2d', 'postgres://admin:pw-Qx81@db:5432/prod'];

  it("in this process: nothing from argv (after the executable) or execArgv", () => {
    const savedArgv = process.argv.slice();
    const savedExecArgv = process.execArgv.slice();
    process.argv.push(...SECRETS);
    process.execArgv.push('--secret-exec-arg=execArgv-Zz91');
    try {
      const text = JSON.stringify(createResource(configOf()));
      for (const arg of [...process.argv.slice(1), ...process.execArgv]) {
        assert.equal(text.includes(arg), false, `the resource holds '${arg}'`);
      }
    } finally {
      process.argv.splice(0, process.argv.length, ...savedArgv);
      process.execArgv.splice(0, process.execArgv.length, ...savedExecArgv);
    }
  });

  const dir = mkdtempSync(join(tmpdir(), 'ts-otel-run-argv-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('in a program started with secrets on its command line', () => {
    const script = join(dir, 'print-resource.js');
    const modules = JSON.stringify({
      resource: require.resolve('../../../src/resource/index'),
      resolve: require.resolve('../../../src/config/resolve'),
    });
    writeFileSync(
      script,
      `const m = ${modules};
       const { createResource } = require(m.resource);
       const { resolveConfig } = require(m.resolve);
       const config = resolveConfig({ env: process.env, cwd: process.cwd() }).config;
       process.stdout.write(JSON.stringify({ argv: process.argv, execArgv: process.execArgv, resource: createResource(config) }));`,
    );
    const out = execFileSync(process.execPath, ['--max-old-space-size=4321', '--no-deprecation', script, ...SECRETS], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', OTEL_NODE_RESOURCE_DETECTORS: 'all' },
      cwd: dir,
    });
    const { argv, execArgv, resource } = JSON.parse(out) as { argv: string[]; execArgv: string[]; resource: Resource };
    // The child did see them…
    assert.deepEqual(argv.slice(2), SECRETS);
    assert.deepEqual(execArgv, ['--max-old-space-size=4321', '--no-deprecation']);
    // …and its resource is complete, but holds none of them, nor its script's path.
    assert.equal(typeof resource.attributes['process.pid'], 'number');
    assert.notEqual(resource.attributes['process.pid'], process.pid);
    assert.notEqual(resource.attributes['service.instance.id'], createResource(configOf()).attributes['service.instance.id']);
    const text = JSON.stringify(resource);
    for (const arg of [...argv.slice(1), ...execArgv, 'max-old-space-size']) {
      assert.equal(text.includes(arg), false, `the resource holds '${arg}'`);
    }
  });
});
