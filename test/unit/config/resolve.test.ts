import { strict as assert } from 'node:assert';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { LoadedFile } from '../../../src/config/file';
import { displayValue, type ResolveInput, resolveConfig, settingsToEnv } from '../../../src/config/resolve';
import { SETTING_NAMES, SETTINGS, type SettingDef, type SettingName } from '../../../src/config/settings';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'ts-otel-run-resolve-')));
after(() => rmSync(dir, { recursive: true, force: true }));
const CONFIG_PATH = join(dir, '.ts-otel-runrc.json');

function fileOf(values: Record<string, unknown>): LoadedFile {
  return { path: CONFIG_PATH, values };
}

function flagsOf(values: Partial<Record<SettingName, string>>): ReadonlyMap<SettingName, string> {
  return new Map(Object.entries(values) as [SettingName, string][]);
}

function resolve(input: Partial<ResolveInput> = {}) {
  return resolveConfig({ env: {}, cwd: dir, ...input });
}

function problemsFor(r: ReturnType<typeof resolve>, setting: SettingName) {
  return r.problems.filter((p) => p.setting === setting);
}

describe('resolveConfig: defaults', () => {
  const r = resolve();

  it('with nothing set, every setting has its default and comes from the default', () => {
    assert.deepEqual(r.problems, []);
    for (const name of SETTING_NAMES) {
      assert.equal(r.sources[name], 'default', name);
      assert.deepEqual(r.config[name], (SETTINGS[name] as SettingDef).default, name);
    }
  });

  it('has one value and one source for every setting, and nothing else', () => {
    assert.deepEqual(Object.keys(r.config).sort(), [...SETTING_NAMES].sort());
    assert.deepEqual(Object.keys(r.sources).sort(), [...SETTING_NAMES].sort());
  });

  it('has no file when none was given', () => {
    assert.equal(r.file, undefined);
    assert.equal('file' in r, false);
  });

  it("does not read process.env: only the env it is given", () => {
    const saved = process.env.OTEL_SERVICE_NAME;
    process.env.OTEL_SERVICE_NAME = 'from-process-env';
    try {
      assert.equal(resolve().config.OTEL_SERVICE_NAME, undefined);
    } finally {
      if (saved === undefined) delete process.env.OTEL_SERVICE_NAME;
      else process.env.OTEL_SERVICE_NAME = saved;
    }
  });
});

describe('resolveConfig: precedence flag > env > file > default', () => {
  const flags = flagsOf({ OTEL_SERVICE_NAME: 'from-flag' });
  const env = { OTEL_SERVICE_NAME: 'from-env' };
  const file = fileOf({ service_name: 'from-file' });

  it('a flag beats the environment and the file', () => {
    const r = resolve({ flags, env, file });
    assert.equal(r.config.OTEL_SERVICE_NAME, 'from-flag');
    assert.equal(r.sources.OTEL_SERVICE_NAME, 'flag');
  });

  it('the environment beats the file', () => {
    const r = resolve({ env, file });
    assert.equal(r.config.OTEL_SERVICE_NAME, 'from-env');
    assert.equal(r.sources.OTEL_SERVICE_NAME, 'env');
  });

  it('the file beats the default', () => {
    const r = resolve({ file: fileOf({ bsp_schedule_delay: 100 }) });
    assert.equal(r.config.OTEL_BSP_SCHEDULE_DELAY, 100);
    assert.equal(r.sources.OTEL_BSP_SCHEDULE_DELAY, 'file');
    assert.equal(r.file, CONFIG_PATH);
  });

  it('each setting is resolved on its own', () => {
    const r = resolve({
      flags: flagsOf({ OTEL_SERVICE_NAME: 'svc' }),
      env: { OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_SERVICE_NAME: 'ignored' },
      file: fileOf({ traces_exporter: ['console', 'otlp'], 'bsp-schedule-delay': 300 }),
    });
    assert.equal(r.config.OTEL_SERVICE_NAME, 'svc');
    assert.equal(r.config.OTEL_BSP_SCHEDULE_DELAY, 200);
    assert.deepEqual(r.config.OTEL_TRACES_EXPORTER, ['console', 'otlp']);
    assert.equal(r.config.OTEL_LOG_LEVEL, 'warn');
    assert.deepEqual(
      [r.sources.OTEL_SERVICE_NAME, r.sources.OTEL_BSP_SCHEDULE_DELAY, r.sources.OTEL_TRACES_EXPORTER, r.sources.OTEL_LOG_LEVEL],
      ['flag', 'env', 'file', 'default'],
    );
    assert.deepEqual(r.problems, []);
  });

  it('values are typed: text from flags and the environment is parsed', () => {
    const r = resolve({
      env: { OTEL_SDK_DISABLED: ' TRUE ', OTEL_TRACES_SAMPLER_ARG: '.25', OTEL_LOG_LEVEL: 'DEBUG' },
      flags: flagsOf({ OTEL_EXPORTER_OTLP_HEADERS: 'a=b%20c' }),
    });
    assert.equal(r.config.OTEL_SDK_DISABLED, true);
    assert.equal(r.config.OTEL_TRACES_SAMPLER_ARG, 0.25);
    assert.equal(r.config.OTEL_LOG_LEVEL, 'debug');
    assert.deepEqual({ ...r.config.OTEL_EXPORTER_OTLP_HEADERS }, { a: 'b c' });
  });

  it('relative file paths are made absolute against the given cwd', () => {
    writeFileSync(join(dir, 'ca.pem'), 'pem');
    const r = resolve({ env: { OTEL_EXPORTER_OTLP_CERTIFICATE: 'ca.pem' } });
    assert.equal(r.config.OTEL_EXPORTER_OTLP_CERTIFICATE, join(dir, 'ca.pem'));
  });
});

