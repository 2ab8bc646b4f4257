// Cost of one histogram record on the request path: http.server.request.duration with the five
// attributes a request carries, into ts-otel-run's engine next to the official SDK
// (@opentelemetry/sdk-metrics, a dev dependency), side by side, alternating, in one process. Both
// keep cumulative explicit-bucket histograms for one reader; nothing is exported. Requests cycle
// through 12 attribute sets (routes and status codes), as a service's do.
//
//   node test/bench/metrics.mjs [--rounds N]
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { MeterProvider } = require('../../dist/src/metrics/meter.js');
const sdk = require('@opentelemetry/sdk-metrics');

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 7;
const PER_ROUND = 500_000;
const BOUNDARIES = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const sets = [];
for (const route of ['/users/:id', '/orders', '/health', '/cart/:id']) {
  for (const status of [200, 404, 500]) {
    sets.push({ 'http.request.method': 'GET', 'url.scheme': 'http', 'network.protocol.version': '1.1', 'http.route': route, 'http.response.status_code': status });
  }
}
const options = { unit: 's', advice: { explicitBucketBoundaries: BOUNDARIES } };

const ours = new MeterProvider({ resource: { attributes: {} } });
ours.addReader({ temporality: () => 2, exponentialHistograms: false });
const oursHistogram = ours.getMeter('bench').createHistogram('http.server.request.duration', options);

class ManualReader extends sdk.MetricReader {
  onForceFlush() {
    return Promise.resolve();
  }
  onShutdown() {
    return Promise.resolve();
  }
}
const theirs = new sdk.MeterProvider({ readers: [new ManualReader()] });
const theirsHistogram = theirs.getMeter('bench').createHistogram('http.server.request.duration', options);

function measure(histogram) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < PER_ROUND; i++) histogram.record(0.001 * (i % 200), sets[i % 12]);
  return Number(process.hrtime.bigint() - start) / PER_ROUND;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
measure(oursHistogram);
measure(theirsHistogram);
const a = [];
const b = [];
for (let r = 0; r < rounds; r++) {
  a.push(measure(oursHistogram));
  b.push(measure(theirsHistogram));
}
const m1 = median(a);
const m2 = median(b);
console.log(`| engine | ns per record (median of ${rounds} rounds of ${PER_ROUND.toLocaleString('en')}) |`);
console.log('|---|---:|');
console.log(`| ts-otel-run | ${m1.toFixed(0)} |`);
console.log(`| @opentelemetry/sdk-metrics | ${m2.toFixed(0)} |`);
console.log(`\nratio sdk / ts-otel-run: ${(m2 / m1).toFixed(2)}× the time  (${process.version})`);
