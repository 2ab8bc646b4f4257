import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { diag } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry } from '../../src/instrumentation/registry';
import type { InstrumentationContext } from '../../src/instrumentation/types';
import type { HistogramDataPoint, MetricData, NumberDataPoint, ResourceMetrics } from '../../src/metrics/types';
import { metricOf, testEngine } from '../helpers/engine';
import { ROOT, cleanEnv, run } from '../helpers/run';

/**
 * runtime-node: the Node.js runtime metrics of the semantic conventions, collected from a real
 * engine after some work (a blocked loop, allocations until V8 reports a minor GC). Nothing is
 * asserted on timing: only names, kinds, units, attributes and how the values relate.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const perfHooks = require('node:perf_hooks') as typeof import('node:perf_hooks');

const ENTRIES = CATALOG.filter((e) => e.id === 'runtime-node');
const DELAYS = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'].map((s) => `nodejs.eventloop.delay.${s}`);
const HEAP = ['v8js.memory.heap.used', 'v8js.memory.heap.space.size', 'v8js.memory.heap.space.available_size', 'v8js.memory.heap.space.physical_size'];

/** Every metric and what it must look like: kind (sum: monotonic or not), unit. */
const EXPECTED: Record<string, { kind: 'gauge' | 'counter' | 'updown' | 'histogram'; unit: string }> = {
  ...Object.fromEntries(DELAYS.map((n) => [n, { kind: 'gauge' as const, unit: 's' }])),
  'nodejs.eventloop.utilization': { kind: 'gauge', unit: '1' },
  'nodejs.eventloop.time': { kind: 'counter', unit: 's' },
  'v8js.gc.duration': { kind: 'histogram', unit: 's' },
  ...Object.fromEntries(HEAP.map((n) => [n, { kind: 'updown' as const, unit: 'By' }])),
  'process.cpu.time': { kind: 'counter', unit: 's' },
  'process.cpu.utilization': { kind: 'gauge', unit: '1' },
  'process.memory.usage': { kind: 'updown', unit: 'By' },
};

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Keeps the thread busy for `ms`: the loop falls behind, the delay monitor sees it. */
function block(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
}

/** Young objects enough to fill the new space a few times over: V8 scavenges. */
function allocate(): number {
  const junk: unknown[] = [];
  for (let i = 0; i < 50_000; i++) junk.push({ i, s: `item ${i}` });
  return junk.length;
}

/** Allocates until V8 has reported a garbage collection through perf_hooks. */
async function untilGc(collect: () => Promise<ResourceMetrics>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    allocate();
    await tick();
    if (metricOf(await collect(), 'v8js.gc.duration')) return;
  }
  assert.fail('no gc entry was reported after 500 rounds of allocation');
}

/** Works the loop until one collection holds every runtime metric (delays need samples). */
async function collectAll(collect: () => Promise<ResourceMetrics>): Promise<ResourceMetrics> {
  let batch: ResourceMetrics | undefined;
  for (let i = 0; i < 100; i++) {
    await pause(15);
    block(5);
    await pause(15);
    batch = await collect();
    if (Object.keys(EXPECTED).every((name) => metricOf(batch!, name))) return batch;
  }
  const missing = Object.keys(EXPECTED).filter((name) => !metricOf(batch!, name));
  assert.fail(`metrics still missing after 100 rounds: ${missing.join(', ')}`);
}

function points(batch: ResourceMetrics, name: string): readonly NumberDataPoint[] {
  const m = metricOf(batch, name);
  assert.ok(m, `${name} was collected`);
  assert.ok(m.kind === 'sum' || m.kind === 'gauge', `${name} has number points`);
  return m.points;
}

const value = (batch: ResourceMetrics, name: string) => {
  const p = points(batch, name);
  assert.equal(p.length, 1, `${name} has one point`);
  return p[0]!.value;
};

const byAttribute = (batch: ResourceMetrics, name: string, key: string) =>
  new Map(points(batch, name).map((p) => [p.attributes[key] as string, p.value]));

