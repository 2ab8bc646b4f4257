import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { CollectError, collectCommand, parsePort, runCollect, type Collect, type CollectOptions, type OutLine } from '../../../src/cli/collect';
import { UsageError } from '../../../src/cli/main';
import { app, bareEnv, launcher } from '../../helpers/run';

/**
 * `ts-otel-run collect`'s view: what arrives over each protocol, from the launcher and from the
 * official OpenTelemetry exporters, printed as trace trees, log lines and metrics summaries, and
 * kept in the --out file.
 */

const dirs: string[] = [];
const running: Collect[] = [];
after(async () => {
  await Promise.all(running.map((c) => c.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempFile(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ts-otel-run-collect-'));
  dirs.push(dir);
  return join(dir, name);
}

interface Started {
  collect: Collect;
  /** Everything printed so far. */
  output(): string;
}

async function start(options: CollectOptions = {}): Promise<Started> {
  const chunks: string[] = [];
  const collect = await runCollect({ grpcPort: 0, httpPort: 0, color: false, write: (t) => chunks.push(t), ...options });
  running.push(collect);
  return { collect, output: () => chunks.join('') };
}

type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

/** Polls until `fn` returns a truthy value (a bound against hangs, not a speed check). */
async function until<T>(what: string, fn: () => T, describeState: () => string, timeoutMs = 20_000): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T | undefined;
    try {
      value = fn();
    } catch {
      value = undefined;
    }
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; output so far:\n${describeState()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Block {
  header: string;
  lines: string[];
}

/** The printed blocks starting with `prefix` ('trace', 'metrics'): the header and its indented lines. */
function blocks(output: string, prefix: string): Block[] {
  const out: Block[] = [];
  let current: Block | undefined;
  for (const line of output.split('\n')) {
    if (line.startsWith(`${prefix} `)) {
      current = { header: line, lines: [] };
      out.push(current);
    } else if (current && line.startsWith('  ')) current.lines.push(line);
    else current = undefined;
  }
  return out;
}

const traceBlocks = (output: string, service: string) => blocks(output, 'trace').filter((b) => b.lines.some((l) => l.includes(`[${service}]`)));
const traceIdOf = (b: Block) => /^trace ([0-9a-f]{32}) /.exec(b.header)![1]!;
const logLines = (output: string) => output.split('\n').filter((l) => l.startsWith('log '));
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const MS = String.raw`\d+(?:\.\d+)? ms`;
const TIME = String.raw`\d\d:\d\d:\d\d\.\d{3}`;

/** The lines of the service's group in the last metrics summary that has one. */
function lastMetrics(output: string, service: string): string[] | undefined {
  const found = blocks(output, 'metrics')
    .map((b) => {
      const i = b.lines.indexOf(`  [${service}]`);
      if (i < 0) return undefined;
      const rest = b.lines.slice(i + 1);
      const end = rest.findIndex((l) => !l.startsWith('    '));
      return end < 0 ? rest : rest.slice(0, end);
    })
    .filter((x) => x !== undefined);
  return found[found.length - 1];
}

function readOut(path: string): OutLine[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as OutLine);
}

let runs = 0;
const unique = (label: string) => `${label}-${process.pid}-${runs++}`;

describe('collect: the launcher on a fixture, over each protocol', () => {
  for (const protocol of ['http/protobuf', 'http/json', 'grpc'] as const) {
    it(protocol, async () => {
      const service = unique('collect');
      const out = tempFile('telemetry.jsonl');
      const { collect, output } = await start({ metricsIntervalMs: 50, out });
      assert.match(output().split('\n')[0]!, /^ts-otel-run collect: listening on grpc http:\/\/127\.0\.0\.1:\d+ and http http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(output().split('\n')[0]!.includes(collect.endpoints.grpc) && output().includes(collect.endpoints.http));

      // logs-app: logs "starting", then serves /r0 and /r1 to itself (a CLIENT span with a SERVER
      // child each), logging "handling /rN" (info) and "slow /rN" (error) inside each request.
      const r = await launcher(['node', app('logs-app.cjs'), 'console', '2', 'exit', '0'], {
        env: bareEnv({
          OTEL_SERVICE_NAME: service,
          OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? collect.endpoints.grpc : collect.endpoints.http,
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_LOGS_EXPORTER: 'otlp',
          OTEL_METRICS_EXPORTER: 'otlp',
          OTEL_METRIC_EXPORT_INTERVAL: '100',
        }),
      });
      assert.equal(r.code, 0, r.stderr);

      /*
       *   trace <id>  <time>  2 spans, <d> ms
       *     GET  CLIENT  <d> ms  [service]  url.full=http://127.0.0.1:<port>/rN http.response.status_code=200
       *       GET  SERVER  <d> ms  [service]  url.path=/rN http.response.status_code=200
       */
      const traces = await until('both traces', () => traceBlocks(output(), service).length === 2 && traceBlocks(output(), service), output);
      const traceOf = new Map<string, string>();
      for (const block of traces) {
        assert.match(block.header, new RegExp(`^trace [0-9a-f]{32}  ${TIME}  2 spans, ${MS}$`));
        assert.equal(block.lines.length, 2, block.lines.join('\n'));
        const client = new RegExp(
          `^  GET  CLIENT  ${MS}  \\[${esc(service)}\\]  url\\.full=http://127\\.0\\.0\\.1:\\d+/r(\\d) http\\.response\\.status_code=200$`,
        ).exec(block.lines[0]!);
        assert.ok(client, block.lines[0]);
        const n = client[1]!;
        assert.match(block.lines[1]!, new RegExp(`^    GET  SERVER  ${MS}  \\[${esc(service)}\\]  url\\.path=/r${n} http\\.response\\.status_code=200$`));
        traceOf.set(n, traceIdOf(block));
      }
      assert.deepEqual([...traceOf.keys()].sort(), ['0', '1']);

      // Log lines, in the order logged, each request's with the short id of its trace.
      const logs = await until('the log records', () => logLines(output()).length >= 5 && logLines(output()), output);
      const mine = logs.filter((l) => l.includes(`[${service}]`));
      assert.equal(mine.length, 5, logs.join('\n'));
      assert.match(mine[0]!, new RegExp(`^log ${TIME}  INFO   \\[${esc(service)}\\]  starting \\{"requests":2\\}$`));
      for (const n of ['0', '1']) {
        const short = traceOf.get(n)!.slice(0, 8);
        const i = 1 + Number(n) * 2;
        assert.equal(mine[i]!.replace(new RegExp(TIME), 'T'), `log T  INFO   [${service}]  handling /r${n} {"request":${n},"user":{"id":${n}}}  trace=${short}`);
        assert.equal(mine[i + 1]!.replace(new RegExp(TIME), 'T'), `log T  ERROR  [${service}]  slow /r${n} {"request":${n}}  trace=${short}`);
      }

      // The metrics summary: the HTTP duration histograms counted both requests.
      const metrics = await until(
        'a metrics summary counting both requests',
        () => {
          const lines = lastMetrics(output(), service);
          return lines?.some((l) => /^    http\.server\.request\.duration +histogram +count 2  sum /.test(l)) && lines;
        },
        output,
      );
      const server = metrics.find((l) => l.includes('http.server.request.duration'))!;
      assert.match(server, new RegExp(`count 2  sum ${MS}  mean ${MS}$`));
      assert.ok(metrics.some((l) => /^    http\.client\.request\.duration +histogram +count 2  sum /.test(l)), metrics.join('\n'));

      await collect.stop();
      assert.match(output(), /\nts-otel-run collect: stopped after \d+ requests \(4 spans, 5 log records, \d+ metrics\)\n$/);

      // The --out file: one line of OTLP/JSON per request, every signal, this protocol.
      const lines = readOut(out);
      assert.deepEqual(new Set(lines.map((l) => l.signal)), new Set(['traces', 'metrics', 'logs']));
      for (const line of lines) {
        assert.equal(line.protocol, protocol);
        assert.ok(Math.abs(Date.parse(line.receivedAt) - Date.now()) < 600_000, line.receivedAt);
        assert.deepEqual(Object.keys(line), ['signal', 'protocol', 'receivedAt', 'request']);
      }
      const spans = lines.flatMap((l) =>
        l.signal === 'traces' ? (l.request as any).resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)) : [],
      );
      assert.equal(spans.length, 4);
      assert.deepEqual(new Set(spans.map((s: any) => s.traceId)), new Set(traceOf.values()));
      for (const s of spans) assert.match(s.spanId, /^[0-9a-f]{16}$/);
      const bodies = lines.flatMap((l) =>
        l.signal === 'logs'
          ? (l.request as any).resourceLogs.flatMap((rl: any) => rl.scopeLogs.flatMap((sl: any) => sl.logRecords.map((r: any) => r.body)))
          : [],
      );
      assert.deepEqual(bodies[1], { stringValue: 'handling /r0 {"request":0,"user":{"id":0}}' });
      const metricNames = lines.flatMap((l) =>
        l.signal === 'metrics'
          ? (l.request as any).resourceMetrics.flatMap((rm: any) => rm.scopeMetrics.flatMap((sm: any) => sm.metrics.map((m: any) => m.name)))
          : [],
      );
      assert.ok(metricNames.includes('http.server.request.duration'));
    });
  }
});

/** A tracer that exports each span as it ends, with an official exporter. */
function officialTracer(exporter: SpanExporter, service: string) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { provider, tracer: provider.getTracer('collect-test') };
}

const T0 = Date.now() - 60_000;

describe('collect: the official OpenTelemetry exporters', () => {
  const exporters = {
    grpc: (c: Collect) => new GrpcTraceExporter({ url: c.endpoints.grpc }),
    'http/protobuf': (c: Collect) => new ProtoTraceExporter({ url: `${c.endpoints.http}/v1/traces` }),
  };
  for (const [protocol, exporterFor] of Object.entries(exporters)) {
    it(`${protocol}: a trace as a tree, errors marked, late spans as a continuation, orphans`, async () => {
      const service = unique('official');
      const { collect, output } = await start();
      const { provider, tracer } = officialTracer(exporterFor(collect), service);
      try {
        // Ended children first, each exported on its own: the tree waits for the root.
        const root = tracer.startSpan('POST /checkout', {
          kind: SpanKind.SERVER,
          startTime: T0,
          attributes: { 'http.route': '/checkout', 'url.path': '/checkout', 'http.response.status_code': 500 },
        });
        const inRoot = trace.setSpan(ROOT_CONTEXT, root);
        const charge = tracer.startSpan('charge card', { startTime: T0 + 10 }, inRoot);
        const call = tracer.startSpan(
          'POST',
          { kind: SpanKind.CLIENT, startTime: T0 + 12, attributes: { 'url.full': 'http://payments.internal/charge', 'error.type': 'ECONNRESET' } },
          trace.setSpan(inRoot, charge),
        );
        const load = tracer.startSpan(
          'SELECT carts',
          { kind: SpanKind.CLIENT, startTime: T0 + 1, attributes: { 'db.query.summary': 'SELECT carts', 'db.query.text': 'SELECT * FROM carts WHERE id = ?' } },
          inRoot,
        );
        load.end(T0 + 6);
        call.setStatus({ code: SpanStatusCode.ERROR, message: 'socket hang up' });
        call.end(T0 + 32);
        charge.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
        charge.end(T0 + 40);
        root.setStatus({ code: SpanStatusCode.ERROR });
        root.end(T0 + 50);
        await provider.forceFlush();

        const traceId = root.spanContext().traceId;
        const [block] = await until('the trace', () => traceBlocks(output(), service)[0] && traceBlocks(output(), service), output);
        assert.match(block!.header, new RegExp(`^trace ${traceId}  ${TIME}  4 spans, 50\\.0 ms$`));
        assert.deepEqual(block!.lines, [
          `  POST /checkout  SERVER  50.0 ms  [${service}]  ERROR  http.route=/checkout http.response.status_code=500`,
          `    SELECT carts  CLIENT  5.00 ms  [${service}]  db.query.summary="SELECT carts"`,
          `    charge card  INTERNAL  30.0 ms  [${service}]  ERROR: card declined`,
          `      POST  CLIENT  20.0 ms  [${service}]  ERROR: socket hang up  url.full=http://payments.internal/charge error.type=ECONNRESET`,
        ]);

        // A span of the same trace after it was printed: a continuation at its depth.
        const late = tracer.startSpan('audit', { startTime: T0 + 45 }, trace.setSpan(ROOT_CONTEXT, charge));
        late.end(T0 + 46);
        await provider.forceFlush();
        const continued = await until('the continuation', () => traceBlocks(output(), service)[1], output);
        assert.match(continued.header, new RegExp(`^trace ${traceId.slice(0, 8)}…  ${TIME}  continued: 1 span arrived after the trace was printed$`));
        assert.deepEqual(continued.lines, [`      audit  INTERNAL  1.00 ms  [${service}]`]);

        // A span whose parent never arrives (a remote parent): printed after the quiet period.
        const remote = trace.setSpanContext(ROOT_CONTEXT, {
          traceId: 'abcdef0123456789abcdef0123456789',
          spanId: '0123456789abcdef',
          traceFlags: 1,
          isRemote: true,
        });
        const orphan = tracer.startSpan('GET /remote', { kind: SpanKind.SERVER, startTime: T0, attributes: { 'url.path': '/remote' } }, remote);
        orphan.end(T0 + 2);
        await provider.forceFlush();
        const lone = await until('the orphan', () => traceBlocks(output(), service)[2], output);
        assert.match(lone.header, new RegExp(`^trace abcdef0123456789abcdef0123456789  ${TIME}  1 span, 2\\.00 ms, no root span received$`));
        assert.deepEqual(lone.lines, [`  GET /remote  SERVER  2.00 ms  [${service}]  url.path=/remote`]);
      } finally {
        await provider.shutdown();
      }
    });
  }

  it('stop() prints the traces still pending, then closes the ports and the out file', async () => {
    const service = unique('pending');
    const out = tempFile('pending.jsonl');
    // A quiet period of an hour: nothing would print before stop().
    const { collect, output } = await start({ quietMs: 3_600_000, out });
    const { provider, tracer } = officialTracer(new GrpcTraceExporter({ url: collect.endpoints.grpc }), service);
    try {
      const root = tracer.startSpan('job', { startTime: T0 });
      tracer.startSpan('step', { startTime: T0 + 1 }, trace.setSpan(ROOT_CONTEXT, root)).end(T0 + 2);
      root.end(T0 + 3);
      await provider.forceFlush(); // resolves once collect has accepted both requests
    } finally {
      await provider.shutdown();
    }
    assert.equal(traceBlocks(output(), service).length, 0, 'nothing printed before stop()');
    await Promise.all([collect.stop(), collect.stop()]);
    const [block] = traceBlocks(output(), service);
    assert.ok(block, output());
    assert.deepEqual(block.lines, [`  job  INTERNAL  3.00 ms  [${service}]`, `    step  INTERNAL  1.00 ms  [${service}]`]);
    assert.match(output(), /ts-otel-run collect: stopped after 2 requests \(2 spans, 0 log records, 0 metrics\)\n$/);
    assert.equal(readOut(out).length, 2);
    assert.equal(await canListen(collect.grpcPort), true, 'the gRPC port is free again');
    assert.equal(await canListen(collect.httpPort), true, 'the HTTP port is free again');
    await collect.stop(); // idempotent
  });
});

// ---------------------------------------------------------------------------------------------

const s = (v: string) => ({ stringValue: v });
const resource = (service: string) => ({ attributes: [{ key: 'service.name', value: s(service) }] });

async function postJson(collect: Collect, signal: 'traces' | 'metrics' | 'logs', body: object): Promise<void> {
  const res = await fetch(`${collect.endpoints.http}/v1/${signal}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.text());
}

const NOW_NS = `${BigInt(Date.now()) * 1_000_000n}`;
const CUMULATIVE = 2;
const DELTA = 1;
const point = (value: object, attributes: object[] = []) => ({ attributes, timeUnixNano: NOW_NS, ...value });

function metricsRequest(service: string, metrics: object[]) {
  return { resourceMetrics: [{ resource: resource(service), scopeMetrics: [{ scope: { name: 'hand' }, metrics }] }] };
}

describe('collect: metrics summaries and log lines from hand-written OTLP/JSON', () => {
  it('sums add up their series (delta sums accumulate), gauges show the latest, histograms count, sum and mean', async () => {
    const service = unique('metrics');
    const { collect, output } = await start({ metricsIntervalMs: 50 });
    const bytes = (v: number) => ({ name: 'bytes.sent', unit: 'By', sum: { aggregationTemporality: DELTA, isMonotonic: true, dataPoints: [point({ asInt: v })] } });
    const sizes = (count: number, sum: number) => ({
      name: 'payload.size',
      unit: 'By',
      exponentialHistogram: { aggregationTemporality: DELTA, dataPoints: [point({ count, sum, scale: 0, zeroCount: 0 })] },
    });
    const temperature = (v: number) => ({ name: 'temperature', unit: 'Cel', gauge: { dataPoints: [point({ asDouble: v })] } });
    await postJson(
      collect,
      'metrics',
      metricsRequest(service, [
        {
          name: 'requests',
          unit: '{request}',
          sum: {
            aggregationTemporality: CUMULATIVE,
            isMonotonic: true,
            dataPoints: [point({ asInt: 3 }, [{ key: 'route', value: s('/a') }]), point({ asInt: '4' }, [{ key: 'route', value: s('/b') }])],
          },
        },
        bytes(1024),
        temperature(19),
        {
          name: 'latency',
          unit: 's',
          histogram: { aggregationTemporality: CUMULATIVE, dataPoints: [point({ count: 4, sum: 2, bucketCounts: [4], explicitBounds: [] })] },
        },
        sizes(2, 100),
      ]),
    );
    await until('the first summary', () => lastMetrics(output(), service), output);
    await postJson(collect, 'metrics', metricsRequest(service, [bytes(1024), sizes(2, 100), temperature(21.5)]));
    const lines = await until('the second summary', () => lastMetrics(output(), service)?.some((l) => l.includes('2 KiB')) && lastMetrics(output(), service), output);
    assert.deepEqual(lines, [
      '    bytes.sent    sum            2 KiB',
      '    payload.size  exp-histogram  count 4  sum 200 By  mean 50 By',
      '    temperature   gauge          21.5 Cel',
    ]);
    const first = blocks(output(), 'metrics')[0]!;
    assert.match(first.header, new RegExp(`^metrics  ${TIME}$`));
    assert.deepEqual(first.lines, [
      `  [${service}]`,
      '    bytes.sent    sum            1 KiB',
      '    latency       histogram      count 4  sum 2 s  mean 500 ms',
      '    payload.size  exp-histogram  count 2  sum 100 By  mean 50 By',
      '    requests      sum            7 {request}  (2 series)',
      '    temperature   gauge          19 Cel',
    ]);
  });

  it('prints no summary before its interval, and the last one at stop()', async () => {
    const service = unique('metrics-stop');
    const { collect, output } = await start({ metricsIntervalMs: 3_600_000 });
    await postJson(collect, 'metrics', metricsRequest(service, [{ name: 'up', unit: '1', gauge: { dataPoints: [point({ asInt: 1 })] } }]));
    assert.equal(blocks(output(), 'metrics').length, 0);
    await collect.stop();
    assert.deepEqual(blocks(output(), 'metrics').map((b) => b.lines), [[`  [${service}]`, '    up  gauge  1']]);
  });

  it('a log record: event name, severity from its number, bytes body, trace id, attributes; bytes as base64 in --out', async () => {
    const service = unique('logs');
    const out = tempFile('logs.jsonl');
    const { collect, output } = await start({ out });
    const record = {
      timeUnixNano: NOW_NS,
      severityNumber: 13,
      body: { bytesValue: 'AQID' },
      attributes: [
        { key: 'user.id', value: { intValue: '7' } },
        { key: 'note', value: s('two words\nand a line') },
        { key: 'tags', value: { arrayValue: { values: [s('a'), s('b')] } } },
      ],
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      eventName: 'cart.updated',
    };
    const plain = { timeUnixNano: NOW_NS, severityText: 'notice', severityNumber: 10, body: s('multi\nline') };
    await postJson(collect, 'logs', { resourceLogs: [{ resource: resource(service), scopeLogs: [{ scope: { name: 'x' }, logRecords: [record, plain] }] }] });
    const lines = logLines(output()).map((l) => l.replace(new RegExp(TIME), 'T'));
    assert.deepEqual(lines, [
      `log T  WARN   [${service}]  event=cart.updated  <3 bytes>  trace=5b8efff7  user.id=7 note="two words\\\\nand a line" tags=["a","b"]`,
      `log T  notice  [${service}]  multi\\nline`,
    ]);
    await collect.stop();
    const [line] = readOut(out);
    assert.equal(line!.signal, 'logs');
    assert.equal(line!.protocol, 'http/json');
    const written = (line!.request as any).resourceLogs[0].scopeLogs[0].logRecords[0];
    assert.deepEqual(written.body, { bytesValue: 'AQID' });
    assert.equal(written.traceId, record.traceId);
    assert.equal(written.spanId, record.spanId);
    assert.equal(written.severityNumber, 13);
    assert.deepEqual(written.attributes[0], { key: 'user.id', value: { intValue: 7 } });
  });

  it('colours only when asked', async () => {
    for (const color of [true, false]) {
      const { collect, output } = await start({ color });
      await postJson(collect, 'logs', {
        resourceLogs: [{ resource: resource('c'), scopeLogs: [{ scope: { name: 'x' }, logRecords: [{ severityNumber: 17, body: s('boom') }] }] }],
      });
      await collect.stop();
      assert.equal(output().includes('\x1b['), color, output());
    }
  });
});

// ---------------------------------------------------------------------------------------------

function listen(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function canListen(port: number): Promise<boolean> {
  try {
    const server = await listen(port);
    await new Promise((r) => server.close(r));
    return true;
  } catch {
    return false;
  }
}

describe('collect: starting', () => {
  for (const [which, option] of [
    ['grpcPort', '--grpc-port'],
    ['httpPort', '--http-port'],
  ] as const) {
    it(`a ${option} in use is a clear error naming the port and the option`, async () => {
      const busy = await listen();
      const port = (busy.address() as { port: number }).port;
      try {
        await assert.rejects(runCollect({ grpcPort: 0, httpPort: 0, [which]: port, write: () => {} }), (e: unknown) => {
          assert.ok(e instanceof CollectError);
          assert.equal(e.code, 'EADDRINUSE');
          assert.equal(e.option, option);
          assert.match(e.message, new RegExp(`port ${port} .*already in use.*${option}`));
          return true;
        });
        await assert.rejects(collectCommand({ grpcPort: '0', httpPort: '0', [which]: String(port) }), (e: unknown) => {
          assert.ok(e instanceof UsageError, String(e));
          assert.match(e.message, new RegExp(`port ${port} .*${option}`));
          return true;
        });
      } finally {
        await new Promise((r) => busy.close(r));
      }
    });
  }

  it('bad option values are usage errors', async () => {
    assert.equal(parsePort(undefined, '--grpc-port', 4317), 4317);
    assert.equal(parsePort('0', '--grpc-port', 4317), 0);
    assert.equal(parsePort('65535', '--grpc-port', 4317), 65535);
    for (const bad of ['65536', '-1', '1.5', 'abc', '', '0x10', '1e3']) {
      assert.throws(() => parsePort(bad, '--http-port', 4318), (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.match(e.message, /^--http-port must be a port number from 0 to 65535/);
        return true;
      });
    }
    await assert.rejects(collectCommand({ grpcPort: 'nope' }), /--grpc-port must be a port number .* got "nope"/);
    await assert.rejects(collectCommand({ grpcPort: '0', httpPort: '0', host: '  ' }), UsageError);
    await assert.rejects(collectCommand({ grpcPort: '0', httpPort: '0', out: join(tempFile('x'), 'no', 'such.jsonl') }), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /^cannot open --out /);
      return true;
    });
  });

  it('defaults to loopback', async () => {
    const { collect } = await start();
    assert.equal(collect.host, '127.0.0.1');
    assert.match(collect.endpoints.grpc, /^http:\/\/127\.0\.0\.1:\d+$/);
    await collect.stop();
  });
});
