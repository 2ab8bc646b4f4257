// Encoding benchmark: spans per second for batches of realistic HTTP server spans (10 attributes,
// 1 event), ts-otel-run's OTLP encoders against the serializers of the OpenTelemetry JS SDK
// (@opentelemetry/otlp-transformer's ProtobufTraceSerializer and JsonTraceSerializer).
//
// The spans are made once by the SDK itself (a BasicTracerProvider with an in-memory exporter,
// sdk-trace-base + resources); the SDK's serializers encode those ReadableSpans, ours encode plain
// objects of our ReadableSpan shape carrying the same data (same resource, scope, ids, times,
// attributes and events), so both produce the same request; the sizes are printed as a check.
//
// Protobuf and JSON are measured separately. In each of the counted rounds (after uncounted warm-up
// rounds) both subjects encode the batch for a fixed time, ours first in odd rounds and the SDK's
// first in even ones; the result is the median of the rounds' spans/s and the ratio ours/SDK.
// A benchmark, not a test: nothing is asserted, the exit status is 0.
//
// Needs a built dist/ (npx tsc -p .). Usage: node test/bench/encode.mjs [--rounds N] [--batch N] [--ms N] [--json]
// --json adds a last line of JSON with the medians and ratios (test/bench/run.mjs reads it).

import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { encodeTraceRequest } = require(resolve(ROOT, 'dist/src/exporters/otlp/encode/trace.js'));
const { encodeTraceRequestJsonBuffer } = require(resolve(ROOT, 'dist/src/exporters/otlp/encode/trace-json.js'));
const { ProtobufTraceSerializer, JsonTraceSerializer } = require('@opentelemetry/otlp-transformer');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const api = require('@opentelemetry/api');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('--rounds', 9);
const WARMUP = 3;
const BATCH = arg('--batch', 512);
const ROUND_MS = arg('--ms', 400);

// ------------------------------------------------------------------------------------------------
// The spans, made by the SDK

const resource = resourceFromAttributes({
  'service.name': 'checkout',
  'service.version': '1.4.2',
  'service.instance.id': '627cc493-f310-47de-96bd-71410b7dec09',
  'deployment.environment.name': 'production',
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.version': '2.12.1',
  'host.name': 'checkout-7d9f8c6b5-x2x4q',
  'process.pid': 4242,
  'process.runtime.name': 'nodejs',
  'process.runtime.version': '20.20.2',
});
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.203.0');

const ROUTES = ['/api/users/:id', '/api/orders', '/api/orders/:id/items', '/health', '/api/cart/:cartId/checkout'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT'];
const STATUS = [200, 200, 200, 201, 404, 500];
const hex = (n) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
const t0 = Date.now();

for (let i = 0; i < BATCH; i++) {
  const route = ROUTES[i % ROUTES.length];
  const method = METHODS[i % METHODS.length];
  const status = STATUS[i % STATUS.length];
  const path = route.replace(/:(\w+)/g, () => String(1000 + i));
  // most server spans continue a remote trace (traceparent from the client)
  const parent =
    i % 4 === 0
      ? api.ROOT_CONTEXT
      : api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId: hex(32), spanId: hex(16), traceFlags: 1, isRemote: true });
  const start = t0 + i;
  const span = tracer.startSpan(
    `${method} ${route}`,
    {
      kind: api.SpanKind.SERVER,
      startTime: start,
      attributes: {
        'http.request.method': method,
        'url.path': path,
        'url.scheme': 'https',
        'server.address': 'checkout.internal.example.com',
        'server.port': 8443,
        'network.protocol.version': '1.1',
        'http.route': route,
        'http.response.status_code': status,
        'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
        'client.address': `10.0.${i % 256}.${(i * 7) % 256}`,
      },
    },
    parent,
  );
  span.addEvent('request.body.received', { 'http.request.body.size': 512 + (i % 1024) }, start + 0.25);
  if (status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR, message: 'Internal Server Error' });
  span.end(start + 3.5 + (i % 17) * 0.731);
}
const sdkSpans = exporter.getFinishedSpans();
if (sdkSpans.length !== BATCH) throw new Error(`expected ${BATCH} spans, got ${sdkSpans.length}`);

