import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { after, describe, it } from 'node:test';
import { diag, setLevel, setSink } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry } from '../../src/instrumentation/registry';
import type { HistogramDataPoint, MetricData, NumberDataPoint, ResourceMetrics } from '../../src/metrics/types';
import { metricOf, testEngine } from '../helpers/engine';

/**
 * The @opentelemetry/api bridge for meters, in process: instruments a program creates through
 * `metrics.getMeter(…)` are the engine's and are collected with the rest, until the program
 * registers a MeterProvider of its own. Spans are still bridged alongside.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const engine = testEngine();
const ENTRIES = CATALOG.filter((e) => e.id === '@opentelemetry/api');
const registry = new Registry(ENTRIES, engine.config, diag, engine.services);
/** The directory of package `name` (its package.json is not always in its exports). */
function packageDir(name: string): string {
  const end = `${sep}node_modules${sep}${name.split('/').join(sep)}`;
  for (let dir = dirname(require.resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
    if (dir.endsWith(end) && existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`no package directory for ${name}`);
}
const API_DIR = packageDir('@opentelemetry/api');
const api: any = registry.onModule('@opentelemetry/api', require('@opentelemetry/api'), API_DIR, 'commonjs');
const { ValueType } = api;

const lines: string[] = [];
const previousSink = setSink((line) => lines.push(line));
after(() => {
  setSink(previousSink);
  registry.disable('@opentelemetry/api');
});

const values = (m: MetricData | undefined) => (m?.points as readonly NumberDataPoint[] | undefined)?.map((p) => [p.attributes, p.value]) ?? [];
const scopeOf = (batch: ResourceMetrics, name: string) => batch.scopeMetrics.find((s) => s.metrics.some((m) => m.descriptor.name === name))?.scope;

describe('@opentelemetry/api metrics', () => {
  it('the bridge registered a MeterProvider; one meter per name, version and schema URL', () => {
    assert.equal(registry.report().length, 1);
    const meter = api.metrics.getMeter('shop', '2.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' });
    assert.equal(api.metrics.getMeter('shop', '2.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' }), meter);
    assert.notEqual(api.metrics.getMeter('shop', '2.0.0'), meter);
    assert.notEqual(api.metrics.getMeter('shop'), meter);
    for (const m of [
      'createCounter',
      'createUpDownCounter',
      'createHistogram',
      'createGauge',
      'createObservableCounter',
      'createObservableUpDownCounter',
      'createObservableGauge',
      'addBatchObservableCallback',
      'removeBatchObservableCallback',
    ]) {
      assert.equal(typeof meter[m], 'function', m);
    }
  });

  it('each synchronous instrument: its kind, attributes, description, unit, value type; the scope of its meter', async () => {
    const meter = api.metrics.getMeter('shop', '2.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' });
    const orders = meter.createCounter('shop.orders', { description: 'Orders placed', unit: '{order}', valueType: ValueType.INT });
    orders.add(1, { plan: 'pro' });
    orders.add(2, { plan: 'pro' }, api.context.active());
    orders.add(5);
    const queue = meter.createUpDownCounter('shop.queue', { unit: '{job}' });
    queue.add(3);
    queue.add(-1);
    const size = meter.createHistogram('shop.size', { unit: 'By', valueType: ValueType.DOUBLE });
    size.record(10, { kind: 'a' });
    size.record(2000, { kind: 'a' });
    const temperature = meter.createGauge('shop.temperature', { unit: 'Cel' });
    temperature.record(20);
    temperature.record(21.5);

    const batch = await engine.collectMetrics();
    assert.deepEqual(scopeOf(batch, 'shop.orders'), { name: 'shop', version: '2.0.0', schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' });

    const o = metricOf(batch, 'shop.orders')!;
    assert.deepEqual(o.descriptor, { name: 'shop.orders', description: 'Orders placed', unit: '{order}', type: 'counter', valueType: 'int' });
    assert.equal(o.kind === 'sum' && o.isMonotonic, true);
    assert.deepEqual(values(o), [
      [{ plan: 'pro' }, 3],
      [{}, 5],
    ]);

    const q = metricOf(batch, 'shop.queue')!;
    assert.deepEqual(q.descriptor, { name: 'shop.queue', description: '', unit: '{job}', type: 'upDownCounter', valueType: 'double' });
    assert.equal(q.kind === 'sum' && q.isMonotonic, false);
    assert.deepEqual(values(q), [[{}, 2]]);

    const s = metricOf(batch, 'shop.size')!;
    assert.equal(s.kind, 'histogram');
    assert.equal(s.descriptor.valueType, 'double');
    const point = s.points[0] as HistogramDataPoint;
    assert.deepEqual(point.attributes, { kind: 'a' });
    assert.equal(point.count, 2);
    assert.equal(point.sum, 2010);

    const t = metricOf(batch, 'shop.temperature')!;
    assert.equal(t.kind, 'gauge');
    assert.deepEqual(values(t), [[{}, 21.5]]);
  });

  it('advice: explicit bucket boundaries are the histogram buckets', async () => {
    const h = api.metrics.getMeter('advice').createHistogram('advice.latency', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1, 10] } });
    h.record(0.05);
    h.record(5);
    h.record(50);
    const point = metricOf(await engine.collectMetrics(), 'advice.latency')!.points[0] as HistogramDataPoint;
    assert.deepEqual(point.boundaries, [0.1, 1, 10]);
    assert.deepEqual(point.bucketCounts, [1, 0, 1, 1]);
  });

  it('odd arguments never throw into the program', async () => {
    assert.doesNotThrow(() => {
      const meter = api.metrics.getMeter(Symbol('x') as any, 42 as any, 'not options' as any);
      meter.createCounter('odd.counter', 'not options').add(1, 'not attributes');
      meter.createCounter('odd.bigint').add(1, { big: 1n });
      meter.createCounter('not a valid name!').add(1);
      meter.createHistogram('odd.histogram').record('x' as any);
      const g = meter.createObservableGauge('odd.gauge');
      g.addCallback(undefined);
      g.removeCallback(() => {});
      meter.addBatchObservableCallback(undefined, [g]);
      meter.addBatchObservableCallback(() => {}, undefined);
      meter.removeBatchObservableCallback(() => {}, [g]);
      meter.removeBatchObservableCallback(() => {});
    });
    const batch = await engine.collectMetrics();
    assert.deepEqual(values(metricOf(batch, 'odd.counter')), [[{}, 1]]);
  });

  it('observable instruments: each callback once per collection, until removed; asynchronous ones too', async () => {
    const meter = api.metrics.getMeter('observed');
    const counter = meter.createObservableCounter('observed.cpu', { unit: 's', description: 'CPU time' });
    const upDown = meter.createObservableUpDownCounter('observed.connections', { valueType: ValueType.INT });
    const gauge = meter.createObservableGauge('observed.heap', { unit: 'By' });
    let cpu = 0;
    let calls = 0;
    const onCpu = (result: any) => {
      calls++;
      result.observe((cpu += 1.5), { state: 'user' });
      result.observe(0.5, { state: 'system' });
    };
    counter.addCallback(onCpu);
    counter.addCallback(onCpu); // the same callback twice is registered once
    upDown.addCallback(async (result: any) => {
      await new Promise((r) => setTimeout(r, 5));
      result.observe(7);
    });
    gauge.addCallback((result: any) => result.observe(1024, { space: 'old' }));
    gauge.addCallback(() => {
      throw new Error('a failing callback is only a debug line');
    });

    let batch = await engine.collectMetrics();
    assert.equal(calls, 1);
    const c = metricOf(batch, 'observed.cpu')!;
    assert.deepEqual(c.descriptor, { name: 'observed.cpu', description: 'CPU time', unit: 's', type: 'observableCounter', valueType: 'double' });
    assert.equal(c.kind === 'sum' && c.isMonotonic, true);
    assert.deepEqual(values(c), [
      [{ state: 'user' }, 1.5],
      [{ state: 'system' }, 0.5],
    ]);
    const u = metricOf(batch, 'observed.connections')!;
    assert.equal(u.descriptor.type, 'observableUpDownCounter');
    assert.equal(u.descriptor.valueType, 'int');
    assert.deepEqual(values(u), [[{}, 7]]);
    const g = metricOf(batch, 'observed.heap')!;
    assert.equal(g.kind, 'gauge');
    assert.deepEqual(values(g), [[{ space: 'old' }, 1024]]);

    counter.removeCallback(onCpu);
    batch = await engine.collectMetrics();
    assert.equal(calls, 1, 'a removed callback is not called');
    assert.deepEqual(values(metricOf(batch, 'observed.cpu')), [], 'nothing observed, nothing reported');
  });

  it('batch observable callbacks: once per collection for all their instruments; only those', async () => {
    const meter = api.metrics.getMeter('pool');
    const used = meter.createObservableUpDownCounter('pool.used');
    const idle = meter.createObservableGauge('pool.idle');
    const other = meter.createObservableGauge('pool.other');
    const fromOtherMeter = api.metrics.getMeter('elsewhere').createObservableGauge('elsewhere.gauge');
    let calls = 0;
    const batchCallback = (result: any) => {
      calls++;
      result.observe(used, 3, { pool: 'a' });
      result.observe(used, 1, { pool: 'b' });
      result.observe(idle, 2 * calls);
      result.observe(other, 99); // not one of the callback's instruments
      result.observe({}, 1); // not an instrument at all
    };
    meter.addBatchObservableCallback(batchCallback, [used, idle]);
    meter.addBatchObservableCallback(batchCallback, [idle, used]); // the same registration
    // A batch callback may also be asynchronous, and observe instruments of other meters of ours.
    const later = async (result: any) => {
      await new Promise((r) => setTimeout(r, 5));
      result.observe(fromOtherMeter, 5);
    };
    meter.addBatchObservableCallback(later, [fromOtherMeter]);

    let batch = await engine.collectMetrics();
    assert.equal(calls, 1);
    assert.deepEqual(values(metricOf(batch, 'pool.used')), [
      [{ pool: 'a' }, 3],
      [{ pool: 'b' }, 1],
    ]);
    assert.deepEqual(values(metricOf(batch, 'pool.idle')), [[{}, 2]]);
    assert.equal(metricOf(batch, 'pool.other'), undefined);
    assert.deepEqual(values(metricOf(batch, 'elsewhere.gauge')), [[{}, 5]]);

    batch = await engine.collectMetrics();
    assert.equal(calls, 2, 'run again for the next collection');
    assert.deepEqual(values(metricOf(batch, 'pool.idle')), [[{}, 4]]);

    meter.removeBatchObservableCallback(batchCallback, [used]); // not the registered set: stays
    await engine.collectMetrics();
    assert.equal(calls, 3);
    meter.removeBatchObservableCallback(batchCallback, [idle, used]);
    meter.removeBatchObservableCallback(later, [fromOtherMeter]);
    batch = await engine.collectMetrics();
    assert.equal(calls, 3, 'removed');
    assert.equal(metricOf(batch, 'pool.used'), undefined);
    assert.equal(metricOf(batch, 'elsewhere.gauge'), undefined);
  });

  it('disabled, instruments record nothing and callbacks are not called; enabled again, they are', async () => {
    const meter = api.metrics.getMeter('toggle');
    const counter = meter.createCounter('toggle.count');
    let calls = 0;
    meter.createObservableGauge('toggle.gauge').addCallback((r: any) => r.observe(++calls));

    assert.ok(registry.disable('@opentelemetry/api'));
    counter.add(1);
    let batch = await engine.collectMetrics();
    assert.equal(calls, 0);
    assert.equal(metricOf(batch, 'toggle.count'), undefined);

    assert.ok(registry.enable('@opentelemetry/api'));
    assert.equal(api.metrics.getMeter('toggle'), meter, 'the same provider is still registered');
    counter.add(2);
    batch = await engine.collectMetrics();
    assert.equal(calls, 1);
    assert.deepEqual(values(metricOf(batch, 'toggle.count')), [[{}, 2]]);
    assert.deepEqual(values(metricOf(batch, 'toggle.gauge')), [[{}, 1]]);
  });

  it('spans are still bridged', () => {
    engine.memory.clear();
    let active: any;
    api.trace.getTracer('manual', '1.0.0').startActiveSpan('work', (span: any) => {
      active = api.trace.getActiveSpan();
      span.end();
    });
    const [work] = engine.memory.spans;
    assert.equal(work?.name, 'work');
    assert.equal(active.spanContext().spanId, work!.spanContext().spanId);
  });

  it('without a metrics exporter, the metrics API is left as it is', () => {
    const off = testEngine();
    const services = { ...off.services, meterProvider: undefined };
    const other = new Registry(ENTRIES, off.config, diag, services);
    const before = api.metrics.getMeterProvider();
    lines.length = 0;
    other.onModule('@opentelemetry/api', require('@opentelemetry/api'), API_DIR, 'commonjs');
    assert.equal(api.metrics.getMeterProvider(), before);
    assert.ok(!lines.some((l) => /MeterProvider/.test(l)), lines.join(''));
    other.disable('@opentelemetry/api');
  });

  it('an API copy without the metrics API (1.0) is bridged for spans, quietly for meters', () => {
    const other = new Registry(ENTRIES, engine.config, diag, engine.services);
    const old = require('otel-api-1-0');
    assert.equal(old.metrics, undefined);
    lines.length = 0;
    setLevel('debug');
    try {
      other.onModule('@opentelemetry/api', old, packageDir('otel-api-1-0'), 'commonjs');
    } finally {
      setLevel('warn');
    }
    assert.deepEqual(other.report(), [{ id: '@opentelemetry/api', module: '@opentelemetry/api', version: '1.0.4' }]);
    assert.ok(lines.some((l) => /@opentelemetry\/api@1\.0\.4 has no metrics API/.test(l)), lines.join(''));
    assert.ok(!lines.some((l) => /^ts-otel-run: (warn|error):.*(MeterProvider|meters)/.test(l)), lines.join(''));
    other.disable('@opentelemetry/api');
  });

  // Last: the program's own provider stays registered from here on.
  it('a MeterProvider the program registers takes over, with one warning; instruments made before keep recording here', async () => {
    const before = api.metrics.getMeter('before').createCounter('before.count');
    const theirs: unknown[] = [];
    const theirMeter = { createCounter: (name: string) => ({ add: (v: number) => theirs.push([name, v]) }) };
    const provider = { getMeter: () => theirMeter };
    lines.length = 0;
    assert.equal(api.metrics.setGlobalMeterProvider(provider), true);
    assert.equal(lines.length, 1, lines.join(''));
    assert.match(lines[0]!, /^ts-otel-run: warn: @opentelemetry\/api: the program registered its own MeterProvider/);
    assert.equal(api.metrics.getMeterProvider(), provider);
    api.metrics.getMeter('after').createCounter('after.count').add(3);
    assert.deepEqual(theirs, [['after.count', 3]]);
    before.add(1);
    const batch = await engine.collectMetrics();
    assert.equal(metricOf(batch, 'after.count'), undefined);
    assert.deepEqual(values(metricOf(batch, 'before.count')), [[{}, 1]]);

    // A second provider of theirs is refused by the API as usual: the bridge does not step in.
    assert.equal(api.metrics.setGlobalMeterProvider({ getMeter: () => theirMeter }), false);
    assert.equal(api.metrics.getMeterProvider(), provider);

    // A bridge that finds the program's provider in place leaves it there, and says so once.
    const late = new Registry(ENTRIES, engine.config, diag, engine.services);
    lines.length = 0;
    late.onModule('@opentelemetry/api', require('@opentelemetry/api'), API_DIR, 'commonjs');
    assert.equal(api.metrics.getMeterProvider(), provider);
    assert.ok(
      lines.some((l) => /warn: @opentelemetry\/api: @opentelemetry\/api@[\d.]+ already has a MeterProvider registered by the program/.test(l)),
      lines.join(''),
    );
    late.disable('@opentelemetry/api');
  });
});
