import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { FaultyCollector, makeTestCertificate, type FaultMode, type TestCertificate } from '../helpers/faulty-collector';
import { app, bareEnv, lastJson, REGISTER_CJS, ROOT } from '../helpers/run';

/**
 * Reliability under a failing collector, for each OTLP protocol: a real program (fault-load.cjs,
 * a steady load of HTTP requests to itself with console logs, under the preload, exporting spans,
 * log records and metrics) runs against a collector that misbehaves in one way, and
 * - keeps serving: every one of its requests succeeds;
 * - stays bounded: small queues, so spans are dropped, and its heap does not grow past a generous bound;
 * - says so without spam: each kind of warning a bounded number of times, never a stack trace;
 * - ends within the shutdown deadline (plus a generous margin), however it ends;
 * - and once the collector is back, what the program does afterwards reaches it.
 * Each case has its own collector; the cases of one protocol run at once.
 */

const PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
type Protocol = (typeof PROTOCOLS)[number];

const RATE = 40; // requests per second: 80 spans per second, 4 log records
const DEADLINE_MS = 1000; // TS_OTEL_RUN_SHUTDOWN_TIMEOUT
const EXIT_MARGIN_MS = 2000;
const HEAP_GROWTH_BOUND = 64 * 1024 * 1024;
const SPAN_QUEUE = 128;

interface Summary {
  sent: number;
  answered: number;
  failed: number;
  served: number;
  heapStart: number;
  heapEnd: number;
  rssStart: number;
  rssEnd: number;
  endedAt: number;
}

interface Program {
  stderr(): string;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; closedAt: number }>;
}

/** Starts fault-load.cjs under the preload; its stderr can be read while it runs. */
function startProgram(args: readonly string[], env: NodeJS.ProcessEnv): Program {
  const child = spawn(process.execPath, ['--require', REGISTER_CJS, app('fault-load.cjs'), ...args], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const done = new Promise<Awaited<Program['done']>>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, closedAt: Date.now() });
    });
  });
  return { stderr: () => stderr, done };
}

/** Polls `condition` every 20 ms; rejects naming `what` after `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let runs = 0;

interface Case {
  readonly name: string;
  readonly mode: FaultMode;
  /** Program length, s. */
  readonly seconds: number;
  readonly end?: 'natural' | 'exit';
  /** Switch the collector to `ok` once the program's stderr matches this (the fault was felt). */
  readonly recoverOn?: RegExp;
  /** The fault recovers by itself (a one-shot flap): fresh data is what started after it came back up. */
  readonly recoversItself?: boolean;
  readonly tls?: 'untrusted' | 'trusted';
  readonly extraEnv?: NodeJS.ProcessEnv;
  /** More than one failure streak is expected (a repeating flap): skip the once-per-streak count. */
  readonly manyStreaks?: boolean;
  readonly check?: (ctx: { collector: FaultyCollector; stderr: string; protocol: Protocol; service: string; summary: Summary }) => void;
}

const FAILED = /cannot export (span|log record|metric collection)s to/;
/** Seconds → nanoseconds, as a number of milliseconds. */
const startMs = (ns: number | string) => Number(BigInt(ns) / 1_000_000n);