describe('resolveConfig: an empty value is an unset one', () => {
  it('an empty or blank environment variable falls through to the file', () => {
    for (const blank of ['', '   ', '\t']) {
      const r = resolve({ env: { OTEL_SERVICE_NAME: blank }, file: fileOf({ service_name: 'from-file' }) });
      assert.equal(r.config.OTEL_SERVICE_NAME, 'from-file', JSON.stringify(blank));
      assert.equal(r.sources.OTEL_SERVICE_NAME, 'file');
      assert.deepEqual(r.problems, []);
    }
  });

  it('an empty flag falls through to the environment', () => {
    const r = resolve({ flags: flagsOf({ OTEL_SERVICE_NAME: '' }), env: { OTEL_SERVICE_NAME: 'from-env' } });
    assert.equal(r.config.OTEL_SERVICE_NAME, 'from-env');
    assert.equal(r.sources.OTEL_SERVICE_NAME, 'env');
  });

  it('an empty typed value is no problem: the default is used', () => {
    const r = resolve({ env: { OTEL_BSP_SCHEDULE_DELAY: '', OTEL_TRACES_EXPORTER: ' ', OTEL_SDK_DISABLED: '' } });
    assert.deepEqual(r.problems, []);
    assert.equal(r.config.OTEL_BSP_SCHEDULE_DELAY, 5000);
    assert.deepEqual(r.config.OTEL_TRACES_EXPORTER, ['otlp']);
    assert.equal(r.sources.OTEL_BSP_SCHEDULE_DELAY, 'default');
  });

  it('empty strings and nulls in the file are unset too', () => {
    const r = resolve({ file: fileOf({ service_name: '', log_level: null, 'bsp-schedule-delay': '  ' }) });
    assert.deepEqual(r.problems, []);
    assert.equal(r.sources.OTEL_SERVICE_NAME, 'default');
    assert.equal(r.config.OTEL_LOG_LEVEL, 'warn');
    assert.equal(r.config.OTEL_BSP_SCHEDULE_DELAY, 5000);
  });
});