/** Spies on what the instrumentation starts in perf_hooks; `restore` puts the originals back. */
function spyPerfHooks() {
  const original = { monitorEventLoopDelay: perfHooks.monitorEventLoopDelay, observe: perfHooks.PerformanceObserver.prototype.observe };
  const spy = { monitors: [] as { enabled: boolean }[], observed: 0 };
  (perfHooks as any).monitorEventLoopDelay = function (this: unknown, ...args: any[]) {
    const h = (original.monitorEventLoopDelay as any).apply(this, args);
    const state = { enabled: false };
    spy.monitors.push(state);
    const { enable, disable } = h;
    h.enable = function () {
      state.enabled = true;
      return enable.call(this);
    };
    h.disable = function () {
      state.enabled = false;
      return disable.call(this);
    };
    return h;
  };
  perfHooks.PerformanceObserver.prototype.observe = function (this: any, ...args: any[]) {
    spy.observed++;
    return (original.observe as any).apply(this, args);
  };
  const restore = () => {
    (perfHooks as any).monitorEventLoopDelay = original.monitorEventLoopDelay;
    perfHooks.PerformanceObserver.prototype.observe = original.observe;
  };
  return { spy, restore };
}

describe('runtime-node with a metrics reader', () => {
  const engine = testEngine();
  const collect = () => engine.collectMetrics();
  const registry = new Registry(ENTRIES, engine.config, diag, engine.services);
  const { spy, restore } = spyPerfHooks();
  let batch: ResourceMetrics;

  before(async () => {
    registry.startEager();
    await untilGc(collect);
    batch = await collectAll(collect);
  });
  after(() => {
    registry.disable('runtime-node');
    restore();
  });

  it('starts one delay monitor and one gc observer', () => {
    assert.equal(spy.monitors.length, 1);
    assert.equal(spy.monitors[0]!.enabled, true);
    assert.equal(spy.observed, 1);
  });

  it('reports every metric with its kind, unit and the scope runtime-node', () => {
    for (const [name, want] of Object.entries(EXPECTED)) {
      const m = metricOf(batch, name) as MetricData;
      assert.equal(m.descriptor.unit, want.unit, `${name} unit`);
      assert.ok(m.descriptor.description.length > 0, `${name} has a description`);
      switch (want.kind) {
        case 'gauge':
          assert.equal(m.kind, 'gauge', name);
          break;
        case 'histogram':
          assert.equal(m.kind, 'histogram', name);
          break;
        case 'counter':
          assert.ok(m.kind === 'sum' && m.isMonotonic, `${name} is a monotonic sum`);
          break;
        case 'updown':
          assert.ok(m.kind === 'sum' && !m.isMonotonic, `${name} is a non-monotonic sum`);
          break;
      }
    }
    const scopes = batch.scopeMetrics.map((s) => s.scope.name);
    assert.deepEqual(scopes, ['runtime-node']);
    const names = batch.scopeMetrics[0]!.metrics.map((m) => m.descriptor.name).sort();
    assert.deepEqual(names, Object.keys(EXPECTED).sort(), 'nothing more than the expected metrics');
  });

  it('event loop delay: one point each, no attributes, min <= p50 <= p90 <= p99 <= max', () => {
    for (const name of DELAYS) assert.deepEqual(points(batch, name)[0]!.attributes, {}, name);
    const [min, max, mean, stddev, p50, p90, p99] = DELAYS.map((n) => value(batch, n));
    assert.ok(min! > 0, `min ${min} > 0`);
    assert.ok(min! <= p50! && p50! <= p90! && p90! <= p99! && p99! <= max!, `ordered: ${[min, p50, p90, p99, max]}`);
    assert.ok(min! <= mean! && mean! <= max!, `mean ${mean} within [${min}, ${max}]`);
    assert.ok(stddev! >= 0);
    assert.ok(max! < 60, 'seconds, not nanoseconds');
  });

  it('event loop utilization within [0, 1]; time split into active and idle', () => {
    const u = value(batch, 'nodejs.eventloop.utilization');
    assert.ok(u >= 0 && u <= 1, `utilization ${u}`);
    const time = byAttribute(batch, 'nodejs.eventloop.time', 'nodejs.eventloop.state');
    assert.deepEqual([...time.keys()].sort(), ['active', 'idle']);
    assert.ok(time.get('active')! > 0 && time.get('idle')! >= 0);
  });

  it('v8js.gc.duration: seconds, the advised boundaries, a known v8js.gc.type', () => {
    const m = metricOf(batch, 'v8js.gc.duration')!;
    assert.equal(m.kind, 'histogram');
    const ps = m.points as readonly HistogramDataPoint[];
    assert.ok(ps.length >= 1);
    const types = new Set<unknown>();
    for (const p of ps) {
      assert.deepEqual(p.boundaries, [0.01, 0.1, 1, 10]);
      assert.deepEqual(Object.keys(p.attributes), ['v8js.gc.type']);
      types.add(p.attributes['v8js.gc.type']);
      assert.ok(p.count >= 1 && p.sum! >= 0 && p.max! < 60);
    }
    for (const t of types) assert.ok(['major', 'minor', 'incremental', 'weakcb'].includes(t as string), `gc type ${String(t)}`);
    assert.ok(types.has('minor'), 'the allocations caused a minor gc');
  });

  it('heap per space: used <= size, every space named, the same spaces in the four metrics', () => {
    const used = byAttribute(batch, 'v8js.memory.heap.used', 'v8js.heap.space.name');
    const size = byAttribute(batch, 'v8js.memory.heap.space.size', 'v8js.heap.space.name');
    assert.ok(used.has('new_space') && used.has('old_space'), [...used.keys()].join());
    for (const name of HEAP) {
      assert.deepEqual([...byAttribute(batch, name, 'v8js.heap.space.name').keys()].sort(), [...used.keys()].sort(), name);
      for (const p of points(batch, name)) {
        assert.deepEqual(Object.keys(p.attributes), ['v8js.heap.space.name']);
        assert.ok(Number.isInteger(p.value) && p.value >= 0, `${name} ${p.value}`);
      }
      assert.equal(metricOf(batch, name)!.descriptor.valueType, 'int');
    }
    for (const [space, u] of used) assert.ok(u <= size.get(space)!, `${space}: used ${u} <= size ${size.get(space)}`);
    const total = [...used.values()].reduce((a, b) => a + b, 0);
    const limit = (require('node:v8') as typeof import('node:v8')).getHeapStatistics().heap_size_limit;
    assert.ok(total > 0 && total <= limit, `heap used ${total} within the limit ${limit}`);
  });

  it('process: cpu time and utilization by cpu.mode, resident memory', () => {
    const time = byAttribute(batch, 'process.cpu.time', 'cpu.mode');
    assert.deepEqual([...time.keys()].sort(), ['system', 'user']);
    assert.ok(time.get('user')! > 0 && time.get('system')! >= 0);
    const util = byAttribute(batch, 'process.cpu.utilization', 'cpu.mode');
    assert.deepEqual([...util.keys()].sort(), ['system', 'user']);
    for (const [mode, u] of util) assert.ok(u >= 0, `${mode} ${u}`);
    const rss = value(batch, 'process.memory.usage');
    assert.ok(Number.isInteger(rss) && rss > 0);
    assert.deepEqual(points(batch, 'process.memory.usage')[0]!.attributes, {});
  });

  it('delays cover the interval since the previous collection: none without samples', async () => {
    // Two collections in a row, with no timer turn between them: the monitor has no new sample.
    await collect();
    const again = await collect();
    for (const name of DELAYS) assert.equal(metricOf(again, name), undefined, name);
    // The heap, CPU and loop metrics are read afresh at every collection.
    assert.ok(metricOf(again, 'v8js.memory.heap.used') && metricOf(again, 'process.cpu.time') && metricOf(again, 'nodejs.eventloop.time'));
  });

  it('disable → enable: the monitor and observer stop, callbacks go, then all comes back once', async () => {
    const meter = engine.meterProvider.getMeter('runtime-node', 'test') as any;
    const callbacks = (name: string) => meter.instruments.get(name).callbacks.length as number;
    assert.equal(callbacks('nodejs.eventloop.delay.p99'), 1);

    assert.equal(registry.disable('runtime-node'), true);
    assert.equal(spy.monitors[0]!.enabled, false, 'the delay monitor is disabled');
    for (const name of Object.keys(EXPECTED)) if (name !== 'v8js.gc.duration') assert.equal(callbacks(name), 0, name);
    const gcCount = () =>
      ((metricOf(batch, 'v8js.gc.duration')?.points ?? []) as readonly HistogramDataPoint[]).reduce((n, p) => n + p.count, 0);
    batch = await collect();
    const before = gcCount();
    for (let i = 0; i < 20; i++) {
      allocate();
      await tick();
    }
    batch = await collect();
    assert.equal(gcCount(), before, 'no gc recorded while disabled');
    for (const name of Object.keys(EXPECTED)) if (name !== 'v8js.gc.duration') assert.equal(metricOf(batch, name), undefined, name);

    assert.equal(registry.enable('runtime-node'), true);
    assert.equal(spy.monitors.length, 2, 'a new delay monitor');
    assert.equal(spy.monitors[1]!.enabled, true);
    assert.equal(spy.observed, 2);
    for (const name of Object.keys(EXPECTED)) if (name !== 'v8js.gc.duration') assert.equal(callbacks(name), 1, name);
    await untilGc(async () => {
      batch = await collect();
      return gcCount() > before ? batch : { ...batch, scopeMetrics: [] };
    });
    batch = await collectAll(collect);
    const [min, p50, p99, max] = ['min', 'p50', 'p99', 'max'].map((s) => value(batch, `nodejs.eventloop.delay.${s}`));
    assert.ok(min! <= p50! && p50! <= p99! && p99! <= max!);
  });
});