const CASES: readonly Case[] = [
  {
    name: 'ok (the control): everything arrives, nothing is said',
    mode: { kind: 'ok' },
    seconds: 2,
    check({ collector, stderr, summary }) {
      assert.equal(stderr, '');
      assert.equal(collector.spans().length, summary.sent * 2, 'every span');
      assert.equal(collector.logRecords().length, Math.floor(summary.sent / 10), 'every log record');
      assert.ok(collector.counts().dataPoints > 0, 'metric data points');
    },
  },
  {
    name: 'refuse (nothing listens), then back',
    mode: { kind: 'refuse' },
    seconds: 4,
    recoverOn: FAILED,
    check({ stderr, protocol }) {
      assert.match(stderr, protocol === 'grpc' ? /UNAVAILABLE|ECONNREFUSED|No connection/ : /ECONNREFUSED/);
    },
  },
  {
    name: 'blackhole (accepts, never answers), then back: spans are dropped, said once',
    mode: { kind: 'blackhole' },
    seconds: 4,
    recoverOn: /span queue full/,
    check({ stderr }) {
      assert.match(stderr, new RegExp(`span queue full \\(${SPAN_QUEUE}\\)`));
    },
  },
  {
    name: 'blackhole to the end, natural end: the exit waits at most the deadline',
    mode: { kind: 'blackhole' },
    seconds: 2,
    end: 'natural',
  },
  {
    name: 'blackhole to the end, process.exit(): the hand-off waits at most the deadline',
    mode: { kind: 'blackhole' },
    seconds: 2,
    end: 'exit',
    check({ stderr }) {
      assert.match(stderr, /could not be exported at exit to .*: no answer within 1000 ms/);
    },
  },
  {
    name: 'slow (answers after 400 ms): data flows meanwhile',
    mode: { kind: 'slow', ms: 400 },
    seconds: 3,
    check({ collector }) {
      assert.ok(collector.attempts({ mode: 'slow' }).length > 0);
    },
  },
  {
    name: 'status 429 with Retry-After (gRPC: RESOURCE_EXHAUSTED with RetryInfo): retried, then back',
    mode: { kind: 'status', status: 429, retryAfterS: 1 },
    seconds: 4,
    recoverOn: FAILED,
    extraEnv: { OTEL_EXPORTER_OTLP_TIMEOUT: '2500' },
    check({ collector, stderr, protocol }) {
      assert.ok(collector.retries({ mode: 'status' }) > 0, 'some batch was sent again');
      assert.match(stderr, protocol === 'grpc' ? /RESOURCE_EXHAUSTED: try later/ : /HTTP 429: try later/);
    },
  },
  {
    name: 'status 503 without Retry-After (gRPC: UNAVAILABLE): retried with backoff, then back',
    mode: { kind: 'status', status: 503 },
    seconds: 4,
    recoverOn: FAILED,
    extraEnv: { OTEL_EXPORTER_OTLP_TIMEOUT: '2500' },
    check({ collector, stderr, protocol }) {
      assert.ok(collector.retries({ mode: 'status' }) > 0, 'some batch was sent again');
      assert.match(stderr, protocol === 'grpc' ? /UNAVAILABLE: try later/ : /HTTP 503: try later/);
    },
  },
  {
    name: 'status 400 (gRPC: INVALID_ARGUMENT): never retried, then back',
    mode: { kind: 'status', status: 400 },
    seconds: 4,
    recoverOn: FAILED,
    extraEnv: { OTEL_EXPORTER_OTLP_TIMEOUT: '2500' },
    check({ collector, stderr, protocol }) {
      assert.ok(collector.attempts({ mode: 'status' }).length > 0);
      assert.equal(collector.retries({ mode: 'status' }), 0, 'no batch sent twice');
      assert.match(stderr, protocol === 'grpc' ? /INVALID_ARGUMENT: bad request/ : /HTTP 400: bad request/);
    },
  },
  {
    name: 'partial success: said once per signal, the data still flows',
    mode: { kind: 'partial', rejected: 3, message: 'quota (fault injected)' },
    seconds: 2,
    check({ collector, stderr }) {
      const lines = stderr.split('\n').filter((l) => l.includes('accepted a batch only in part'));
      assert.ok(lines.length >= 1 && lines.length <= 3, stderr);
      assert.equal(new Set(lines).size, lines.length, 'one line per signal');
      assert.match(lines[0]!, /3 (span|log record|metric collection)\(s\) rejected: quota \(fault injected\)/);
      assert.ok(collector.spans().length > 0);
    },
  },
  {
    name: 'flap (down 800 ms, then up by itself)',
    mode: { kind: 'flap', downMs: 800 },
    seconds: 3,
    recoversItself: true,
  },
  {
    name: 'flap again and again (down 250 ms, up 250 ms): no spam, data flows',
    mode: { kind: 'flap', downMs: 250, upMs: 250 },
    seconds: 3,
    manyStreaks: true,
    check({ collector }) {
      // Every protocol connects again at the next send (no reconnect backoff of its own).
      assert.ok(collector.spans().length > 0);
    },
  },
  {
    name: 'close mid-response, then back',
    mode: { kind: 'close-mid-response' },
    seconds: 4,
    recoverOn: FAILED,
    check({ collector }) {
      assert.ok(collector.attempts({ mode: 'close-mid-response' }).length > 0);
    },
  },
  {
    name: 'TLS with an untrusted certificate: refused with a clear warning, nothing in clear text',
    mode: { kind: 'tls-untrusted' },
    seconds: 2,
    tls: 'untrusted',
    check({ collector, stderr }) {
      assert.match(stderr, /cannot export spans to https:.*(self[- ]signed|certificate)/i);
      assert.deepEqual(collector.counts(), { spans: 0, logRecords: 0, dataPoints: 0 });
      assert.equal(collector.attempts().length, 0, 'no request got through');
      assert.ok(collector.connections > 0, 'the program did try');
      assert.equal(collector.cleartextOnTlsPort, 0, 'every connection began with a TLS handshake');
    },
  },
  {
    name: 'TLS with OTEL_EXPORTER_OTLP_CERTIFICATE naming the test CA: everything arrives',
    mode: { kind: 'tls-untrusted' },
    seconds: 2,
    tls: 'trusted',
    check({ collector, stderr, summary }) {
      assert.equal(stderr.split('\n').filter((l) => l.startsWith('ts-otel-run:')).length, 0, stderr);
      assert.equal(collector.spans().length, summary.sent * 2);
      assert.equal(collector.cleartextOnTlsPort, 0);
    },
  },
];