describe('resolveConfig: an invalid value is reported and the next source is used', () => {
  it('an invalid flag falls through to a valid environment variable', () => {
    const r = resolve({ flags: flagsOf({ OTEL_BSP_SCHEDULE_DELAY: 'soon' }), env: { OTEL_BSP_SCHEDULE_DELAY: '200' } });
    assert.equal(r.config.OTEL_BSP_SCHEDULE_DELAY, 200);
    assert.equal(r.sources.OTEL_BSP_SCHEDULE_DELAY, 'env');
    assert.deepEqual(r.problems, [
      {
        setting: 'OTEL_BSP_SCHEDULE_DELAY',
        source: 'flag',
        message: "--bsp_schedule_delay: invalid value 'soon': expected a whole number ≥ 0 (milliseconds)",
      },
    ]);
  });

  it('an invalid flag and environment fall through to a valid file value', () => {
    const r = resolve({
      flags: flagsOf({ OTEL_TRACES_SAMPLER: 'sometimes' }),
      env: { OTEL_TRACES_SAMPLER: 'never' },
      file: fileOf({ traces_sampler: 'ALWAYS_OFF' }),
    });
    assert.equal(r.config.OTEL_TRACES_SAMPLER, 'always_off');
    assert.equal(r.sources.OTEL_TRACES_SAMPLER, 'file');
    const problems = problemsFor(r, 'OTEL_TRACES_SAMPLER');
    assert.deepEqual(
      problems.map((p) => p.source),
      ['flag', 'env'],
    );
    assert.match(problems[0]!.message, /^--traces_sampler: invalid value 'sometimes': allowed: always_on, /);
    assert.match(problems[1]!.message, /^OTEL_TRACES_SAMPLER: invalid value 'never': allowed: /);
  });

  it('when every source is invalid, the default is used and each source is reported', () => {
    const r = resolve({
      flags: flagsOf({ OTEL_LOG_LEVEL: 'loud' }),
      env: { OTEL_LOG_LEVEL: 'louder' },
      file: fileOf({ 'log-level': 'loudest' }),
    });
    assert.equal(r.config.OTEL_LOG_LEVEL, 'warn');
    assert.equal(r.sources.OTEL_LOG_LEVEL, 'default');
    const problems = problemsFor(r, 'OTEL_LOG_LEVEL');
    assert.deepEqual(
      problems.map((p) => p.source),
      ['flag', 'env', 'file'],
    );
    assert.ok(problems[2]!.message.startsWith(`${CONFIG_PATH}: key '`), problems[2]!.message);
    assert.ok(problems[2]!.message.includes("invalid value 'loudest'"));
  });

  it('a valid higher source stops the search: lower invalid values are not reported', () => {
    const r = resolve({ flags: flagsOf({ OTEL_LOG_LEVEL: 'info' }), env: { OTEL_LOG_LEVEL: 'garbage' } });
    assert.equal(r.config.OTEL_LOG_LEVEL, 'info');
    assert.deepEqual(r.problems, []);
  });

  it('file values that are not text are shown as JSON in the message', () => {
    const r = resolve({ file: fileOf({ traces_exporter: ['otlp', 'zipkin'] }) });
    const [p] = problemsFor(r, 'OTEL_TRACES_EXPORTER');
    assert.ok(p);
    assert.equal(p.source, 'file');
    assert.ok(p.message.includes(`invalid value '["otlp","zipkin"]'`), p.message);
    assert.ok(p.message.includes("'zipkin' not allowed"), p.message);
    assert.deepEqual(r.config.OTEL_TRACES_EXPORTER, ['otlp']);
  });

  it('values a JavaScript config file can hold but JSON cannot show are described, not a crash (found by fuzzing)', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const cases: [unknown, string][] = [
      [() => 'x', "'a function'"],
      [Symbol('s'), "'a symbol'"],
      [10n, "'10n'"],
      [cycle, "'a value that is not JSON'"],
      [{ a: 1n }, "'a value that is not JSON'"],
    ];
    for (const [value, shown] of cases) {
      const r = resolve({ file: fileOf({ service_name: value, sdk_disabled: value }) });
      for (const name of ['OTEL_SERVICE_NAME', 'OTEL_SDK_DISABLED'] as const) {
        const [p] = problemsFor(r, name);
        assert.ok(p, `${String(shown)}: ${name}`);
        assert.ok(p.message.includes(`invalid value ${shown}`), p.message);
      }
      assert.equal(r.config.OTEL_SDK_DISABLED, false);
    }
  });

  it('a lone surrogate in a file value is passed on to the child as U+FFFD, not a crash (found by fuzzing)', () => {
    const r = resolve({ file: fileOf({ resource_attributes: { a: '\ud800' } }) });
    assert.deepEqual(settingsToEnv(r), { OTEL_RESOURCE_ATTRIBUTES: 'a=%EF%BF%BD' });
  });

  it('long values are cut at 200 characters in the message', () => {
    const long = 'x'.repeat(500);
    const [p] = problemsFor(resolve({ env: { OTEL_TRACES_SAMPLER: long } }), 'OTEL_TRACES_SAMPLER');
    assert.ok(p);
    assert.ok(p.message.includes(`'${'x'.repeat(200)}…'`), p.message);
    assert.ok(!p.message.includes('x'.repeat(201)));
  });
});