describe('runtime-node without a metrics reader', () => {
  it('starts nothing: no delay monitor, no gc observer, no callbacks', () => {
    const engine = testEngine();
    const { spy, restore } = spyPerfHooks();
    try {
      const registry = new Registry(ENTRIES, engine.config, diag, { ...engine.services, meterProvider: undefined });
      registry.startEager();
      assert.deepEqual(spy.monitors, []);
      assert.equal(spy.observed, 0);
      registry.disable('runtime-node');
      registry.enable('runtime-node');
      assert.deepEqual(spy.monitors, []);
      assert.equal(spy.observed, 0);
      registry.disable('runtime-node');
    } finally {
      restore();
    }
  });

  it('setup returns without a disposer when metrics are not active', () => {
    const instrumentation = ENTRIES[0]!.load();
    const ctx = { id: 'runtime-node', metrics: { active: false, meter: undefined } } as unknown as InstrumentationContext;
    assert.equal(instrumentation.setup!(ctx), undefined);
  });
});

describe('runtime-node in a program of its own', () => {
  it('never keeps the program alive: it ends by itself, a gc and a collection included', async () => {
    const script = `
      const { join } = require('node:path');
      const dist = join(${JSON.stringify(ROOT)}, 'dist');
      const { testEngine, metricOf } = require(join(dist, 'test/helpers/engine.js'));
      const { Registry } = require(join(dist, 'src/instrumentation/registry.js'));
      const { CATALOG } = require(join(dist, 'src/instrumentation/catalog.js'));
      const { diag } = require(join(dist, 'src/diag/index.js'));
      const engine = testEngine();
      const registry = new Registry(CATALOG.filter((e) => e.id === 'runtime-node'), engine.config, diag, engine.services);
      registry.startEager();
      let keep;
      (async () => {
        for (let i = 0; i < 500; i++) {
          const junk = [];
          for (let j = 0; j < 50000; j++) junk.push({ j });
          keep = junk;
          await new Promise((r) => setImmediate(r));
          if (metricOf(await engine.collectMetrics(), 'v8js.gc.duration')) break;
        }
        const batch = await engine.collectMetrics();
        process.stdout.write(JSON.stringify(batch.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name))) + '\\n');
        // More garbage, so that gc entries may still be on their way as the program ends.
        for (let j = 0; j < 200000; j++) keep = { j };
      })();
    `;
    const r = await run(process.execPath, ['-e', script], { env: cleanEnv(), timeoutMs: 30000 });
    assert.equal(r.signal, null, `the program ended by itself (stderr: ${r.stderr})`);
    assert.equal(r.code, 0, r.stderr);
    const names = JSON.parse(r.stdout.trim()) as string[];
    assert.ok(names.includes('v8js.gc.duration') && names.includes('v8js.memory.heap.used'), names.join());
  });
});
