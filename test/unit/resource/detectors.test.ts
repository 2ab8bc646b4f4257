import { strict as assert } from 'node:assert';
import { basename } from 'node:path';
import { describe, it } from 'node:test';
import { CGROUP_PATH, MOUNTINFO_PATH } from '../../../src/resource/container';
import {
  containerDetector,
  hostArch,
  hostDetector,
  K8S_NAMESPACE_FILE,
  k8sDetector,
  osDetector,
  osType,
  parseOsRelease,
  processDetector,
  serviceInstanceDetector,
  serviceInstanceId,
} from '../../../src/resource/detectors';
import { HOST_ARCH_VALUES, OS_TYPE_VALUES } from '../../../src/resource/semconv';
import { CGROUP_V1_DOCKER, DOCKER_ID } from './fixtures';
import { contextOf, filesReader, throwingReader } from './helpers';

const MACHINE_ID = '3d1219c7c4c5404aaa1f6d2a48adfda4';
const DBUS_MACHINE_ID = '0b3f2c0e9d8a4b6c8e7f6a5b4c3d2e1f';

function throws(): never {
  throw new Error('EPERM');
}

describe('host detector', () => {
  it('maps os.arch() to the semantic conventions host.arch values', () => {
    assert.equal(hostArch('x64'), 'amd64');
    assert.equal(hostArch('arm'), 'arm32');
    assert.equal(hostArch('ia32'), 'x86');
    assert.equal(hostArch('ppc'), 'ppc32');
    assert.equal(hostArch('arm64'), 'arm64');
    assert.equal(hostArch('ppc64'), 'ppc64');
    assert.equal(hostArch('s390x'), 's390x');
    assert.equal(hostArch('riscv64'), 'riscv64');
    for (const arch of ['x64', 'arm', 'ia32', 'ppc', 'arm64', 'ppc64', 's390x']) {
      assert.ok((HOST_ARCH_VALUES as readonly string[]).includes(hostArch(arch)), arch);
    }
  });

  it('gives host.name, host.arch and host.id from /etc/machine-id, trimmed', () => {
    const read = filesReader({ '/etc/machine-id': `${MACHINE_ID}\n` });
    assert.deepEqual(hostDetector(contextOf({ read })), {
      'host.name': 'fake-host',
      'host.arch': 'amd64',
      'host.id': MACHINE_ID,
    });
  });

  it('falls back to /var/lib/dbus/machine-id', () => {
    const read = filesReader({ '/var/lib/dbus/machine-id': `${DBUS_MACHINE_ID}\n` });
    assert.equal(hostDetector(contextOf({ read }))['host.id'], DBUS_MACHINE_ID);
  });

  it("skips an empty or 'uninitialized' machine id for the next file", () => {
    for (const bad of ['', '\n', 'uninitialized\n']) {
      const read = filesReader({ '/etc/machine-id': bad, '/var/lib/dbus/machine-id': DBUS_MACHINE_ID });
      assert.equal(hostDetector(contextOf({ read }))['host.id'], DBUS_MACHINE_ID, JSON.stringify(bad));
    }
  });

  it('has no host.id when no machine id is readable', () => {
    const attrs = hostDetector(contextOf({ read: throwingReader() }));
    assert.equal('host.id' in attrs, false);
    assert.equal(attrs['host.name'], 'fake-host');
  });

  it('reads /etc/hostid on the BSDs, and no file on macOS or Windows', () => {
    const calls: string[] = [];
    const read = filesReader({ '/etc/hostid': 'c3a1f2e4-1234-4cde-9abc-0123456789ab\n' }, calls);
    const attrs = hostDetector(contextOf({ read, system: { platform: () => 'freebsd' } }));
    assert.equal(attrs['host.id'], 'c3a1f2e4-1234-4cde-9abc-0123456789ab');
    assert.deepEqual(calls, ['/etc/hostid']);
    for (const platform of ['darwin', 'win32']) {
      const none: string[] = [];
      const other = hostDetector(contextOf({ read: filesReader({ '/etc/machine-id': MACHINE_ID }, none), system: { platform: () => platform } }));
      assert.equal('host.id' in other, false, platform);
      assert.deepEqual(none, [], platform);
    }
  });

  it('skips each attribute whose OS call throws, keeping the others', () => {
    const read = filesReader({ '/etc/machine-id': MACHINE_ID });
    assert.deepEqual(hostDetector(contextOf({ read, system: { hostname: throws } })), { 'host.arch': 'amd64', 'host.id': MACHINE_ID });
    assert.deepEqual(hostDetector(contextOf({ read, system: { arch: throws, platform: throws } })), { 'host.name': 'fake-host' });
  });
});