describe('resolveConfig: config file keys', () => {
  it('accepts snake_case and kebab-case keys', () => {
    const r = resolve({
      file: fileOf({
        service_name: 'svc',
        'resource-attributes': { team: 'a' },
        'exporter-otlp-traces-protocol': 'grpc',
        exporter_otlp_metrics_temporality_preference: 'delta',
        extra_instrumentations: ['./x.js'],
      }),
    });
    assert.deepEqual(r.problems, []);
    assert.equal(r.config.OTEL_SERVICE_NAME, 'svc');
    assert.deepEqual({ ...r.config.OTEL_RESOURCE_ATTRIBUTES }, { team: 'a' });
    assert.equal(r.config.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, 'grpc');
    assert.equal(r.config.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, 'delta');
    assert.deepEqual(r.config.TS_OTEL_RUN_EXTRA_INSTRUMENTATIONS, ['./x.js']);
  });

  it('reports an unknown key with a did-you-mean suggestion', () => {
    const r = resolve({ file: fileOf({ service_nmae: 'svc' }) });
    assert.deepEqual(r.problems, [
      { source: 'file', message: `${CONFIG_PATH}: unknown key 'service_nmae' (did you mean 'service_name'?)` },
    ]);
    assert.equal(r.sources.OTEL_SERVICE_NAME, 'default');
  });

  it('suggests the kebab spelling for a kebab-case typo', () => {
    const r = resolve({ file: fileOf({ 'bsp-schedule-dely': 10 }) });
    assert.equal(r.problems.length, 1);
    assert.ok(r.problems[0]!.message.endsWith("(did you mean 'bsp-schedule-delay'?)"), r.problems[0]!.message);
  });

  it('reports an unknown key without a suggestion when nothing is close', () => {
    const r = resolve({ file: fileOf({ zzzzzzzzzzzzzzzz: 1 }) });
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0]!.message, `${CONFIG_PATH}: unknown key 'zzzzzzzzzzzzzzzz'`);
    assert.equal(r.problems[0]!.setting, undefined);
  });

  it('environment-variable spellings are not file keys', () => {
    const r = resolve({ file: fileOf({ OTEL_SERVICE_NAME: 'svc' }) });
    assert.equal(r.sources.OTEL_SERVICE_NAME, 'default');
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]!.message, /unknown key 'OTEL_SERVICE_NAME'/);
  });

  it('hostile keys (__proto__, constructor, toString) are unknown keys, nothing more', () => {
    const values = JSON.parse('{"__proto__": {"service_name": "polluted"}, "constructor": 1, "toString": 2}') as Record<
      string,
      unknown
    >;
    const r = resolve({ file: fileOf(values) });
    assert.equal(r.problems.length, 3);
    for (const p of r.problems) assert.match(p.message, /unknown key '(__proto__|constructor|toString)'/);
    assert.equal(r.config.OTEL_SERVICE_NAME, undefined);
    assert.equal(({} as Record<string, unknown>).service_name, undefined);
  });

  it("rejects the 'config' key: a config file cannot name another one", () => {
    const r = resolve({ file: fileOf({ config: './other.json', service_name: 'svc' }) });
    assert.deepEqual(r.problems, [
      {
        setting: 'TS_OTEL_RUN_CONFIG',
        source: 'file',
        message: `${CONFIG_PATH}: key 'config' cannot be set in a config file`,
      },
    ]);
    assert.equal(r.sources.TS_OTEL_RUN_CONFIG, 'default');
    assert.equal(r.config.TS_OTEL_RUN_CONFIG, undefined);
    assert.equal(r.config.OTEL_SERVICE_NAME, 'svc', 'the other keys still apply');
  });

  it("the 'config' setting still works from a flag or the environment", () => {
    writeFileSync(join(dir, 'other.json'), '{}');
    const r = resolve({ env: { TS_OTEL_RUN_CONFIG: 'other.json' } });
    assert.equal(r.config.TS_OTEL_RUN_CONFIG, join(dir, 'other.json'));
    assert.equal(r.sources.TS_OTEL_RUN_CONFIG, 'env');
  });
});

