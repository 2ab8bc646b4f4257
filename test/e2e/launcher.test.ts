import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { app, BIN, cleanEnv, instrumentation, lastJson, launcher, REGISTER_ESM, run } from '../helpers/run';

/** The launcher on a fixture program: exit status, signals, stdin, arguments and environment. */

describe('exit status is the program’s', () => {
  it('passes exit code 0 and 3 through (process.exitCode and process.exit)', async () => {
    assert.equal((await launcher(['node', app('exit-code.cjs'), '0'])).code, 0);
    assert.equal((await launcher(['node', app('exit-code.cjs'), '3'])).code, 3);
    assert.equal((await launcher(['node', app('exit-code.cjs'), '3', 'exit'])).code, 3);
  });

  for (const fixture of ['throw.cjs', 'throw.mjs']) {
    it(`an uncaught exception (${fixture}) exits 1 with the program's own stack on stderr`, async () => {
      const r = await launcher(['node', app(fixture)]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Error: boom from the/);
      assert.doesNotMatch(r.stderr, /ts-otel-run: (error|warn)/);
    });
  }

  it('a program killed by SIGTERM makes the launcher end by SIGTERM too', async () => {
    const r = await launcher(['node', app('kill-self.cjs'), 'SIGTERM']);
    assert.equal(r.signal, 'SIGTERM');
    assert.equal(r.code, null);
  });
});

describe('signals', () => {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2'] as const) {
    it(`${signal} sent to the launcher reaches a program that handles it`, async () => {
      let sent = false;
      const r = await launcher(['node', app('signals.cjs'), signal, 'SIGTERM'], {
        onStdout(text, child) {
          if (!sent && text.includes('ready')) {
            sent = true;
            child.kill(signal);
            if (signal !== 'SIGTERM') setTimeout(() => child.kill('SIGTERM'), 300);
          }
        },
      });
      assert.match(r.stdout, new RegExp(`got ${signal}`));
      assert.equal(r.code, 0, r.stderr);
      // The program got the signal once: a second delivery would print the line twice.
      assert.equal(r.stdout.split(`got ${signal}`).length - 1, 1);
    });
  }

  it('SIGTERM to the launcher of a program without a handler ends both by SIGTERM', async () => {
    let sent = false;
    const r = await launcher(['node', app('signals.cjs')], {
      onStdout(text, child) {
        if (!sent && text.includes('ready')) {
          sent = true;
          child.kill('SIGTERM');
        }
      },
    });
    assert.equal(r.signal, 'SIGTERM');
  });
});

describe('input, arguments and environment pass through', () => {
  it('stdin reaches the program', async () => {
    const r = await launcher(['node', app('stdin-upper.cjs')], { input: 'hello\nworld\n' });
    assert.equal(r.stdout, 'HELLO\nWORLD\n');
    assert.equal(r.code, 0);
  });

  it('everything after the command is the program’s, untouched, options included', async () => {
    const r = await launcher(['--service_name', 'svc', 'node', '--no-warnings', app('probe.cjs'), '--port', '3', '--service_name', 'x', '--', '-v']);
    const seen = lastJson(r.stdout);
    assert.deepEqual(seen.argv, ['--port', '3', '--service_name', 'x', '--', '-v']);
    assert.ok(seen.execArgv.includes('--no-warnings'));
    assert.equal(seen.env.OTEL_SERVICE_NAME, 'svc');
  });

  it('-- ends the launcher’s options', async () => {
    const r = await launcher(['--service_name=svc', '--', 'node', app('probe.cjs'), '--service_name', 'y']);
    const seen = lastJson(r.stdout);
    assert.deepEqual(seen.argv, ['--service_name', 'y']);
    assert.equal(seen.env.OTEL_SERVICE_NAME, 'svc');
  });

  it('keeps NODE_OPTIONS and adds the preload once, also when launchers are nested', async () => {
    const env = cleanEnv({ NODE_OPTIONS: '--max-old-space-size=123' });
    const r = await launcher(['node', app('probe.cjs')], { env });
    const seen = lastJson(r.stdout);
    assert.equal(seen.env.NODE_OPTIONS, `--import ${REGISTER_ESM} --max-old-space-size=123`);
    assert.deepEqual(seen.agent, { version: seen.agent.version, running: true });

    const nested = await launcher(['node', BIN, 'node', app('probe.cjs')], { env });
    assert.equal(lastJson(nested.stdout).env.NODE_OPTIONS, `--import ${REGISTER_ESM} --max-old-space-size=123`);
  });

  it('reaches node processes started by a shell script (as with npm start)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-otel-run-'));
    try {
      const script = join(dir, 'start.sh');
      writeFileSync(script, `#!/bin/sh\nexec node "${app('probe.cjs')}" from-script\n`);
      chmodSync(script, 0o755);
      const r = await launcher(['--service_name', 'scripted', script]);
      const seen = lastJson(r.stdout);
      assert.deepEqual(seen.argv, ['from-script']);
      assert.equal(seen.agent.running, true);
      assert.equal(seen.config.serviceName, 'scripted');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('OTEL_SDK_DISABLED leaves the program untouched: no preload at all', async () => {
    const r = await launcher(['--sdk_disabled', 'true', 'node', app('probe.cjs')]);
    const seen = lastJson(r.stdout);
    assert.equal(seen.agent, null);
    assert.equal(seen.env.NODE_OPTIONS, undefined);
    assert.equal(seen.env.OTEL_SDK_DISABLED, 'true');
  });
});

