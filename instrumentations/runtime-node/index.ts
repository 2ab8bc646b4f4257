/**
 * runtime-node: the Node.js runtime metrics of the semantic conventions (Node.js runtime, V8 JS
 * engine and OS process metrics), read from Node's own counters at each collection. Set up at
 * start (an eager catalog entry), and only when a metrics reader is configured: without one it
 * loads no module and starts no monitor.
 *
 * - nodejs.eventloop.delay.{min,max,mean,stddev,p50,p90,p99}: perf_hooks.monitorEventLoopDelay,
 *   reset at each collection, so each value covers the interval since the previous one. Nothing
 *   is reported for an interval without samples (an empty histogram has no delay to tell).
 * - nodejs.eventloop.utilization: performance.eventLoopUtilization() since the previous collection.
 * - nodejs.eventloop.time: the loop's cumulative active and idle time.
 * - v8js.gc.duration: a PerformanceObserver of 'gc' entries.
 * - v8js.memory.heap.used, v8js.memory.heap.space.size, .available_size, .physical_size: per heap
 *   space, from v8.getHeapSpaceStatistics() (v8 is loaded at the first collection, not at start).
 * - process.cpu.time, process.cpu.utilization, process.memory.usage: process.cpuUsage() and
 *   process.memoryUsage.rss().
 *
 * Nothing here keeps the program alive: the delay monitor's libuv timer is unref'd by Node, and a
 * PerformanceObserver holds no handle.
 */
import type { Instrumentation, InstrumentationContext } from '../../src/instrumentation/types';
import type { Callback } from '../../src/metrics/meter';
import type { Attributes } from '../../src/trace/types';

// The conventions these names come from are still in development; they are kept here, with the
// only instrumentation that emits them, rather than among the stable names of src/semconv.ts.
const METRIC_NODEJS_EVENTLOOP_DELAY = 'nodejs.eventloop.delay';
const METRIC_NODEJS_EVENTLOOP_UTILIZATION = 'nodejs.eventloop.utilization';
const METRIC_NODEJS_EVENTLOOP_TIME = 'nodejs.eventloop.time';
const ATTR_NODEJS_EVENTLOOP_STATE = 'nodejs.eventloop.state';
const METRIC_V8JS_GC_DURATION = 'v8js.gc.duration';
const ATTR_V8JS_GC_TYPE = 'v8js.gc.type';
const METRIC_V8JS_MEMORY_HEAP_USED = 'v8js.memory.heap.used';
/** Named v8js.memory.heap.limit before semantic conventions 1.42 (same value, per space). */
const METRIC_V8JS_MEMORY_HEAP_SPACE_SIZE = 'v8js.memory.heap.space.size';
const METRIC_V8JS_MEMORY_HEAP_SPACE_AVAILABLE_SIZE = 'v8js.memory.heap.space.available_size';
const METRIC_V8JS_MEMORY_HEAP_SPACE_PHYSICAL_SIZE = 'v8js.memory.heap.space.physical_size';
const ATTR_V8JS_HEAP_SPACE_NAME = 'v8js.heap.space.name';
const METRIC_PROCESS_CPU_TIME = 'process.cpu.time';
const METRIC_PROCESS_CPU_UTILIZATION = 'process.cpu.utilization';
const METRIC_PROCESS_MEMORY_USAGE = 'process.memory.usage';
const ATTR_CPU_MODE = 'cpu.mode';

/** The delay monitor's sampling interval (ms): Node's default, and the contrib package's. */
const RESOLUTION_MS = 10;
/** The boundaries the conventions advise for v8js.gc.duration (seconds). */
const GC_DURATION_BUCKETS: readonly number[] = [0.01, 0.1, 1, 10];

type Perf = typeof import('node:perf_hooks');
type V8 = typeof import('node:v8');
type IntervalHistogram = ReturnType<Perf['monitorEventLoopDelay']>;
type HeapSpace = ReturnType<V8['getHeapSpaceStatistics']>[number];
type Observable = { addCallback(cb: Callback): void; removeCallback(cb: Callback): void };

const DELAYS: readonly (readonly [suffix: string, description: string, read: (h: IntervalHistogram) => number])[] = [
  ['min', 'Event loop minimum delay.', (h) => h.min],
  ['max', 'Event loop maximum delay.', (h) => h.max],
  ['mean', 'Event loop mean delay.', (h) => h.mean],
  ['stddev', 'Event loop standard deviation delay.', (h) => h.stddev],
  ['p50', 'Event loop 50 percentile delay.', (h) => h.percentile(50)],
  ['p90', 'Event loop 90 percentile delay.', (h) => h.percentile(90)],
  ['p99', 'Event loop 99 percentile delay.', (h) => h.percentile(99)],
];

