import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { MeterProvider, OVERFLOW_ATTRIBUTES, temporalityPreference, type ReaderPreferences } from '../../../src/metrics/meter';
import { Temporality, type HistogramDataPoint, type MetricData, type NumberDataPoint, type ResourceMetrics } from '../../../src/metrics/types';

const CUMULATIVE: ReaderPreferences = { temporality: () => Temporality.CUMULATIVE, exponentialHistograms: false };
const DELTA: ReaderPreferences = { temporality: temporalityPreference('delta'), exponentialHistograms: false };

function setup(preferences: ReaderPreferences = CUMULATIVE) {
  const warnings: string[] = [];
  const diag = { warn: (m: string) => warnings.push(m), debug() {} } as never;
  const provider = new MeterProvider({ resource: { attributes: { 'service.name': 's' } }, diag });
  const reader = provider.addReader(preferences);
  const meter = provider.getMeter('app', '1.0.0');
  return { provider, reader, meter, warnings };
}

const metric = (batch: ResourceMetrics, name: string): MetricData | undefined =>
  batch.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
const values = (m: MetricData | undefined) =>
  (m?.points as NumberDataPoint[] | undefined)?.map((p) => [p.attributes, p.value]) ?? [];

describe('MeterProvider: synchronous instruments', () => {
  it('a counter, cumulative: one series per attribute set (in any key order), values add up', () => {
    const { provider, reader, meter } = setup();
    const c = meter.createCounter('orders', { unit: '{order}', description: 'Orders placed', valueType: 'int' });
    c.add(1, { plan: 'pro', region: 'eu' });
    c.add(2, { region: 'eu', plan: 'pro' });
    c.add(5);
    let m = metric(provider.collectSync(reader), 'orders')!;
    assert.equal(m.kind, 'sum');
    assert.equal(m.kind === 'sum' && m.isMonotonic, true);
    assert.equal(m.kind === 'sum' && m.temporality, Temporality.CUMULATIVE);
    assert.deepEqual(m.descriptor, { name: 'orders', description: 'Orders placed', unit: '{order}', type: 'counter', valueType: 'int' });
    assert.deepEqual(values(m), [
      [{ plan: 'pro', region: 'eu' }, 3],
      [{}, 5],
    ]);
    c.add(1, { plan: 'pro', region: 'eu' });
    m = metric(provider.collectSync(reader), 'orders')!;
    assert.deepEqual(values(m)[0], [{ plan: 'pro', region: 'eu' }, 4], 'cumulative: since the start');
    assert.equal(values(m).length, 2, 'a series without new measurements is still reported');
  });

  it('attribute sets are told apart by type and content: 200 and "200", arrays, missing and null values', () => {
    const { provider, reader, meter } = setup();
    const c = meter.createCounter('c');
    c.add(1, { status: 200 });
    c.add(1, { status: '200' });
    c.add(1, { tags: ['a', 'b'] });
    c.add(1, { tags: ['a', 'b'] });
    c.add(1, { tags: ['ab'] });
    c.add(1, { status: 200, gone: undefined } as never);
    c.add(1, { status: 200, nothing: null } as never);
    assert.deepEqual(values(metric(provider.collectSync(reader), 'c')), [
      [{ status: 200 }, 3],
      [{ status: '200' }, 1],
      [{ tags: ['a', 'b'] }, 2],
      [{ tags: ['ab'] }, 1],
    ]);
  });

  it('delta: each collection reports what happened since the previous one; quiet series are left out', () => {
    const { provider, reader, meter } = setup(DELTA);
    const c = meter.createCounter('hits');
    c.add(2, { a: 1 });
    c.add(3, { b: 1 });
    const first = metric(provider.collectSync(reader), 'hits')!;
    assert.equal(first.kind === 'sum' && first.temporality, Temporality.DELTA);
    assert.deepEqual(values(first), [
      [{ a: 1 }, 2],
      [{ b: 1 }, 3],
    ]);
    c.add(1, { a: 1 });
    const second = metric(provider.collectSync(reader), 'hits')!;
    assert.deepEqual(values(second), [[{ a: 1 }, 1]]);
    const p1 = (first.points as NumberDataPoint[])[0]!;
    const p2 = (second.points as NumberDataPoint[])[0]!;
    assert.deepEqual(p2.startTime, p1.time, 'the next interval starts where the last ended');
    assert.equal(metric(provider.collectSync(reader), 'hits'), undefined, 'nothing new: nothing reported');
    c.add(4, { b: 1 });
    assert.deepEqual(values(metric(provider.collectSync(reader), 'hits')), [[{ b: 1 }, 4]], 'a forgotten series comes back');
  });

  it('delta preference keeps up-down counters cumulative; lowmemory makes only counters and histograms delta', () => {
    const delta = temporalityPreference('delta');
    assert.equal(delta('counter'), Temporality.DELTA);
    assert.equal(delta('observableCounter'), Temporality.DELTA);
    assert.equal(delta('histogram'), Temporality.DELTA);
    assert.equal(delta('upDownCounter'), Temporality.CUMULATIVE);
    const low = temporalityPreference('lowmemory');
    assert.equal(low('counter'), Temporality.DELTA);
    assert.equal(low('observableCounter'), Temporality.CUMULATIVE);
    assert.equal(low('histogram'), Temporality.DELTA);
  });

  it('a histogram: the advised boundaries, bucket counts, count, sum, min, max', () => {
    const { provider, reader, meter } = setup();
    const h = meter.createHistogram('latency', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1, 10] } });
    for (const v of [0.05, 0.1, 0.5, 2, 20]) h.record(v, { route: '/a' });
    const m = metric(provider.collectSync(reader), 'latency')!;
    assert.equal(m.kind, 'histogram');
    const p = (m.points as HistogramDataPoint[])[0]!;
    assert.deepEqual(p.boundaries, [0.1, 1, 10]);
    assert.deepEqual(p.bucketCounts, [2, 1, 1, 1], 'buckets are (previous, bound]');
    assert.equal(p.count, 5);
    assert.equal(p.sum, 22.65);
    assert.equal(p.min, 0.05);
    assert.equal(p.max, 20);
  });

  it('the default boundaries when none are advised (or the advice is not ascending)', () => {
    const { provider, reader, meter } = setup();
    meter.createHistogram('h', { advice: { explicitBucketBoundaries: [5, 1] } }).record(3);
    const p = (metric(provider.collectSync(reader), 'h')!.points as HistogramDataPoint[])[0]!;
    assert.deepEqual(p.boundaries, [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]);
  });

  it('an up-down counter goes both ways; a gauge keeps the last value', () => {
    const { provider, reader, meter } = setup();
    const u = meter.createUpDownCounter('queue');
    u.add(5);
    u.add(-2);
    const g = meter.createGauge('temperature');
    g.record(20);
    g.record(21.5);
    const batch = provider.collectSync(reader);
    assert.deepEqual(values(metric(batch, 'queue')), [[{}, 3]]);
    const queue = metric(batch, 'queue')!;
    assert.equal(queue.kind === 'sum' && queue.isMonotonic, false);
    assert.deepEqual(values(metric(batch, 'temperature')), [[{}, 21.5]]);
    assert.equal(metric(batch, 'temperature')!.kind, 'gauge');
  });

  it('negative values on a counter or histogram are dropped, said once; NaN is ignored', () => {
    const { provider, reader, meter, warnings } = setup();
    const c = meter.createCounter('c');
    c.add(-1);
    c.add(-2);
    c.add(Number.NaN);
    c.add(1);
    assert.deepEqual(values(metric(provider.collectSync(reader), 'c')), [[{}, 1]]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /negative values are dropped/);
  });

  it('past the cardinality limit, new attribute sets go to the overflow series; nothing is lost', () => {
    const { provider, reader, meter } = setup({ ...CUMULATIVE, cardinalityLimit: 4 });
    const c = meter.createCounter('c');
    for (let i = 0; i < 10; i++) c.add(1, { user: i });
    c.add(1, { user: 0 });
    const points = metric(provider.collectSync(reader), 'c')!.points as NumberDataPoint[];
    assert.equal(points.length, 4);
    assert.deepEqual(points.map((p) => p.attributes).slice(0, 3), [{ user: 0 }, { user: 1 }, { user: 2 }]);
    assert.deepEqual(points[3]!.attributes, OVERFLOW_ATTRIBUTES);
    assert.equal(points[3]!.value, 7);
    assert.equal(points.reduce((n, p) => n + p.value, 0), 11);
  });

  it('invalid names and a second instrument of another kind under a name are ignored, with a warning', () => {
    const { provider, reader, meter, warnings } = setup();
    meter.createCounter('1bad').add(1);
    meter.createCounter('ok').add(1);
    meter.createHistogram('OK').record(1);
    meter.createCounter('ok').add(1);
    assert.deepEqual(values(metric(provider.collectSync(reader), 'ok')), [[{}, 2]], 'the same instrument, case-insensitively');
    assert.equal(warnings.length, 2);
  });
});

