import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from '../../src/receiver';
import type { ReceivedExponentialHistogram, ReceivedHistogram, ReceivedMetric } from '../../src/receiver/types';
import { app, cleanEnv, launcher, receiverEnv } from '../helpers/run';

/**
 * Metrics over OTLP through the launcher, for each protocol, CommonJS and ES modules: the HTTP
 * duration histograms count every request exactly, after process.exit() as after a natural end,
 * in cumulative and in delta temporality.
 */

const PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
const REQUESTS = 25;

let receiver: Receiver;
// Started once for the file; every suite waits for it in a before hook of its own.
const ready = startReceiver().then((r) => {
  receiver = r;
});
after(async () => {
  await ready;
  await receiver.close();
});

let runs = 0;
const unique = (label: string) => `${label}-${process.pid}-${runs++}`;

function otlpEnv(protocol: (typeof PROTOCOLS)[number], service: string, extra: NodeJS.ProcessEnv = {}) {
  return receiverEnv(receiver.endpoints, protocol, service, { metrics: true }, { ...extra });
}

const metricsOf = (service: string, name: string): ReceivedMetric[] =>
  receiver.metrics().filter((m) => m.resource.attributes['service.name'] === service && m.name === name);

/** The requests the duration histogram counted, over every export it arrived in. */
function counted(service: string, name: string, cumulative: boolean): number {
  const exports = metricsOf(service, name) as ReceivedHistogram[];
  if (exports.length === 0) return 0;
  const total = (m: ReceivedHistogram) => m.dataPoints.reduce((n, p) => n + Number(p.count), 0);
  // Cumulative: the last export holds everything; delta: the exports add up.
  return cumulative ? total(exports[exports.length - 1]!) : exports.reduce((n, m) => n + total(m), 0);
}