const HEAP: readonly (readonly [name: string, description: string, read: (s: HeapSpace) => number])[] = [
  [METRIC_V8JS_MEMORY_HEAP_USED, 'Heap Memory size allocated.', (s) => s.space_used_size],
  [METRIC_V8JS_MEMORY_HEAP_SPACE_SIZE, 'Total heap memory size pre-allocated for a heap space.', (s) => s.space_size],
  [METRIC_V8JS_MEMORY_HEAP_SPACE_AVAILABLE_SIZE, 'Heap space available size.', (s) => s.space_available_size],
  [METRIC_V8JS_MEMORY_HEAP_SPACE_PHYSICAL_SIZE, 'Committed size of a heap space.', (s) => s.physical_space_size],
];

const ACTIVE: Attributes = Object.freeze({ [ATTR_NODEJS_EVENTLOOP_STATE]: 'active' });
const IDLE: Attributes = Object.freeze({ [ATTR_NODEJS_EVENTLOOP_STATE]: 'idle' });
const USER: Attributes = Object.freeze({ [ATTR_CPU_MODE]: 'user' });
const SYSTEM: Attributes = Object.freeze({ [ATTR_CPU_MODE]: 'system' });

/**
 * V8's GCType flags (v8.h), as a gc entry's `detail.kind` carries them. 2 is the minor
 * mark-sweep collector of newer V8 versions (`--minor-ms`), a minor collection too.
 */
const GC_TYPES: Readonly<Record<number, Attributes>> = Object.freeze({
  1: Object.freeze({ [ATTR_V8JS_GC_TYPE]: 'minor' }),
  2: Object.freeze({ [ATTR_V8JS_GC_TYPE]: 'minor' }),
  4: Object.freeze({ [ATTR_V8JS_GC_TYPE]: 'major' }),
  8: Object.freeze({ [ATTR_V8JS_GC_TYPE]: 'incremental' }),
  16: Object.freeze({ [ATTR_V8JS_GC_TYPE]: 'weakcb' }),
});
/** A kind V8 may add later: the conventions allow a custom value for what none of theirs names. */
const GC_OTHER: Attributes = Object.freeze({ [ATTR_V8JS_GC_TYPE]: '_OTHER' });

/**
 * One reading shared by the instruments that each report a part of it. A collection runs every
 * instrument's callback once, in an order that is the engine's business; a new reading is taken
 * when an instrument asks again for a part it has already reported (the next collection, for
 * this reader or another one).
 */
function sharedReading<T>(read: () => T): (slot: number) => T {
  let value: T | undefined;
  let taken = false;
  let seen = 0;
  return (slot) => {
    const bit = 1 << slot;
    if (!taken || (seen & bit) !== 0) {
      value = read();
      taken = true;
      seen = 0;
    }
    seen |= bit;
    return value as T;
  };
}

