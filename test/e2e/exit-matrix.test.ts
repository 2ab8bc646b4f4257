import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { FaultyCollector } from '../helpers/faulty-collector';
import { app, cleanEnv, receiverEnv, REGISTER_ESM, run, type RunResult } from '../helpers/run';

/**
 * The exit matrix: one program (fixtures/apps/exit-way.cjs: REQUESTS requests to itself, each a
 * server span, a client span and a console.log line) under the preload, exporting spans, log
 * records and metrics over OTLP (each protocol), ended each way a Node program ends × each state
 * of the collector:
 *
 *                        collector up             collector down (refused)   black hole (accepts,
 *                                                                             never answers)
 *   natural end          every span (2 per        a warning, at most one      as for down, and the
 *   process.exit(3)      request) and log record  per signal; no stack trace  exporter did connect
 *   SIGTERM, SIGINT,     (1 per request), each
 *   SIGHUP (no handler)  once; ≥ 1 data point;
 *   uncaught exception   nothing on stderr
 *   unhandled rejection
 *
 * In every cell: the exit code and the signal (for the signals: after the flush, which the "up"
 * column shows happened), stdout and the program's own stderr (the crash report, line for line)
 * are what plain Node gives for the same program without the preload (run once per way); the
 * engine writes nothing but one-line messages; and the process is gone within the shutdown
 * deadline plus a margin of the program's own end.
 * The batch schedules and the metric interval are a minute long, so what arrives was sent by the
 * exit path under test and by nothing else.
 */

const WAYS = ['natural', 'exit', 'SIGTERM', 'SIGINT', 'SIGHUP', 'throw', 'reject'] as const;
type Way = (typeof WAYS)[number];
const COLLECTORS = ['up', 'down', 'blackhole'] as const;
const PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;

const REQUESTS = 3;
const DOWN_ENDPOINT = 'http://127.0.0.1:9';
const DEADLINE_MS = 1000; // TS_OTEL_RUN_SHUTDOWN_TIMEOUT
const EXIT_MARGIN_MS = 2500;
/** Child processes at once: the machine has 2 CPUs, and start-up is most of each run. */
const PARALLEL = 5;

/** What plain Node gives for each way: the matrix holds plain Node to it too. */
const EXPECTED: Readonly<Record<Way, { code: number | null; signal: NodeJS.Signals | null; error?: RegExp }>> = {
  natural: { code: 0, signal: null },
  exit: { code: 3, signal: null },
  SIGTERM: { code: null, signal: 'SIGTERM' },
  SIGINT: { code: null, signal: 'SIGINT' },
  SIGHUP: { code: null, signal: 'SIGHUP' },
  throw: { code: 1, signal: null, error: /^Error: exit-way: thrown by the program$/m },
  reject: { code: 1, signal: null, error: /^Error: exit-way: rejected by the program$/m },
};

const isSignal = (way: Way): way is 'SIGTERM' | 'SIGINT' | 'SIGHUP' => way.startsWith('SIG');

let slots = PARALLEL;
const waiting: (() => void)[] = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (slots > 0) slots--;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else slots++;
  }
}

interface WayResult extends RunResult {
  /** ms from the program's end (its "ending" line, or the signal sent) to the process closing. */
  exitMs: number;
}