describe('os detector', () => {
  it('maps os.platform() to the semantic conventions os.type values', () => {
    const expected: Record<string, string> = {
      win32: 'windows',
      cygwin: 'windows',
      sunos: 'solaris',
      os390: 'zos',
      android: 'linux',
      linux: 'linux',
      darwin: 'darwin',
      freebsd: 'freebsd',
      openbsd: 'openbsd',
      netbsd: 'netbsd',
      aix: 'aix',
    };
    for (const [platform, type] of Object.entries(expected)) {
      assert.equal(osType(platform), type, platform);
      assert.ok((OS_TYPE_VALUES as readonly string[]).includes(type), type);
    }
  });

  it('parses os-release, quoted or not', () => {
    const fields = parseOsRelease(
      ['# comment', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"', "NAME='Alpine Linux'", 'ID=alpine', 'X="a \\"q\\" b"', ''].join('\n'),
    );
    assert.deepEqual(fields, { PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)', NAME: 'Alpine Linux', ID: 'alpine', X: 'a "q" b' });
  });

  it('on Linux: os.type, os.version (the kernel release), os.name and os.description from /etc/os-release', () => {
    const read = filesReader({ '/etc/os-release': 'NAME="Ubuntu"\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\nVERSION_ID="22.04"\n' });
    assert.deepEqual(osDetector(contextOf({ read })), {
      'os.type': 'linux',
      'os.version': '6.1.0-fake',
      'os.name': 'Ubuntu',
      'os.description': 'Ubuntu 22.04.4 LTS',
    });
  });

  it('on Linux without /etc/os-release: /usr/lib/os-release, then os.version() as the description', () => {
    const read = filesReader({ '/usr/lib/os-release': 'NAME=Fedora\nPRETTY_NAME="Fedora Linux 40"\n' });
    assert.equal(osDetector(contextOf({ read }))['os.description'], 'Fedora Linux 40');
    const none = osDetector(contextOf({ read: throwingReader() }));
    assert.equal(none['os.description'], '#1 SMP PREEMPT_DYNAMIC Fake 6.1.0');
    assert.equal('os.name' in none, false);
  });

  it('on Windows: os.type windows, and reads no file', () => {
    const calls: string[] = [];
    const attrs = osDetector(
      contextOf({
        read: filesReader({}, calls),
        system: { platform: () => 'win32', release: () => '10.0.22631', version: () => 'Windows 11 Pro' },
      }),
    );
    assert.deepEqual(attrs, { 'os.type': 'windows', 'os.version': '10.0.22631', 'os.description': 'Windows 11 Pro' });
    assert.deepEqual(calls, []);
  });

  it('skips each attribute whose OS call throws', () => {
    assert.deepEqual(osDetector(contextOf({ read: throwingReader(), system: { platform: throws, release: throws, version: throws } })), {});
  });
});

describe('process detector', () => {
  it('describes this process and its runtime', () => {
    assert.deepEqual(processDetector(contextOf()), {
      'process.pid': process.pid,
      'process.parent_pid': process.ppid,
      'process.executable.name': basename(process.execPath),
      'process.executable.path': process.execPath,
      'process.runtime.name': 'nodejs',
      'process.runtime.version': process.versions.node,
      'process.runtime.description': 'Node.js',
      'process.owner': 'fake-user',
    });
  });

  it('has no process.owner when os.userInfo() throws (a uid without a passwd entry)', () => {
    const attrs = processDetector(contextOf({ system: { userInfo: throws } }));
    assert.equal('process.owner' in attrs, false);
    assert.equal(attrs['process.pid'], process.pid);
  });

  it('never sets process.command, process.command_line, process.command_args or process.args_count', () => {
    const keys = Object.keys(processDetector(contextOf()));
    for (const key of ['process.command', 'process.command_line', 'process.command_args', 'process.args_count']) {
      assert.equal(keys.includes(key), false, key);
    }
  });
});

describe('serviceinstance detector', () => {
  it('gives a random UUID v4, the same for the whole process', () => {
    const id = serviceInstanceId();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(serviceInstanceId(), id);
    assert.deepEqual(serviceInstanceDetector(contextOf()), { 'service.instance.id': id });
  });
});

describe('container detector', () => {
  it('gives container.id on Linux', () => {
    const read = filesReader({ [CGROUP_PATH]: CGROUP_V1_DOCKER });
    assert.deepEqual(containerDetector(contextOf({ read })), { 'container.id': DOCKER_ID });
  });

  it('gives nothing outside a container, and reads nothing on other systems', () => {
    assert.deepEqual(containerDetector(contextOf({ read: filesReader({ [CGROUP_PATH]: '0::/\n', [MOUNTINFO_PATH]: '' }) })), {});
    const calls: string[] = [];
    const read = filesReader({ [CGROUP_PATH]: CGROUP_V1_DOCKER }, calls);
    assert.deepEqual(containerDetector(contextOf({ read, system: { platform: () => 'darwin' } })), {});
    assert.deepEqual(calls, []);
  });

  it('gives nothing when the files cannot be read', () => {
    assert.deepEqual(containerDetector(contextOf({ read: throwingReader() })), {});
  });
});

describe('k8s detector', () => {
  const IN_K8S = { KUBERNETES_SERVICE_HOST: '10.96.0.1' };

  it('reads nothing outside Kubernetes (no KUBERNETES_SERVICE_HOST)', () => {
    const calls: string[] = [];
    const attrs = k8sDetector(contextOf({ env: { K8S_POD_NAME: 'web-1', POD_NAMESPACE: 'shop' }, read: filesReader({}, calls) }));
    assert.deepEqual(attrs, {});
    assert.deepEqual(calls, []);
  });

  it('maps the K8S_* variables', () => {
    const env = {
      ...IN_K8S,
      K8S_POD_NAME: 'web-7d9f8-abcde',
      K8S_POD_UID: '0b5a1c8e-7a53-4d7e-9b4e-3f2a1c0d9e8f',
      K8S_NAMESPACE_NAME: 'shop',
      K8S_NODE_NAME: 'node-3',
      K8S_CONTAINER_NAME: 'web',
    };
    assert.deepEqual(k8sDetector(contextOf({ env })), {
      'k8s.pod.name': 'web-7d9f8-abcde',
      'k8s.pod.uid': '0b5a1c8e-7a53-4d7e-9b4e-3f2a1c0d9e8f',
      'k8s.namespace.name': 'shop',
      'k8s.node.name': 'node-3',
      'k8s.container.name': 'web',
    });
  });

  it("maps the downward API examples' variables", () => {
    const env = { ...IN_K8S, POD_NAME: 'api-0', POD_UID: 'u-1', POD_NAMESPACE: 'prod', NODE_NAME: 'n1', CONTAINER_NAME: 'api' };
    assert.deepEqual(k8sDetector(contextOf({ env })), {
      'k8s.pod.name': 'api-0',
      'k8s.pod.uid': 'u-1',
      'k8s.namespace.name': 'prod',
      'k8s.node.name': 'n1',
      'k8s.container.name': 'api',
    });
  });

  it("maps the OpenTelemetry Operator's variables, and K8S_NAMESPACE", () => {
    const env = {
      ...IN_K8S,
      OTEL_RESOURCE_ATTRIBUTES_POD_NAME: 'op-pod',
      OTEL_RESOURCE_ATTRIBUTES_POD_UID: 'op-uid',
      OTEL_RESOURCE_ATTRIBUTES_NODE_NAME: 'op-node',
      K8S_NAMESPACE: 'old-style',
    };
    assert.deepEqual(k8sDetector(contextOf({ env })), {
      'k8s.pod.name': 'op-pod',
      'k8s.pod.uid': 'op-uid',
      'k8s.node.name': 'op-node',
      'k8s.namespace.name': 'old-style',
    });
  });

  it('prefers K8S_* over the other spellings, and skips empty values', () => {
    const env = { ...IN_K8S, K8S_POD_NAME: 'preferred', OTEL_RESOURCE_ATTRIBUTES_POD_NAME: 'second', POD_NAME: 'third', K8S_NODE_NAME: '  ', NODE_NAME: 'n2' };
    const attrs = k8sDetector(contextOf({ env }));
    assert.equal(attrs['k8s.pod.name'], 'preferred');
    assert.equal(attrs['k8s.node.name'], 'n2');
    assert.equal(k8sDetector(contextOf({ env: { ...env, K8S_POD_NAME: '' } }))['k8s.pod.name'], 'second');
  });

  it('does not take the pod name from HOSTNAME', () => {
    const attrs = k8sDetector(contextOf({ env: { ...IN_K8S, HOSTNAME: 'web-7d9f8-abcde' } }));
    assert.equal('k8s.pod.name' in attrs, false);
  });

  it("takes the namespace from the service account's file when no variable gives it", () => {
    const read = filesReader({ [K8S_NAMESPACE_FILE]: 'payments\n' });
    assert.deepEqual(k8sDetector(contextOf({ env: IN_K8S, read })), { 'k8s.namespace.name': 'payments' });
    assert.equal(k8sDetector(contextOf({ env: { ...IN_K8S, POD_NAMESPACE: 'from-env' }, read }))['k8s.namespace.name'], 'from-env');
    assert.deepEqual(k8sDetector(contextOf({ env: IN_K8S, read: throwingReader() })), {});
  });

  it('ignores a namespace file that does not hold a namespace name', () => {
    for (const text of ['', 'Not A Name', 'a'.repeat(64), '-shop', 'shop\nprod']) {
      const read = filesReader({ [K8S_NAMESPACE_FILE]: text });
      assert.deepEqual(k8sDetector(contextOf({ env: IN_K8S, read })), {}, JSON.stringify(text));
    }
  });
});