// The same data in our ReadableSpan shape: one resource and one scope object shared by all spans,
// as the engine has.
const ourResource = { attributes: { ...sdkSpans[0].resource.attributes } };
const ourScope = { name: sdkSpans[0].instrumentationScope.name, version: sdkSpans[0].instrumentationScope.version };
const ourSpans = sdkSpans.map((s) => {
  const ctx = s.spanContext();
  const spanContext = { traceId: ctx.traceId, spanId: ctx.spanId, traceFlags: ctx.traceFlags };
  return {
    name: s.name,
    kind: s.kind,
    spanContext: () => spanContext,
    parentSpanId: s.parentSpanContext?.spanId,
    // the SDK's serializer marks root spans as "parent known not remote", so do we here
    parentIsRemote: s.parentSpanContext?.isRemote === true,
    startTime: s.startTime,
    endTime: s.endTime,
    status: { ...s.status },
    attributes: { ...s.attributes },
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({ name: e.name, time: e.time, attributes: { ...e.attributes }, droppedAttributesCount: e.droppedAttributesCount ?? 0 })),
    droppedEventsCount: s.droppedEventsCount,
    links: [],
    droppedLinksCount: s.droppedLinksCount,
    resource: ourResource,
    instrumentationScope: ourScope,
  };
});

// ------------------------------------------------------------------------------------------------
// Measurement

/** Spans per second of `fn` over ROUND_MS (whole batches). */
function measure(fn) {
  let batches = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(ROUND_MS) * 1_000_000n;
  let now = start;
  while (now < until) {
    sink += fn().length;
    batches++;
    now = process.hrtime.bigint();
  }
  if (sink < 0) console.log(sink);
  return (batches * BATCH) / (Number(now - start) / 1e9);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function compare(label, ours, official) {
  const a = [];
  const b = [];
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    let x;
    let y;
    if (round % 2 === 0) {
      x = measure(ours);
      y = measure(official);
    } else {
      y = measure(official);
      x = measure(ours);
    }
    if (round >= WARMUP) {
      a.push(x);
      b.push(y);
    }
  }
  const mo = median(a);
  const mb = median(b);
  const bytesOurs = ours().length;
  const bytesOfficial = official().length;
  return { label, ours: mo, official: mb, ratio: mo / mb, bytesOurs, bytesOfficial, roundsOurs: a, roundsOfficial: b };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');

console.log(
  `OTLP trace encoding: batches of ${BATCH} HTTP server spans (10 attributes, 1 event), ` +
    `${ROUNDS} rounds of ${ROUND_MS} ms per subject after ${WARMUP} warm-up rounds, alternating; node ${process.version}`,
);
const results = [
  compare(
    'protobuf',
    () => encodeTraceRequest(ourSpans),
    () => ProtobufTraceSerializer.serializeRequest(sdkSpans),
  ),
  compare(
    'json',
    () => encodeTraceRequestJsonBuffer(ourSpans),
    () => JsonTraceSerializer.serializeRequest(sdkSpans),
  ),
];

console.log('');
console.log('| encoding | ts-otel-run spans/s | SDK spans/s | ratio (ours / SDK) | bytes ours | bytes SDK |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(`| ${r.label} | ${fmt(r.ours)} | ${fmt(r.official)} | ${r.ratio.toFixed(2)}x | ${r.bytesOurs} | ${r.bytesOfficial} |`);
}
if (process.argv.includes('--verbose')) {
  for (const r of results) {
    console.log(`${r.label} ours:     ${r.roundsOurs.map(fmt).join(' ')}`);
    console.log(`${r.label} official: ${r.roundsOfficial.map(fmt).join(' ')}`);
  }
}
if (process.argv.includes('--json')) {
  const summary = results.map(({ label, ours, official, ratio, bytesOurs, bytesOfficial }) => ({ label, ours, official, ratio, bytesOurs, bytesOfficial }));
  console.log(JSON.stringify({ batch: BATCH, rounds: ROUNDS, results: summary }));
}