function assertServerHistogram(service: string) {
  const last = metricsOf(service, 'http.server.request.duration').pop() as ReceivedHistogram;
  assert.equal(last.type, 'histogram');
  assert.equal(last.unit, 's');
  assert.equal(last.scope.name, 'http');
  const point = last.dataPoints[0]!;
  assert.deepEqual(point.explicitBounds, [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
  assert.equal(point.attributes['http.request.method'], 'GET');
  assert.equal(point.attributes['url.scheme'], 'http');
  assert.equal(point.attributes['http.response.status_code'], 200);
  assert.equal(point.attributes['network.protocol.version'], '1.1');
  assert.ok(!('url.path' in point.attributes), 'no high-cardinality attribute');
  assert.ok(Number(point.sum) > 0 && Number(point.min) > 0 && Number(point.max) >= Number(point.min));
}

for (const protocol of PROTOCOLS) {
  for (const fixture of ['serve-and-exit.cjs', 'serve-and-exit.mjs']) {
    describe(`${protocol}, ${fixture}`, () => {
      before(() => ready);

      it(`process.exit(0) after ${REQUESTS} requests: both duration histograms count ${REQUESTS}`, async () => {
        const service = unique('exit');
        const r = await launcher(['node', app(fixture), String(REQUESTS), 'exit'], { env: otlpEnv(protocol, service) });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '');
        await receiver.waitFor(() => counted(service, 'http.client.request.duration', true) >= REQUESTS);
        assert.equal(counted(service, 'http.server.request.duration', true), REQUESTS);
        assert.equal(counted(service, 'http.client.request.duration', true), REQUESTS);
        assertServerHistogram(service);
        const client = (metricsOf(service, 'http.client.request.duration').pop() as ReceivedHistogram).dataPoints[0]!;
        assert.equal(client.attributes['server.address'], '127.0.0.1');
        assert.equal(typeof client.attributes['server.port'], 'number');
      });
    });
  }
}

describe('temporality, intervals and the natural end', () => {
  before(() => ready);

  it('delta temporality with a short interval: the exports add up to every request, none twice', async () => {
    const service = unique('delta');
    const r = await launcher(['node', app('serve-and-exit.cjs'), String(REQUESTS), 'natural'], {
      env: otlpEnv('http/protobuf', service, { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta', OTEL_METRIC_EXPORT_INTERVAL: '20' }),
    });
    assert.equal(r.code, 0, r.stderr);
    await receiver.waitFor(() => counted(service, 'http.server.request.duration', false) >= REQUESTS);
    const exports = metricsOf(service, 'http.server.request.duration') as ReceivedHistogram[];
    assert.ok(exports.every((m) => m.aggregationTemporalityName === 'DELTA'));
    assert.equal(counted(service, 'http.server.request.duration', false), REQUESTS);
  });

  it('base-2 exponential histograms when asked for: every request counted, over each protocol', async () => {
    for (const protocol of PROTOCOLS) {
      const service = unique('exponential');
      const r = await launcher(['node', app('serve-and-exit.cjs'), String(REQUESTS), 'exit'], {
        env: otlpEnv(protocol, service, { OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION: 'base2_exponential_bucket_histogram' }),
      });
      assert.equal(r.code, 0, r.stderr);
      await receiver.waitFor(() => metricsOf(service, 'http.server.request.duration').length > 0);
      const m = metricsOf(service, 'http.server.request.duration').pop() as unknown as ReceivedExponentialHistogram;
      assert.equal(m.type, 'exponentialHistogram', protocol);
      const points = m.dataPoints;
      assert.equal(points.reduce((n, p) => n + Number(p.count), 0), REQUESTS, protocol);
      for (const p of points) {
        const inBuckets = p.positive.bucketCounts.reduce((n: number, c) => n + Number(c), 0) + Number(p.zeroCount);
        assert.equal(inBuckets, Number(p.count), 'every measurement in a bucket');
        assert.ok(p.scale <= 20);
      }
    }
  });

  for (const how of ['natural', 'exit'] as const) {
    it(`OTEL_METRICS_EXPORTER=console, ${how === 'exit' ? 'process.exit(0)' : 'a natural end'}: the last collection is written to stderr`, async () => {
      const r = await launcher(['node', app('serve-and-exit.cjs'), '3', how], { env: cleanEnv({ OTEL_METRICS_EXPORTER: 'console' }) });
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('{"metric"')).map((l) => JSON.parse(l));
      const server = lines.filter((l) => l.metric === 'http.server.request.duration');
      assert.equal(server.length, 1, r.stderr);
      assert.equal(server[0].kind, 'histogram');
      assert.equal(server[0].data_points[0].count, 3);
    });
  }

  it("http.route from the framework even when the request's span is not sampled", async () => {
    const r = await launcher(['node', app('express-app.cjs')], {
      env: cleanEnv({ OTEL_METRICS_EXPORTER: 'console', OTEL_TRACES_EXPORTER: 'console', OTEL_TRACES_SAMPLER: 'always_off' }),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stderr.split('\n').some((l) => l.startsWith('{"name"')), 'no span was sampled');
    const server = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{"metric"'))
      .map((l) => JSON.parse(l))
      .find((l) => l.metric === 'http.server.request.duration');
    assert.equal(server.data_points[0].attributes['http.route'], '/users/:id');
  });

  it('excluded URLs make no measurements', async () => {
    const service = unique('excluded');
    const r = await launcher(['--excluded_urls', '/r[02]$', 'node', app('serve-and-exit.cjs'), '5', 'exit'], { env: otlpEnv('http/protobuf', service) });
    assert.equal(r.code, 0, r.stderr);
    await receiver.waitFor(() => counted(service, 'http.client.request.duration', true) >= 3);
    assert.equal(counted(service, 'http.server.request.duration', true), 3);
    assert.equal(counted(service, 'http.client.request.duration', true), 3);
  });

  it('OTEL_METRICS_EXPORTER=none: nothing is measured', async () => {
    const service = unique('none');
    const r = await launcher(['node', app('serve-and-exit.cjs'), '3', 'exit'], { env: otlpEnv('http/protobuf', service, { OTEL_METRICS_EXPORTER: 'none' }) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(metricsOf(service, 'http.server.request.duration').length, 0);
  });
});
