import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { app, bareEnv, BIN, launcher, ROOT } from '../helpers/run';

/**
 * `ts-otel-run collect` as users run it: its first line names the endpoints it listens on, it
 * shows what programs run by the launcher send over each protocol, and SIGINT stops it with exit
 * status 0 after printing what was pending. Bad options and busy ports exit 2.
 */

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Collector {
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

function startCli(args: readonly string[]): Collector {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: bareEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal });
    }),
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill: (signal) => {
      if (!done) child.kill(signal);
    },
  };
}

/** Polls until `fn` is truthy; fails if the command ended first or after 30 s (a bound against hangs). */
async function until<T>(c: Collector, what: string, fn: () => T): Promise<T> {
  let ended = false;
  void c.exited.then(() => (ended = true));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = fn();
    if (value) return value;
    if (ended || Date.now() > deadline) {
      assert.fail(`${ended ? 'collect ended' : 'timed out'} waiting for ${what}\nstdout:\n${c.stdout()}\nstderr:\n${c.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

const PROTOCOLS = ['grpc', 'http/protobuf', 'http/json'] as const;

describe('ts-otel-run collect', () => {
  it('prints its endpoints first, shows the traces a launched program sends over each protocol, exits 0 on SIGINT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-otel-run-collect-e2e-'));
    dirs.push(dir);
    const out = join(dir, 'telemetry.jsonl');
    const c = startCli(['collect', '--grpc-port', '0', '--http-port', '0', '--out', out]);
    try {
      const first = await until(c, 'the first line', () => (c.stdout().includes('\n') ? c.stdout().split('\n')[0]! : ''));
      const m = /^ts-otel-run collect: listening on grpc (http:\/\/127\.0\.0\.1:\d+) and http (http:\/\/127\.0\.0\.1:\d+)$/.exec(first);
      assert.ok(m, first);
      const [, grpcEndpoint, httpEndpoint] = m;

      for (const protocol of PROTOCOLS) {
        const r = await launcher(['node', app('serve-and-exit.cjs'), '3', 'exit'], {
          env: bareEnv({
            OTEL_SERVICE_NAME: `e2e-collect-${protocol.replace('/', '-')}`,
            OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? grpcEndpoint : httpEndpoint,
            OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
            OTEL_TRACES_EXPORTER: 'otlp',
            OTEL_METRICS_EXPORTER: 'none',
            OTEL_LOGS_EXPORTER: 'none',
          }),
        });
        assert.equal(r.code, 0, r.stderr);
      }

      //   trace <id>  <time>  2 spans, <d> ms
      //     GET  CLIENT  <d> ms  [e2e-collect-<protocol>]  url.full=http://127.0.0.1:<port>/rN http.response.status_code=200
      //       GET  SERVER  <d> ms  [e2e-collect-<protocol>]  url.path=/rN http.response.status_code=200
      const trees = (service: string) =>
        c.stdout().match(new RegExp(`^trace [0-9a-f]{32}  .*\\n  GET  CLIENT  .*\\[${service}\\].*/r\\d .*\\n    GET  SERVER  .*\\[${service}\\]  url\\.path=/r\\d `, 'gm')) ?? [];
      for (const protocol of PROTOCOLS) {
        const service = `e2e-collect-${protocol.replace('/', '-')}`;
        await until(c, `3 traces from ${service}`, () => trees(service).length === 3);
      }

      c.kill('SIGINT');
      const { code, signal } = await c.exited;
      assert.equal(signal, null);
      assert.equal(code, 0, c.stderr());
      assert.equal(c.stderr(), '');
      assert.match(c.stdout(), /\nts-otel-run collect: stopped after \d+ requests \(18 spans, 0 log records, 0 metrics\)\n$/);

      const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(new Set(lines.map((l) => l.signal)), new Set(['traces']));
      assert.deepEqual(new Set(lines.map((l) => l.protocol)), new Set(PROTOCOLS));
    } finally {
      c.kill('SIGKILL');
      await c.exited;
    }
  });

  it('SIGTERM stops it too, with exit status 0', async () => {
    const c = startCli(['collect', '--grpc-port', '0', '--http-port', '0']);
    try {
      await until(c, 'the first line', () => c.stdout().includes('\n'));
      c.kill('SIGTERM');
      const { code } = await c.exited;
      assert.equal(code, 0, c.stderr());
      assert.match(c.stdout(), /stopped after 0 requests/);
    } finally {
      c.kill('SIGKILL');
      await c.exited;
    }
  });

  it('a bad port and a port in use are usage errors (exit 2)', async () => {
    const bad = startCli(['collect', '--grpc-port', '99999']);
    assert.equal((await bad.exited).code, 2);
    assert.match(bad.stderr(), /--grpc-port must be a port number from 0 to 65535/);

    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const c = startCli(['collect', '--grpc-port', '0', '--http-port', String(port)]);
      assert.equal((await c.exited).code, 2, c.stderr());
      assert.match(c.stderr(), new RegExp(`^ts-otel-run: error: port ${port} \\(OTLP/HTTP\\) on 127\\.0\\.0\\.1 is already in use.*--http-port`));
      assert.doesNotMatch(c.stderr(), /No address added/);
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });
});