describe('resolveConfig: secrets and credentials never appear in problems', () => {
  const secret = 'hunter2-S3CRET';

  it('masks secret values (headers) as *** from every source', () => {
    const r = resolve({
      flags: flagsOf({ OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${secret},broken` }),
      env: { OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${secret}%zz`, OTEL_EXPORTER_OTLP_TRACES_HEADERS: `${secret}` },
      file: fileOf({ exporter_otlp_headers: { token: { value: secret } } }),
    });
    const problems = [...problemsFor(r, 'OTEL_EXPORTER_OTLP_HEADERS'), ...problemsFor(r, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS')];
    assert.equal(problems.length, 4);
    for (const p of problems) {
      assert.ok(p.message.includes("invalid value '***'"), p.message);
      assert.ok(!p.message.includes(secret), p.message);
      assert.ok(!p.message.includes('Bearer'), p.message);
    }
  });

  it('masks the client key path, which is a secret too', () => {
    const r = resolve({ env: { OTEL_EXPORTER_OTLP_CLIENT_KEY: `/nonexistent/${secret}.pem` } });
    const [p] = problemsFor(r, 'OTEL_EXPORTER_OTLP_CLIENT_KEY');
    assert.ok(p);
    assert.ok(!p.message.includes(secret), p.message);
    assert.ok(p.message.includes('***'));
  });

  it('removes credentials from URL values', () => {
    const r = resolve({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `ftp://alice:${secret}@collector:4318/otlp` },
      flags: flagsOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `alice:${secret}@collector:4318` }),
    });
    assert.equal(r.problems.length, 2);
    for (const p of r.problems) {
      assert.ok(!p.message.includes(secret), p.message);
      assert.ok(!p.message.includes('alice'), p.message);
      assert.ok(p.message.includes('collector:4318'), `the rest of the URL is kept: ${p.message}`);
    }
  });

  it('displayValue: secret, url, other', () => {
    assert.equal(displayValue(SETTINGS.OTEL_EXPORTER_OTLP_HEADERS, 'a=b'), '***');
    assert.equal(displayValue(SETTINGS.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://u:p@h:1/x'), 'http://h:1/x');
    assert.equal(displayValue(SETTINGS.OTEL_SERVICE_NAME, 'svc'), 'svc');
    assert.equal(displayValue(SETTINGS.OTEL_BSP_SCHEDULE_DELAY, 5), '5');
  });
});

describe('settingsToEnv', () => {
  it('returns only the settings from flags and the file, in canonical text', () => {
    const r = resolve({
      flags: flagsOf({ OTEL_TRACES_EXPORTER: ' Console , OTLP,console', OTEL_SDK_DISABLED: 'FALSE' }),
      env: { OTEL_SERVICE_NAME: 'from-env', OTEL_LOG_LEVEL: 'info' },
      file: fileOf({
        log_level: 'debug', // loses to the environment
        resource_attributes: { team: 'a b', 'deployment.environment': 'dev' },
        'bsp-schedule-delay': 100,
        'exporter-otlp-protocol': 'GRPC',
      }),
    });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(settingsToEnv(r), {
      OTEL_TRACES_EXPORTER: 'console,otlp',
      OTEL_SDK_DISABLED: 'false',
      OTEL_RESOURCE_ATTRIBUTES: 'team=a%20b,deployment.environment=dev',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    });
  });

  it('is empty when everything comes from the environment or the defaults', () => {
    assert.deepEqual(settingsToEnv(resolve({ env: { OTEL_SERVICE_NAME: 'x', OTEL_BSP_SCHEDULE_DELAY: '1' } })), {});
    assert.deepEqual(settingsToEnv(resolve()), {});
  });

  it('does not pass on an invalid flag that fell through to the environment', () => {
    const r = resolve({ flags: flagsOf({ OTEL_BSP_SCHEDULE_DELAY: 'x' }), env: { OTEL_BSP_SCHEDULE_DELAY: '7' } });
    assert.deepEqual(settingsToEnv(r), {});
  });

  it('what it writes resolves to the same configuration in a child', () => {
    const parent = resolve({
      flags: flagsOf({ OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20abc%3D%3D,x=a%2Cb' }),
      file: fileOf({ service_name: 'svc', metrics_exporter: ['prometheus', 'console'], traces_sampler_arg: 0.5 }),
    });
    const child = resolve({ env: settingsToEnv(parent) });
    assert.deepEqual(child.problems, []);
    for (const name of SETTING_NAMES) assert.deepEqual(child.config[name], parent.config[name], name);
  });
});

describe('resolveConfig: the result is frozen', () => {
  it('config and sources cannot be changed', () => {
    const r = resolve({ env: { OTEL_SERVICE_NAME: 'svc' } });
    assert.ok(Object.isFrozen(r.config));
    assert.ok(Object.isFrozen(r.sources));
    assert.throws(() => {
      (r.config as Record<string, unknown>).OTEL_SERVICE_NAME = 'changed';
    }, TypeError);
    assert.throws(() => {
      (r.config as Record<string, unknown>).NEW_SETTING = 1;
    }, TypeError);
    assert.throws(() => {
      (r.sources as Record<string, unknown>).OTEL_SERVICE_NAME = 'flag';
    }, TypeError);
    assert.equal(r.config.OTEL_SERVICE_NAME, 'svc');
  });
});