function setup(ctx: InstrumentationContext): (() => void) | void {
  if (!ctx.metrics.active) return;
  const undo: (() => void)[] = [];
  const dispose = () => {
    for (const step of undo.splice(0).reverse()) {
      try {
        step();
      } catch (e) {
        ctx.diag.debug(`teardown step failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };
  try {
    start(ctx, undo);
  } catch (e) {
    // The registry warns and keeps the instrumentation off: leave nothing running behind.
    dispose();
    throw e;
  }
  return dispose;
}

function start(ctx: InstrumentationContext, undo: (() => void)[]): void {
  const { meter } = ctx.metrics;
  // perf_hooks is loaded already: the metrics engine took its start time from it.
  const perf = require('node:perf_hooks') as Perf;
  const { performance } = perf;
  const observe = (instrument: Observable, cb: Callback) => {
    instrument.addCallback(cb);
    undo.push(() => instrument.removeCallback(cb));
  };

  // Event loop delay, per collection interval.
  const histogram = perf.monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  undo.push(() => histogram.disable());
  const delays = sharedReading((): number[] | undefined => {
    if (histogram.count === 0) return undefined;
    const values = DELAYS.map(([, , read]) => read(histogram) / 1e9);
    histogram.reset();
    return values;
  });
  DELAYS.forEach(([suffix, description], i) => {
    const gauge = meter.createObservableGauge(`${METRIC_NODEJS_EVENTLOOP_DELAY}.${suffix}`, { description, unit: 's' });
    observe(gauge, (result) => {
      const values = delays(i);
      if (values && Number.isFinite(values[i])) result.observe(values[i]!);
    });
  });

  // Event loop utilization since the previous collection, and the loop's time in each state.
  let lastElu = performance.eventLoopUtilization();
  observe(meter.createObservableGauge(METRIC_NODEJS_EVENTLOOP_UTILIZATION, { description: 'Event loop utilization.', unit: '1' }), (result) => {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, lastElu);
    lastElu = now;
    if (delta.active + delta.idle > 0) result.observe(delta.utilization);
  });
  observe(
    meter.createObservableCounter(METRIC_NODEJS_EVENTLOOP_TIME, {
      description: 'Cumulative duration of time the event loop has been in each state.',
      unit: 's',
    }),
    (result) => {
      const { active, idle } = performance.eventLoopUtilization();
      result.observe(active / 1000, ACTIVE);
      result.observe(idle / 1000, IDLE);
    },
  );

  // Garbage collections, as V8 reports them through perf_hooks.
  const gcDuration = meter.createHistogram(METRIC_V8JS_GC_DURATION, {
    description: 'Garbage collection duration.',
    unit: 's',
    advice: { explicitBucketBoundaries: GC_DURATION_BUCKETS },
  });
  let observing = true;
  const observer = new perf.PerformanceObserver((list) => {
    // Called from Node's own immediate: an exception here would reach the program.
    if (!observing) return;
    try {
      // Node hands over every gc entry since the last call (several, when collections come close).
      for (const entry of list.getEntries()) {
        const kind = (entry as { detail?: { kind?: unknown } | null }).detail?.kind;
        gcDuration.record(entry.duration / 1000, (typeof kind === 'number' && GC_TYPES[kind]) || GC_OTHER);
      }
    } catch {
      // A gc entry Node shaped differently: not worth anything thrown at the program.
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  undo.push(() => {
    observing = false;
    observer.disconnect();
  });

  // V8 heap spaces. v8 (and the stream modules it loads) waits for the first collection.
  let v8: V8 | undefined;
  const spaceAttributes = new Map<string, Attributes>();
  const spaces = sharedReading(() => (v8 ??= require('node:v8') as V8).getHeapSpaceStatistics());
  HEAP.forEach(([name, description, read], i) => {
    observe(meter.createObservableUpDownCounter(name, { description, unit: 'By', valueType: 'int' }), (result) => {
      for (const space of spaces(i)) {
        let attributes = spaceAttributes.get(space.space_name);
        if (!attributes) {
          attributes = Object.freeze({ [ATTR_V8JS_HEAP_SPACE_NAME]: space.space_name });
          spaceAttributes.set(space.space_name, attributes);
        }
        result.observe(read(space), attributes);
      }
    });
  });

  // The process: CPU time and utilization, resident memory.
  observe(
    meter.createObservableCounter(METRIC_PROCESS_CPU_TIME, { description: 'Total CPU seconds broken down by different CPU modes.', unit: 's' }),
    (result) => {
      const { user, system } = process.cpuUsage();
      result.observe(user / 1e6, USER);
      result.observe(system / 1e6, SYSTEM);
    },
  );
  let cpus: number | undefined;
  let lastCpu = process.cpuUsage();
  let lastTime = performance.now();
  observe(
    meter.createObservableGauge(METRIC_PROCESS_CPU_UTILIZATION, {
      description:
        'Difference in process.cpu.time since the last measurement, divided by the elapsed time and number of CPUs available to the process.',
      unit: '1',
    }),
    (result) => {
      const time = performance.now();
      const cpu = process.cpuUsage();
      const elapsedUs = (time - lastTime) * 1000;
      const user = cpu.user - lastCpu.user;
      const system = cpu.system - lastCpu.system;
      lastCpu = cpu;
      lastTime = time;
      if (elapsedUs <= 0) return;
      cpus ??= Math.max(1, (require('node:os') as typeof import('node:os')).availableParallelism());
      result.observe(user / (elapsedUs * cpus), USER);
      result.observe(system / (elapsedUs * cpus), SYSTEM);
    },
  );
  observe(
    meter.createObservableUpDownCounter(METRIC_PROCESS_MEMORY_USAGE, { description: 'The amount of physical memory in use.', unit: 'By', valueType: 'int' }),
    (result) => result.observe(process.memoryUsage.rss()),
  );
}

const instrumentation: Instrumentation = { id: 'runtime-node', setup };

export default instrumentation;
