// Cost of starting and ending a span with attributes, ts-otel-run's engine next to the official
// SDK (@opentelemetry/sdk-trace-base, a dev dependency), measured side by side, alternating, in
// one process. Spans go to a processor that drops them, so only the span's own cost is measured.
//
//   node test/bench/span.mjs [--rounds N]
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { testEngine } = require('../../dist/test/helpers/engine.js');
const sdk = require('@opentelemetry/sdk-trace-base');

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 7;
const PER_ROUND = 100_000;
const attrs = { 'http.request.method': 'GET', 'url.path': '/users/42', 'http.response.status_code': 200 };

const ours = testEngine();
ours.memory.onEnd = () => {};
const oursTracer = ours.tracerProvider.getTracer('bench');

const noop = { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };
const theirs = new sdk.BasicTracerProvider({ spanProcessors: [noop] }).getTracer('bench');

function measure(tracer) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < PER_ROUND; i++) {
    const span = tracer.startSpan('GET', { kind: 1, attributes: attrs });
    span.setAttribute('http.route', '/users/:id');
    span.end();
  }
  return PER_ROUND / (Number(process.hrtime.bigint() - start) / 1e9);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
measure(oursTracer);
measure(theirs);
const a = [];
const b = [];
for (let r = 0; r < rounds; r++) {
  a.push(measure(oursTracer));
  b.push(measure(theirs));
}
const m1 = median(a);
const m2 = median(b);
console.log(`| engine | spans/s (median of ${rounds} rounds of ${PER_ROUND}) |`);
console.log('|---|---:|');
console.log(`| ts-otel-run | ${Math.round(m1).toLocaleString('en')} |`);
console.log(`| @opentelemetry/sdk-trace-base | ${Math.round(m2).toLocaleString('en')} |`);
console.log(`\nratio ts-otel-run / sdk: ${(m1 / m2).toFixed(2)}×  (${process.version})`);