describe('MeterProvider: observable instruments', () => {
  it('callbacks run at each collection; a counter reports the observed total, or its increase in delta', async () => {
    for (const [preferences, expected] of [
      [CUMULATIVE, [10, 25]],
      [DELTA, [10, 15]],
    ] as const) {
      const { provider, reader, meter } = setup(preferences);
      let total = 10;
      meter.createObservableCounter('cpu').addCallback((r) => r.observe(total, { mode: 'user' }));
      const first = values(metric(await provider.collect(reader), 'cpu'));
      total = 25;
      const second = values(metric(await provider.collect(reader), 'cpu'));
      assert.deepEqual([first[0]![1], second[0]![1]], expected);
    }
  });

  it('an asynchronous callback is waited for; a throwing one costs only its own values', async () => {
    const { provider, reader, meter } = setup();
    meter.createObservableGauge('a').addCallback(async (r) => {
      await new Promise((resolve) => setImmediate(resolve));
      r.observe(7);
    });
    meter.createObservableGauge('b').addCallback(() => {
      throw new Error('boom');
    });
    const batch = await provider.collect(reader);
    assert.deepEqual(values(metric(batch, 'a')), [[{}, 7]]);
    assert.equal(metric(batch, 'b'), undefined);
  });

  it('a series not observed this time is not reported; removeCallback stops the observations', async () => {
    const { provider, reader, meter } = setup();
    const g = meter.createObservableGauge('g');
    let which = 'x';
    const cb = (r: { observe(v: number, a?: Record<string, string>): void }) => r.observe(1, { which });
    g.addCallback(cb);
    await provider.collect(reader);
    which = 'y';
    assert.deepEqual(values(metric(await provider.collect(reader), 'g')), [[{ which: 'y' }, 1]]);
    g.removeCallback(cb);
    assert.equal(metric(await provider.collect(reader), 'g'), undefined);
  });
});