describe('bad input stops the launcher before the program starts', () => {
  const marker = () => join(mkdtempSync(join(tmpdir(), 'ts-otel-run-')), 'started');
  const touching = (file: string) => ['node', '-e', `require('fs').writeFileSync(${JSON.stringify(file)}, 'x')`];

  it('an unknown option: exit 2 with a suggestion', async () => {
    const file = marker();
    const r = await launcher(['--traces_exportr', 'console', ...touching(file)]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--traces_exportr'/);
    assert.match(r.stderr, /Did you mean --traces_exporter\?/);
    assert.equal(existsSync(file), false);
  });

  it('an invalid value: exit 2 naming the flag, the value and what is allowed', async () => {
    const file = marker();
    const r = await launcher(['--traces_exporter', 'zipkin', ...touching(file)]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--traces_exporter: invalid value 'zipkin': 'zipkin' not allowed; allowed: otlp, console, none/);
    assert.equal(existsSync(file), false);
  });

  it('every invalid value is named at once, from flags and the environment', async () => {
    const r = await launcher(['--bsp_max_queue_size=-1', '--traces-sampler-arg', '2', 'node', '-e', '0'], {
      env: cleanEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' }),
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--bsp_max_queue_size: invalid value '-1': expected a whole number ≥ 1/);
    assert.match(r.stderr, /--traces_sampler_arg: invalid value '2': expected a number from 0 to 1/);
    assert.match(r.stderr, /OTEL_EXPORTER_OTLP_PROTOCOL: invalid value 'thrift': allowed: http\/protobuf, http\/json, grpc/);
  });

  it('a secret is never echoed in an error', async () => {
    const r = await launcher(['--exporter_otlp_headers', 'api-key=s3cr3t,broken', 'node', '-e', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--exporter_otlp_headers: invalid value '\*\*\*': entry 2 is not key=value/);
    assert.doesNotMatch(r.stderr, /s3cr3t/);
  });

  it('a missing option value or a missing command: exit 2', async () => {
    const r1 = await launcher(['--service_name']);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /argument missing/);
    const r2 = await launcher(['--service_name', 'x']);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /missing command/);
  });

  it('a command that is not found exits 127; one that cannot be executed exits 126', async () => {
    const r1 = await launcher(['no-such-command-ts-otel-run']);
    assert.equal(r1.code, 127);
    assert.match(r1.stderr, /ts-otel-run: error: command not found: no-such-command-ts-otel-run/);
    const dir = mkdtempSync(join(tmpdir(), 'ts-otel-run-'));
    try {
      const file = join(dir, 'not-executable.sh');
      writeFileSync(file, '#!/bin/sh\necho hi\n');
      chmodSync(file, 0o644);
      const r2 = await launcher([file]);
      assert.equal(r2.code, 126);
      assert.match(r2.stderr, /cannot execute .*not-executable\.sh: permission denied/);
      const r3 = await launcher([dir]);
      assert.equal(r3.code, 126);
      assert.match(r3.stderr, /it is a directory/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('help and version', () => {
  it('--version prints the version', async () => {
    const r = await launcher(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), require('../../../package.json').version);
  });

  it('--help lists every option, grouped, with its variable and default', async () => {
    const r = await launcher(['--help'], { env: cleanEnv({ COLUMNS: '300' }) });
    assert.equal(r.code, 0);
    for (const group of ['General:', 'Exporters:', 'OTLP exporter:', 'OTLP exporter, per signal:', 'Batch processors:', 'Limits:', 'Metrics:', 'Instrumentations:']) {
      assert.ok(r.stdout.includes(`\n${group}\n`), `group ${group}`);
    }
    assert.match(r.stdout, /--traces_exporter <list> +Span exporters; .*\[OTEL_TRACES_EXPORTER, default: otlp\]/);
    assert.match(r.stdout, /--exporter_otlp_logs_endpoint <url> .*\[OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, default: OTEL_EXPORTER_OTLP_ENDPOINT\]/);
  });
});

describe('running a program that is not node', () => {
  it('starts any executable from PATH with its arguments', async () => {
    const r = await run(process.execPath, [BIN, 'sh', '-c', 'echo "$0 $1"; exit 4', 'a', 'b']);
    assert.equal(r.stdout, 'a b\n');
    assert.equal(r.code, 4);
  });
});

describe('package scripts and other launchers', () => {
  it('ts-otel-run npm start: the preload reaches the program npm starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-otel-run-npm-'));
    try {
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'npm-started', version: '1.0.0', scripts: { start: `node "${app('probe.cjs')}" via-npm` } }),
      );
      const r = await launcher(['--service_name', 'npm-svc', 'npm', 'start', '--silent'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const seen = lastJson(r.stdout);
      assert.deepEqual(seen.argv, ['via-npm']);
      assert.equal(seen.agent.running, true);
      assert.equal(seen.config.serviceName, 'npm-svc');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ts-otel-run npx tsx app.ts: instrumentations apply to TypeScript run by tsx', async () => {
    const r = await launcher(['--extra_instrumentations', instrumentation('greeter.cjs'), 'npx', 'tsx', app('typed.ts')]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lastJson(r.stdout), { greet: 'hello types [instrumented]', agentRunning: true });
  });
});
