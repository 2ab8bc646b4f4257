import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { app, bareEnv, cleanEnv, lastJson, launcher, REGISTER_CJS, run } from '../helpers/run';

/** Configuration end to end: precedence, config files, `ts-otel-run config`, preload-only use. */

const dirs: string[] = [];
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ts-otel-run-config-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function configJson(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = await launcher(['config', '--json', ...args], { cwd, env: bareEnv(env) });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as {
    file: string | null;
    settings: Record<string, { value: unknown; source: string }>;
    effective: { service: string; signals: string[] };
  };
}

describe('precedence: flag > environment > config file > default', () => {
  const dir = project({
    '.ts-otel-runrc.json': JSON.stringify({
      service_name: 'from-file',
      'bsp-schedule-delay': 100,
      traces_exporter: ['console', 'otlp'],
      resource_attributes: { team: 'a b', 'deployment.environment': 'dev' },
      metric_export_interval: 1234,
    }),
  });

  it('each setting comes from the highest source that sets it', async () => {
    const c = await configJson(['--service_name', 'from-flag'], dir, {
      OTEL_SERVICE_NAME: 'from-env',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    assert.equal(c.file, join(dir, '.ts-otel-runrc.json'));
    assert.deepEqual(c.settings.OTEL_SERVICE_NAME, { value: 'from-flag', source: 'flag', flag: '--service_name' });
    assert.deepEqual(c.settings.OTEL_BSP_SCHEDULE_DELAY, { value: 200, source: 'env', flag: '--bsp_schedule_delay' });
    assert.deepEqual(c.settings.OTEL_TRACES_EXPORTER?.value, ['console', 'otlp']);
    assert.equal(c.settings.OTEL_TRACES_EXPORTER?.source, 'file');
    assert.equal(c.settings.OTEL_METRIC_EXPORT_INTERVAL?.value, 1234);
    assert.equal(c.settings.OTEL_LOG_LEVEL?.source, 'default');
    assert.equal(c.effective.service, 'from-flag');
  });

  it('the program sees the resolved values in its environment, config-file values included', async () => {
    const r = await launcher(['--bsp_schedule_delay', '300', 'node', app('probe.cjs')], { cwd: dir, env: bareEnv() });
    const seen = lastJson(r.stdout);
    assert.equal(seen.env.OTEL_SERVICE_NAME, 'from-file');
    assert.equal(seen.env.OTEL_BSP_SCHEDULE_DELAY, '300');
    assert.equal(seen.env.OTEL_TRACES_EXPORTER, 'console,otlp');
    assert.equal(seen.env.OTEL_RESOURCE_ATTRIBUTES, 'team=a%20b,deployment.environment=dev');
    assert.equal(seen.env.TS_OTEL_RUN_RESOLVED, '1');
    assert.equal(seen.config.serviceName, 'from-file');
  });

  it('--config names a file anywhere; TS_OTEL_RUN_CONFIG does the same', async () => {
    const other = project({ 'conf/otel.yaml': 'service_name: from-yaml\nlog_level: error\n' });
    const c1 = await configJson(['--config', join(other, 'conf/otel.yaml')], dir);
    assert.equal(c1.settings.OTEL_SERVICE_NAME?.value, 'from-yaml');
    const c2 = await configJson([], dir, { TS_OTEL_RUN_CONFIG: join(other, 'conf/otel.yaml') });
    assert.equal(c2.settings.OTEL_LOG_LEVEL?.value, 'error');
  });
});

describe('config files', () => {
  it('are found in package.json, rc files and config modules, searching up to the package root', async () => {
    const pkg = project({ 'package.json': JSON.stringify({ name: 'shop', 'ts-otel-run': { service_name: 'pkg-key' } }), 'src/x.txt': '' });
    assert.equal((await configJson([], join(pkg, 'src'))).settings.OTEL_SERVICE_NAME?.value, 'pkg-key');

    const cjs = project({ 'ts-otel-run.config.cjs': "module.exports = { service_name: 'from-cjs' };" });
    assert.equal((await configJson([], cjs)).settings.OTEL_SERVICE_NAME?.value, 'from-cjs');

    const mjs = project({ 'ts-otel-run.config.mjs': "export default { 'service-name': 'from-mjs' };" });
    assert.equal((await configJson([], mjs)).settings.OTEL_SERVICE_NAME?.value, 'from-mjs');

    const rc = project({ '.ts-otel-runrc': 'service_name: from-rc\n' });
    assert.equal((await configJson([], rc)).settings.OTEL_SERVICE_NAME?.value, 'from-rc');

    // A package.json without the key stops the search: nothing above it belongs to this project.
    const nested = project({ '.ts-otel-runrc': 'service_name: outer\n', 'inner/package.json': '{"name":"inner"}' });
    const c = await configJson([], join(nested, 'inner'));
    assert.equal(c.file, null);
    assert.equal(c.effective.service, 'inner');
  });

  for (const [what, files, pattern] of [
    ['a syntax error', { '.ts-otel-runrc.json': '{ "service_name": ' }, /invalid config file: .*\.ts-otel-runrc\.json/],
    ['an unknown key', { '.ts-otel-runrc.json': '{ "service_nam": "x" }' }, /\.ts-otel-runrc\.json: unknown key 'service_nam' \(did you mean 'service_name'\?\)/],
    ['a wrong type', { '.ts-otel-runrc.json': '{ "bsp_max_queue_size": "lots" }' }, /\.ts-otel-runrc\.json: key 'bsp_max_queue_size': invalid value 'lots': expected a whole number ≥ 1/],
    ['a key that only the command line may set', { '.ts-otel-runrc.json': '{ "config": "other.json" }' }, /key 'config' cannot be set in a config file/],
    ['a value that is not an object', { '.ts-otel-runrc.json': '[1, 2]' }, /the configuration must be an object of settings/],
  ] as const) {
    it(`${what} stops the launcher with exit 2, naming the file, the key and the reason`, async () => {
      const dir = project(files);
      const r = await launcher(['node', '-e', 'console.log("started")'], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
      assert.equal(r.stdout, '');
    });
  }
});

describe('ts-otel-run config', () => {
  it('prints every setting with its source and masks header values and keys', async () => {
    const dir = project({});
    const r = await launcher(['config', '--exporter_otlp_client_key', __filename], {
      cwd: dir,
      env: bareEnv({
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20t0ken,x-team=a',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://user:pa55@collector.example:4318/v1/traces',
      }),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^OTEL_EXPORTER_OTLP_HEADERS +authorization=\*\*\*,x-team=\*\*\* +environment$/m);
    assert.match(r.stdout, /^OTEL_EXPORTER_OTLP_CLIENT_KEY +\*\*\* +flag --exporter_otlp_client_key$/m);
    assert.match(r.stdout, /^OTEL_TRACES_SAMPLER +parentbased_always_on +default$/m);
    assert.match(r.stdout, /^traces → otlp http\/protobuf https:\/\/collector\.example:4318\/v1\/traces$/m);
    assert.doesNotMatch(r.stdout, /t0ken|pa55/);
    assert.doesNotMatch(r.stdout, new RegExp(__filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  });
});

describe('preload only (NODE_OPTIONS set by hand)', () => {
  it('reads the environment and the config file; an invalid value is one warning and the default', async () => {
    const dir = project({ '.ts-otel-runrc.json': JSON.stringify({ service_name: 'preloaded', bsp_max_queue_size: 'x' }) });
    const r = await run(process.execPath, ['--require', REGISTER_CJS, app('probe.cjs')], {
      cwd: dir,
      env: cleanEnv({ OTEL_TRACES_EXPORTER: 'zipkin', OTEL_LOG_LEVEL: 'warn' }),
    });
    assert.equal(r.code, 0);
    const seen = lastJson(r.stdout);
    assert.equal(seen.agent.running, true);
    assert.equal(seen.config.serviceName, 'preloaded');
    const warnings = r.stderr.trim().split('\n');
    assert.equal(warnings.length, 2, r.stderr);
    assert.match(r.stderr, /^ts-otel-run: warn: OTEL_TRACES_EXPORTER: invalid value 'zipkin': 'zipkin' not allowed; allowed: otlp, console, none; using the default$/m);
    assert.match(r.stderr, /^ts-otel-run: warn: .*\.ts-otel-runrc\.json: key 'bsp_max_queue_size': invalid value 'x': .*; using the default$/m);
  });

  it('an invalid environment value falls back to the config file’s value', async () => {
    const dir = project({ '.ts-otel-runrc.json': JSON.stringify({ log_level: 'info' }) });
    const r = await run(process.execPath, ['--require', REGISTER_CJS, '-e', '0'], {
      cwd: dir,
      env: cleanEnv({ OTEL_LOG_LEVEL: 'loud' }),
    });
    assert.match(r.stderr, /OTEL_LOG_LEVEL: invalid value 'loud': .*; using the config file's value/);
    assert.match(r.stderr, /ts-otel-run: info: ts-otel-run .* started/);
  });

  it('a broken config file is a warning; the program runs', async () => {
    const dir = project({ '.ts-otel-runrc.json': '{ nope' });
    const r = await run(process.execPath, ['--require', REGISTER_CJS, '-e', 'console.log("ran")'], { cwd: dir });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'ran\n');
    assert.match(r.stderr, /ts-otel-run: warn: config file ignored: .*\.ts-otel-runrc\.json/);
  });

  it('under the launcher, child processes do not search for a config file again', async () => {
    const dir = project({ '.ts-otel-runrc.json': JSON.stringify({ service_name: 'outer' }) });
    const other = project({ '.ts-otel-runrc.json': JSON.stringify({ service_name: 'inner' }) });
    const r = await launcher(['sh', '-c', `cd "${other}" && node "${app('probe.cjs')}"`], { cwd: dir });
    assert.equal(lastJson(r.stdout).config.serviceName, 'outer');
  });
});