let certificate: TestCertificate | string;
before(() => {
  certificate = makeTestCertificate();
  if (typeof certificate === 'string' && process.env.CI === 'true') throw new Error(`openssl is needed for the TLS cases under CI: ${certificate}`);
});
after(() => {
  if (typeof certificate !== 'string') certificate?.remove();
});

async function runCase(c: Case, protocol: Protocol): Promise<void> {
  const cert = c.tls ? (certificate as TestCertificate) : undefined;
  const collector = await FaultyCollector.start(cert ? { tls: cert } : {});
  try {
    await collector.setMode(c.mode);
    const service = `faults-${process.pid}-${runs++}`;
    const env = bareEnv({
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint(protocol, c.tls !== undefined),
      ...(c.tls === 'trusted' ? { OTEL_EXPORTER_OTLP_CERTIFICATE: cert!.certPath } : {}),
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BSP_MAX_QUEUE_SIZE: String(SPAN_QUEUE),
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '16',
      OTEL_BSP_EXPORT_TIMEOUT: '4000',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_MAX_QUEUE_SIZE: '16',
      OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '4',
      OTEL_BLRP_EXPORT_TIMEOUT: '4000',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      OTEL_METRIC_EXPORT_TIMEOUT: '1000',
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
      TS_OTEL_RUN_SHUTDOWN_TIMEOUT: String(DEADLINE_MS),
      ...c.extraEnv,
    });
    const program = startProgram([String(RATE), String(c.seconds), c.end ?? 'natural'], env);
    let recoveredAt: number | undefined;
    if (c.recoverOn) {
      const trigger = c.recoverOn;
      await until(() => trigger.test(program.stderr()), `the program to say ${trigger}`, c.seconds * 1000 + 5000);
      await collector.setMode({ kind: 'ok' });
      recoveredAt = Date.now();
    }
    const r = await program.done;
    if (c.recoversItself) recoveredAt = collector.upSince;
    const context = `${protocol}, ${c.name}\nstderr:\n${r.stderr}`;

    // It kept serving.
    assert.equal(r.code, 0, context);
    const summary = lastJson<Summary>(r.stdout);
    const total = Math.round(RATE * c.seconds);
    assert.equal(summary.sent, total, context);
    assert.equal(summary.failed, 0, context);
    assert.equal(summary.answered, total, context);
    assert.equal(summary.served, total, context);

    // It stayed bounded.
    assert.ok(summary.heapEnd - summary.heapStart < HEAP_GROWTH_BOUND, `heap grew by ${summary.heapEnd - summary.heapStart} bytes\n${context}`);

    // It ended within the deadline.
    const exitMs = r.closedAt - summary.endedAt;
    assert.ok(exitMs < DEADLINE_MS + EXIT_MARGIN_MS, `the exit took ${exitMs} ms\n${context}`);

    // It said what went wrong, without spam and without a stack trace.
    // grpc-js gives Node an IP address as the TLS server name, and Node warns about it (DEP0123)
    // in the program's stderr: left alone here, see the report of the change that added this file.
    const lines = r.stderr.split('\n').filter((l) => l && !/DEP0123|--trace-deprecation/.test(l));
    for (const line of lines) assert.match(line, /^ts-otel-run: (warn|info): /, context);
    for (const noun of ['span', 'log record']) {
      const drops = lines.filter((l) => l.includes(`${noun} queue full`) || l.includes(`${noun}(s) while the queue was full`));
      // at most: the first streak's start and end, and the total at the final flush (one line per 10 s)
      assert.ok(drops.length <= 3, `${drops.length} lines about dropped ${noun}s\n${context}`);
    }
    if (!c.manyStreaks) {
      for (const noun of ['spans', 'log records', 'metric collections']) {
        const failures = lines.filter((l) => l.includes(`cannot export ${noun} to`));
        assert.ok(failures.length <= 1, `${failures.length} lines about failed ${noun}\n${context}`);
      }
    }

    // Once the collector is back, what the program did afterwards arrives.
    if (recoveredAt !== undefined) {
      const since = recoveredAt;
      const fresh = () => collector.spans().filter((s) => s.resource.attributes['service.name'] === service && startMs(s.startTimeUnixNano) > since);
      await collector.waitFor(() => fresh().length > 0, `spans started after the collector came back (${context})`, 5000);
      const last = `/r${total - 1}`;
      await collector.waitFor(
        () => collector.spans().some((s) => s.kindName === 'SERVER' && s.attributes['url.path'] === last),
        `the last request's server span (${context})`,
        5000,
      );
    }
    c.check?.({ collector, stderr: r.stderr, protocol, service, summary });
  } finally {
    await collector.close();
  }
}

for (const protocol of PROTOCOLS) {
  describe(`faults over ${protocol}`, { concurrency: true }, () => {
    for (const c of CASES) {
      it(c.name, async (t) => {
        if (c.tls && typeof certificate === 'string') return t.skip(certificate);
        await runCase(c, protocol);
      });
    }
  });
}
