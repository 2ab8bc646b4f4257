import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { app, cleanEnv, instrumentation, lastJson, launcher, REGISTER_CJS, REGISTER_ESM, ROOT, run } from '../helpers/run';

/** The hook registry in a real program: lazy patching, failure isolation, the start-once guard. */

const extras = (...names: string[]) => names.map(instrumentation).join(',');
const startLines = (stderr: string) => stderr.split('\n').filter((l) => / started for service /.test(l)).length;

describe('failing-patch isolation', () => {
  for (const fixture of ['greet.cjs', 'greet.mjs']) {
    it(`${fixture}: a patch that throws is undone with one warning; the others still patch`, async () => {
      const r = await launcher([
        '--extra_instrumentations',
        extras('throws-in-patch.cjs', 'greeter.cjs', 'os-hostname.cjs'),
        'node',
        app(fixture),
      ]);
      assert.equal(r.code, 0, r.stderr);
      const seen = lastJson(r.stdout);
      // Not "[broken]": the wrap the failing patch made before it threw was rolled back.
      assert.equal(seen.greet, 'hello world [instrumented]');
      if (fixture.endsWith('.mjs')) assert.equal(seen.esmGreet, 'hi world [instrumented]');
      assert.match(seen.hostname, /^patched:/);
      const warnings = r.stderr.split('\n').filter((l) => l.startsWith('ts-otel-run: warn:'));
      const expected = fixture.endsWith('.mjs') ? 2 : 1; // the ES module greeter is a second library
      assert.equal(warnings.length, expected, r.stderr);
      assert.match(
        warnings[0]!,
        /instrumentation 'broken' failed to patch fixture-greeter@1\.2\.3; the module is left as it was: Error: this instrumentation always fails/,
      );
    });
  }

  it('with the failing instrumentation alone, the program gets the original exports', async () => {
    const r = await launcher(['--extra_instrumentations', extras('throws-in-patch.cjs'), 'node', app('greet.mjs')]);
    const seen = lastJson(r.stdout);
    assert.equal(seen.greet, 'hello world');
    assert.equal(seen.esmGreet, 'hi world');
  });
});

describe('what is patched, and what is said about it', () => {
  it('at debug: each patched module with its version, each skipped one with the reason', async () => {
    const r = await launcher([
      '--log_level',
      'debug',
      '--extra_instrumentations',
      extras('greeter.cjs', 'future-greeter.cjs', 'os-hostname.cjs'),
      'node',
      app('greet.mjs'),
    ]);
    assert.match(r.stderr, /^ts-otel-run: debug: greeter: patched fixture-greeter@1\.2\.3 \(module\)$/m);
    assert.match(r.stderr, /^ts-otel-run: debug: greeter: patched fixture-esm-greeter@2\.0\.0 \(module\)$/m);
    assert.match(r.stderr, /^ts-otel-run: debug: future-greeter: skipped fixture-greeter@1\.2\.3: supported versions are >=2 <3$/m);
    // os is reached by import (and, on some Node versions, by require inside Node itself): one patch.
    assert.equal(r.stderr.split('\n').filter((l) => /patched os@/.test(l)).length, 1, r.stderr);
  });

  it('at info: one start-up line with service, exporters and their final URLs, instrumentations', async () => {
    const r = await launcher(
      ['--log_level', 'info', '--service_name', 'shop', '--traces_exporter', 'console', '--exporter_otlp_protocol', 'grpc', 'node', '-e', '0'],
      {
        // No runtime metrics: with nothing measured, nothing is sent to the (absent) collector.
        env: cleanEnv({
          OTEL_METRICS_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://logs.example:9999/ingest',
          OTEL_LOGS_EXPORTER: 'otlp',
          OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'runtime-node',
        }),
      },
    );
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0]!,
      /^ts-otel-run: info: ts-otel-run \S+ started for service 'shop'; traces → console; metrics → otlp grpc http:\/\/localhost:4317; logs → otlp grpc http:\/\/logs\.example:9999\/ingest; instrumentations: /,
    );
  });

  it('nothing is said at the default level when all is well', async () => {
    const r = await launcher(['--extra_instrumentations', extras('greeter.cjs'), 'node', app('greet.cjs')]);
    assert.equal(r.stderr, '');
  });

  it('OTEL_SDK_DISABLED in preload-only use: no hooks are installed', async () => {
    const r = await run(process.execPath, ['--import', REGISTER_ESM, app('greet.cjs')], {
      env: cleanEnv({ OTEL_SDK_DISABLED: 'true', TS_OTEL_RUN_EXTRA_INSTRUMENTATIONS: instrumentation('greeter.cjs') }),
    });
    assert.equal(lastJson(r.stdout).greet, 'hello world');
  });
});

describe('the agent starts once per process, on the main thread', () => {
  it('--require and --import together start it once', async () => {
    const r = await run(process.execPath, ['--require', REGISTER_CJS, '--import', REGISTER_ESM, '-e', '0'], {
      env: cleanEnv({ OTEL_LOG_LEVEL: 'info' }),
    });
    assert.equal(startLines(r.stderr), 1, r.stderr);
  });

  it('two installed copies start it once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-otel-run-copy-'));
    try {
      const copy = join(dir, 'node_modules', 'ts-otel-run');
      mkdirSync(copy, { recursive: true });
      cpSync(join(ROOT, 'dist', 'bundle'), join(copy, 'dist', 'bundle'), { recursive: true });
      cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
      symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
      const r = await run(
        process.execPath,
        ['--require', join(copy, 'dist/bundle/register/register.js'), '--import', REGISTER_ESM, '-e', '0'],
        { env: cleanEnv({ OTEL_LOG_LEVEL: 'info' }) },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(startLines(r.stderr), 1, r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the package name resolves to the require and import entries', async () => {
    for (const flag of ['--require', '--import']) {
      const r = await run(process.execPath, [flag, 'ts-otel-run/register', app('probe.cjs')], { cwd: ROOT });
      assert.equal(lastJson(r.stdout).agent.running, true, `${flag}: ${r.stderr}`);
    }
  });

  it('worker threads do not start another agent', async () => {
    const code = `
      const { Worker } = require('node:worker_threads');
      const w = new Worker("require('node:worker_threads').parentPort.postMessage(Boolean(globalThis[Symbol.for('ts-otel-run.agent')]))", { eval: true });
      w.on('message', (m) => { console.log(JSON.stringify({ inWorker: m, inMain: Boolean(globalThis[Symbol.for('ts-otel-run.agent')]?.agent) })); });
    `;
    // --require preloads run in worker threads too; --import ones do not.
    for (const flag of ['--require', '--import']) {
      const entry = flag === '--require' ? REGISTER_CJS : REGISTER_ESM;
      const r = await run(process.execPath, [flag, entry, '-e', code], { env: cleanEnv({ OTEL_LOG_LEVEL: 'info' }) });
      assert.deepEqual(lastJson(r.stdout), { inWorker: false, inMain: true }, flag);
      assert.equal(startLines(r.stderr), 1, r.stderr);
    }
  });
});