/** Runs exit-way.cjs to its end, sending the signal from outside once it is ready. */
function runWay(way: Way, env: NodeJS.ProcessEnv, preload: boolean): Promise<WayResult> {
  return limited(async () => {
    let endedAt: number | undefined;
    const r = await run(process.execPath, [...(preload ? ['--import', REGISTER_ESM] : []), app('exit-way.cjs'), String(REQUESTS), way], {
      env,
      timeoutMs: 20_000,
      onStdout(text, child) {
        if (endedAt !== undefined) return;
        if (isSignal(way) ? text.includes('ready ') : text.includes('ending ')) {
          endedAt = Date.now();
          if (isSignal(way)) child.kill(way);
        }
      },
    });
    const closedAt = Date.now();
    assert.ok(endedAt !== undefined, `${way}: the program never reached its end\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return { ...r, exitMs: closedAt - endedAt };
  });
}

const plainRuns = new Map<Way, Promise<WayResult>>();
/** The same program without the preload, once per way. */
function plain(way: Way): Promise<WayResult> {
  let p = plainRuns.get(way);
  if (!p) {
    p = runWay(way, cleanEnv(), false);
    plainRuns.set(way, p);
  }
  return p;
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');
/**
 * The program's stderr without the stack frame Node itself adds to every callback once an async
 * hook is enabled (AsyncLocalStorage, the context of every span, is one on Node 20): a frame of
 * Node's, not of the engine, and the same for any program that uses AsyncLocalStorage.
 */
const withoutHookFrames = (ls: readonly string[]) => ls.filter((l) => !/^\s+at .*\(node:internal\/async_hooks:\d+:\d+\)$/.test(l));
const samePid = (stdout: string) => stdout.replace(/^ready \d+$/m, 'ready <pid>');

/** Which signal's export a warning line is about; undefined for a line about none in particular. */
function signalOf(line: string): 'traces' | 'logs' | 'metrics' | undefined {
  if (/\/v1\/traces|\bspans?\b|span\(s\)/.test(line)) return 'traces';
  if (/\/v1\/logs|log record/.test(line)) return 'logs';
  if (/\/v1\/metrics|metric|data point/.test(line)) return 'metrics';
  return undefined;
}

let runs = 0;

describe('the exit matrix: every way to end × collector up, down, black-holed', { concurrency: true }, () => {
  for (const way of WAYS) {
    it(`plain Node, ${way}: ends as expected`, async () => {
      const p = await plain(way);
      const expected = EXPECTED[way];
      assert.equal(p.code, expected.code, p.stderr);
      assert.equal(p.signal, expected.signal, p.stderr);
      if (expected.error) assert.match(p.stderr, expected.error);
      else assert.equal(p.stderr, '');
      assert.equal(lines(p.stdout).filter((l) => l.startsWith('exit-way request')).length, REQUESTS);
    });

    for (const state of COLLECTORS) {
      for (const protocol of PROTOCOLS) {
        it(`${way}, collector ${state}, ${protocol}`, async () => {
          const service = `exit-matrix-${way}-${state}-${process.pid}-${runs++}`;
          let collector: FaultyCollector | undefined;
          let endpoint: string;
          if (state === 'down') {
            // Not freePort(): with this many collectors and programs binding port 0 at once, a port
            // free a moment ago can be another cell's collector by the time the program exports.
            // Port 9 (discard) is below the range the kernel hands out for port 0 and refused here.
            endpoint = DOWN_ENDPOINT;
          } else {
            collector = await FaultyCollector.start();
            if (state === 'blackhole') await collector.setMode({ kind: 'blackhole' });
            endpoint = collector.endpoint(protocol);
          }
          try {
            const env = receiverEnv({ grpc: endpoint, http: endpoint }, protocol, service, { traces: true, metrics: true, logs: true }, {
              OTEL_BSP_SCHEDULE_DELAY: '60000',
              OTEL_BLRP_SCHEDULE_DELAY: '60000',
              OTEL_METRIC_EXPORT_INTERVAL: '60000',
              TS_OTEL_RUN_SHUTDOWN_TIMEOUT: String(DEADLINE_MS),
            });
            const [r, p] = await Promise.all([runWay(way, env, true), plain(way)]);
            const context = `${way}, collector ${state}, ${protocol}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

            // Ends exactly as plain Node does: code, signal (for the signals: after the flush, see
            // below), the program's stdout, and its own stderr (the crash report) line for line.
            assert.equal(r.code, p.code, context);
            assert.equal(r.signal, p.signal, context);
            assert.equal(samePid(r.stdout), samePid(p.stdout), context);
            const theirs = new Set(lines(p.stderr));
            const programLines = lines(r.stderr).filter((l) => !l.startsWith('ts-otel-run: '));
            assert.deepEqual(withoutHookFrames(programLines), lines(p.stderr), `the program's stderr is plain Node's\n${context}`);
            const expectedError = EXPECTED[way].error;
            if (expectedError) assert.match(r.stderr, expectedError, context);
            // Everything else on stderr is the engine's: one-line messages, never a stack trace.
            const engineLines = withoutHookFrames(lines(r.stderr).filter((l) => !theirs.has(l)));
            for (const l of engineLines) assert.match(l, /^ts-otel-run: /, `only one-line engine messages\n${context}`);
            // Refused: milliseconds. Black hole: at most the deadline. Either way well inside this,
            // counted from the program's own end, so that a slow start on a busy machine does not count.
            assert.ok(r.exitMs < DEADLINE_MS + EXIT_MARGIN_MS, `ended ${r.exitMs} ms after the program did\n${context}`);

            if (state === 'up') {
              assert.deepEqual(engineLines, [], context);
              // Everything was answered before the process ended; waitFor only absorbs the collector's
              // own bookkeeping turn.
              const c = await collector!.waitFor(
                (x) => {
                  const n = x.counts();
                  return n.spans >= REQUESTS * 2 && n.logRecords >= REQUESTS && n.dataPoints >= 1 ? n : undefined;
                },
                `${way}: every span, log record and a data point`,
                3000,
              );
              const spans = collector!.spans();
              assert.equal(c.spans, REQUESTS * 2, context);
              assert.equal(new Set(spans.map((s) => s.spanId)).size, spans.length, 'no span delivered twice');
              assert.equal(spans.filter((s) => s.kind === 2).length, REQUESTS, 'server spans');
              assert.equal(spans.filter((s) => s.kind === 3).length, REQUESTS, 'client spans');
              for (const s of spans) assert.equal(s.resource.attributes['service.name'], service);
              const bodies = collector!.logRecords().map((l) => String(l.body)).sort();
              assert.deepEqual(
                bodies,
                Array.from({ length: REQUESTS }, (_, i) => `exit-way request /r${i}`),
                'one log record per request, each once',
              );
              assert.ok(c.dataPoints >= 1, 'a metric collection at exit');
            } else {
              // The loss is said, once per signal at most (or once for the whole flush that ran out of time).
              assert.ok(engineLines.length >= 1, `the loss is not silent\n${context}`);
              const perSignal = new Map<string, number>();
              for (const l of engineLines) {
                const signal = signalOf(l) ?? 'none';
                perSignal.set(signal, (perSignal.get(signal) ?? 0) + 1);
              }
              for (const [signal, n] of perSignal) assert.ok(n <= 1, `at most one warning about ${signal}, got ${n}\n${context}`);
              // The exporter did reach for the black hole: the bound above was the real exit path's.
              if (state === 'blackhole') assert.ok(collector!.connections >= 1, `connected to the black hole\n${context}`);
            }
          } finally {
            await collector?.close();
          }
        });
      }
    }
  }
});
