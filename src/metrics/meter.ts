/**
 * The metrics engine: meters hand out instruments; each instrument keeps, for each reader, one
 * accumulation per attribute set (a series), bounded by a cardinality limit past which new
 * attribute sets go to the overflow series the specification defines. A collection turns the
 * series into data points in the reader's temporality.
 */
import type { Diag } from '../diag';
import { isAttributeValue } from '../trace/attributes';
import { now } from '../trace/time';
import type { Attributes, HrTime, InstrumentationScope, Resource } from '../trace/types';
import {
  type Accumulation,
  DEFAULT_BOUNDARIES,
  ExponentialAccumulation,
  HistogramAccumulation,
  LastValueAccumulation,
  SumAccumulation,
} from './aggregation';
import {
  type InstrumentType,
  type MetricData,
  type MetricDescriptor,
  type ResourceMetrics,
  type ScopeMetrics,
  Temporality,
} from './types';

/** The specification's default cardinality limit per instrument (and reader). */
export const DEFAULT_CARDINALITY_LIMIT = 2000;
/** The attribute of the series that takes measurements past the cardinality limit. */
export const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true });

/** How a reader wants its data. */
export interface ReaderPreferences {
  temporality(type: InstrumentType): Temporality;
  /** Histograms as base-2 exponential histograms instead of explicit buckets. */
  readonly exponentialHistograms: boolean;
  readonly cardinalityLimit?: number;
}

/** OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE as the specification defines its values. */
export function temporalityPreference(preference: 'cumulative' | 'delta' | 'lowmemory'): (type: InstrumentType) => Temporality {
  if (preference === 'cumulative') return () => Temporality.CUMULATIVE;
  if (preference === 'delta') {
    return (type) => (type === 'upDownCounter' || type === 'observableUpDownCounter' ? Temporality.CUMULATIVE : Temporality.DELTA);
  }
  return (type) => (type === 'counter' || type === 'histogram' ? Temporality.DELTA : Temporality.CUMULATIVE);
}

const INSTRUMENT_NAME = /^[A-Za-z][A-Za-z0-9_.\-/]{0,254}$/;

/**
 * A stable key of an attribute set: its entries sorted by key, each value tagged by its type (so
 * that 200 and "200" differ). Plain concatenation: this runs on every measurement, and
 * JSON.stringify per entry costs several times as much. A string holding the separators, and
 * arrays, are written with JSON.stringify, which cannot collide with the tagged forms.
 */
function attributesKey(attributes: Attributes | undefined): string {
  if (!attributes) return '';
  const keys = Object.keys(attributes);
  const n = keys.length;
  if (n === 0) return '';
  // Most programs pass their attributes in the same order every time: sort only when needed.
  for (let i = 1; i < n; i++) {
    if (keys[i - 1]! > keys[i]!) {
      keys.sort();
      break;
    }
  }
  let key = '';
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    const v = attributes[k];
    if (v === undefined || v === null) continue;
    switch (typeof v) {
      case 'string':
        key += v.includes('\u0001') || k.includes('\u0001') ? `j${JSON.stringify([k, v])}\u0001` : `${k}\u0001s${v}\u0001`;
        break;
      case 'number':
        key += `${k}\u0001n${v}\u0001`;
        break;
      case 'boolean':
        key += `${k}\u0001b${v ? 1 : 0}\u0001`;
        break;
      default:
        key += `j${JSON.stringify([k, v])}\u0001`;
    }
  }
  return key;
}

/** A copy of the valid entries: the program may change its object afterwards. */
function copyAttributes(attributes: Attributes | undefined): Attributes {
  const out: Attributes = {};
  if (!attributes) return out;
  for (const k of Object.keys(attributes)) {
    const v = attributes[k];
    if (v === undefined || v === null || !isAttributeValue(v)) continue;
    out[k] = Array.isArray(v) ? (v.slice() as typeof v) : v;
  }
  return out;
}

interface Series {
  readonly attributes: Attributes;
  readonly acc: Accumulation;
  start: HrTime;
}

export interface InstrumentOptions {
  readonly description?: string;
  readonly unit?: string;
  readonly valueType?: 'int' | 'double' | number;
  readonly advice?: { readonly explicitBucketBoundaries?: readonly number[] };
}

/** One instrument's series for one reader. */
const LEAF = Symbol('series');
type TrieNode = Map<unknown, unknown>;

/** One instrument's series for one reader. */
class Store {
  readonly series = new Map<string, Series>();
  /** Observable instruments in delta temporality: the previous observation of each series. */
  readonly previous = new Map<string, number>();
  lastCollect: HrTime;
  /**
   * The measurement path's index: attribute name → value → … → the series. Map lookups of the
   * program's (usually constant, so already hashed) strings, where a key built per measurement
   * would be hashed afresh every time.
   */
  private readonly trie: TrieNode = new Map();

  constructor(
    private readonly make: () => Accumulation,
    private readonly limit: number,
    created: HrTime,
  ) {
    this.lastCollect = created;
  }

  /** The accumulation for `attributes`, whose names `keys` lists in sorted order. */
  get(keys: readonly string[], attributes: Attributes | undefined): Accumulation {
    let node: TrieNode | undefined = this.trie;
    for (let i = 0; i < keys.length && node; i++) {
      const k = keys[i]!;
      const v = attributes![k];
      if (v === undefined || v === null) continue;
      const byValue = node.get(k) as TrieNode | undefined;
      node = byValue?.get(Array.isArray(v) ? JSON.stringify(v) : v) as TrieNode | undefined;
    }
    const found = node?.get(LEAF) as Series | undefined;
    if (found) return found.acc;
    return this.slowGet(keys, attributes);
  }

  /** A new attribute set (or one past the limit): keyed by string, indexed for the next time. */
  private slowGet(keys: readonly string[], attributes: Attributes | undefined): Accumulation {
    const key = attributesKey(attributes);
    let s = this.series.get(key);
    if (!s) {
      if (this.series.size >= this.limit - 1) {
        // At the limit: one series is kept for the overflow, with every later attribute set in it.
        const overflowKey = '\u0000overflow';
        s = this.series.get(overflowKey);
        if (!s) {
          s = { attributes: OVERFLOW_ATTRIBUTES, acc: this.make(), start: this.lastCollect };
          this.series.set(overflowKey, s);
        }
        return s.acc;
      }
      s = { attributes: copyAttributes(attributes), acc: this.make(), start: now() };
      this.series.set(key, s);
    }
    let node = this.trie;
    for (const k of keys) {
      const v = attributes![k];
      if (v === undefined || v === null) continue;
      let byValue = node.get(k) as TrieNode | undefined;
      if (!byValue) node.set(k, (byValue = new Map()));
      const value = Array.isArray(v) ? JSON.stringify(v) : v;
      let next = byValue.get(value) as TrieNode | undefined;
      if (!next) byValue.set(value, (next = new Map()));
      node = next;
    }
    node.set(LEAF, s);
    return s.acc;
  }

  /** Forgets a series (delta temporality, nothing recorded since the last collection). */
  delete(key: string): void {
    this.series.delete(key);
    // Rebuilt lazily: the next measurement of a forgotten set takes the slow path once.
    this.trie.clear();
  }
}

/** The attribute names, sorted (most programs pass them in the same order every time: sort only then). */
function sortedKeys(attributes: Attributes | undefined): string[] {
  if (!attributes) return [];
  const keys = Object.keys(attributes);
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) return keys.sort();
  }
  return keys;
}

export type Callback = (result: { observe(value: number, attributes?: Attributes): void }) => void | Promise<void>;
/** A callback that observes several observable instruments at once (the API's batch callback). */
export type BatchCallback = (result: { observe(observable: object, value: number, attributes?: Attributes): void }) => void | Promise<void>;

class InstrumentState {
  readonly stores: Store[] = [];
  readonly callbacks: Callback[] = [];
  private warnedNegative = false;

  constructor(
    readonly descriptor: MetricDescriptor,
    readonly boundaries: readonly number[],
    private readonly provider: MeterProvider,
  ) {
    for (let i = 0; i < provider.readers.length; i++) this.addStore(i);
  }

  addStore(reader: number): void {
    const prefs = this.provider.readers[reader]!;
    const { type } = this.descriptor;
    const make =
      type === 'histogram'
        ? prefs.exponentialHistograms
          ? () => new ExponentialAccumulation(160)
          : () => new HistogramAccumulation(this.boundaries)
        : type === 'gauge' || type === 'observableGauge'
          ? () => new LastValueAccumulation()
          : () => new SumAccumulation();
    this.stores[reader] = new Store(make, prefs.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT, this.provider.startTime);
  }

  record(value: number, attributes: Attributes | undefined): void {
    if (typeof value !== 'number' || Number.isNaN(value)) return;
    const type = this.descriptor.type;
    if (value < 0 && (type === 'counter' || type === 'histogram')) {
      if (!this.warnedNegative) {
        this.warnedNegative = true;
        this.provider.diag?.warn(`metric ${this.descriptor.name}: negative values are dropped (a ${type} only takes values >= 0)`);
      }
      return;
    }
    const keys = sortedKeys(attributes);
    const stores = this.stores;
    for (let i = 0; i < stores.length; i++) stores[i]!.get(keys, attributes).record(value);
  }

  /** Runs the callbacks of an observable instrument into each store (a fresh observation). */
  observe(): Promise<void> | undefined {
    if (this.callbacks.length === 0) return undefined;
    const observed = new Map<string, { attributes: Attributes | undefined; value: number }>();
    const result = {
      observe: (value: number, attributes?: Attributes) => {
        if (typeof value !== 'number' || Number.isNaN(value)) return;
        observed.set(attributesKey(attributes), { attributes, value });
      },
    };
    const pending: Promise<void>[] = [];
    for (const cb of this.callbacks) {
      try {
        const r = cb(result);
        if (r && typeof (r as Promise<void>).then === 'function') pending.push((r as Promise<void>).catch(() => undefined));
      } catch (e) {
        this.provider.diag?.debug(`metric ${this.descriptor.name}: a callback failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const apply = () => {
      for (const store of this.stores) {
        for (const { attributes, value } of observed.values()) {
          const acc = store.get(sortedKeys(attributes), attributes);
          acc.reset();
          acc.record(value);
        }
      }
    };
    if (pending.length === 0) {
      apply();
      return undefined;
    }
    return Promise.all(pending).then(apply);
  }

  /** The data of this instrument for reader `reader`, or undefined when it has no points. */
  collect(reader: number, time: HrTime): MetricData | undefined {
    const store = this.stores[reader];
    if (!store) return undefined;
    const prefs = this.provider.readers[reader]!;
    const d = this.descriptor;
    const observable = d.type.startsWith('observable');
    const temporality = prefs.temporality(d.type);
    const delta = temporality === Temporality.DELTA;
    const startOf = (s: Series) => (delta ? store.lastCollect : s.start);
    const points: unknown[] = [];
    for (const [key, s] of store.series) {
      if (!s.acc.touched) {
        if (delta || observable) {
          if (delta) store.delete(key);
          continue;
        }
      }
      if (s.acc instanceof SumAccumulation) {
        let value = s.acc.value;
        if (observable && delta) {
          const before = store.previous.get(key);
          store.previous.set(key, value);
          value = before === undefined ? value : value - before;
        }
        points.push({ attributes: s.attributes, startTime: startOf(s), time, value });
      } else if (s.acc instanceof LastValueAccumulation) {
        points.push(s.acc.point(s.attributes, s.start, time));
      } else if (s.acc instanceof HistogramAccumulation || s.acc instanceof ExponentialAccumulation) {
        points.push(s.acc.point(s.attributes, startOf(s), time, true));
      }
      // Delta: what was reported is gone. Observable: the next callbacks observe afresh.
      if (delta && !observable) s.acc.reset();
      if (observable) s.acc.touched = false;
    }
    store.lastCollect = time;
    if (points.length === 0) return undefined;
    switch (d.type) {
      case 'counter':
      case 'observableCounter':
      case 'upDownCounter':
      case 'observableUpDownCounter':
        return {
          descriptor: d,
          kind: 'sum',
          temporality,
          isMonotonic: d.type === 'counter' || d.type === 'observableCounter',
          points: points as never,
        };
      case 'gauge':
      case 'observableGauge':
        return { descriptor: d, kind: 'gauge', points: points as never };
      case 'histogram':
        return prefs.exponentialHistograms
          ? { descriptor: d, kind: 'exponentialHistogram', temporality, points: points as never }
          : { descriptor: d, kind: 'histogram', temporality, points: points as never };
    }
  }
}

const NOOP_SYNC = Object.freeze({ add() {}, record() {} });
const NOOP_OBSERVABLE = Object.freeze({ addCallback() {}, removeCallback() {} });

/** The instrument behind each observable a meter handed out, for batch callbacks. */
const observableStates = new WeakMap<object, InstrumentState>();

/**
 * A batch callback, run once per collection and turned into one callback per instrument it
 * observes. A collection runs every instrument's callbacks in one synchronous pass (`collect`,
 * `collectSync`): the first of them runs the batch callback, the others of that pass take their
 * share of its observations, and the next pass runs it again.
 */
class BatchObservation {
  private run: { readonly observed: Map<InstrumentState, [number, Attributes | undefined][]>; done?: Promise<void> } | undefined;
  readonly perInstrument = new Map<InstrumentState, Callback>();

  constructor(
    readonly callback: BatchCallback,
    readonly states: ReadonlySet<InstrumentState>,
    private readonly diag: Diag | undefined,
  ) {
    for (const state of states) this.perInstrument.set(state, (result) => this.deliver(state, result));
  }

  /** What instrument `state`'s callback does: hands on its share of this pass's observations. */
  private deliver(state: InstrumentState, result: Parameters<Callback>[0]): void | Promise<void> {
    const run = this.current();
    const put = () => {
      for (const [value, attributes] of run.observed.get(state) ?? []) result.observe(value, attributes);
    };
    if (!run.done) return put();
    return run.done.then(put);
  }

  /** The observations of this pass: the batch callback runs on the pass's first call. */
  private current(): NonNullable<BatchObservation['run']> {
    if (this.run) return this.run;
    const run: NonNullable<BatchObservation['run']> = { observed: new Map() };
    this.run = run;
    queueMicrotask(() => {
      if (this.run === run) this.run = undefined;
    });
    const result = {
      observe: (observable: object, value: number, attributes?: Attributes) => {
        const state = observable && typeof observable === 'object' ? observableStates.get(observable) : undefined;
        // Instruments the callback was not registered with are not its to observe.
        if (!state || !this.states.has(state)) return;
        let list = run.observed.get(state);
        if (!list) run.observed.set(state, (list = []));
        list.push([value, attributes]);
      },
    };
    const failed = (e: unknown) => this.diag?.debug(`a batch observable callback failed: ${e instanceof Error ? e.message : String(e)}`);
    try {
      const r = this.callback(result);
      if (r && typeof (r as Promise<void>).then === 'function') run.done = (r as Promise<void>).then(() => undefined, failed);
    } catch (e) {
      failed(e);
    }
    return run;
  }
}

/** The instruments behind `observables` (those this engine made; anything else is left out). */
function statesOf(observables: readonly object[]): Set<InstrumentState> {
  const states = new Set<InstrumentState>();
  if (!Array.isArray(observables)) return states;
  for (const o of observables) {
    const state = o && typeof o === 'object' ? observableStates.get(o) : undefined;
    if (state) states.add(state);
  }
  return states;
}

/** A meter: the instruments of one instrumentation scope. Its API is @opentelemetry/api's Meter. */
export class Meter {
  readonly instruments = new Map<string, InstrumentState>();
  private readonly batches: BatchObservation[] = [];

  constructor(
    private readonly provider: MeterProvider,
    readonly scope: InstrumentationScope,
  ) {}

  private instrument(name: string, type: InstrumentType, options: InstrumentOptions | undefined): InstrumentState | undefined {
    if (typeof name !== 'string' || !INSTRUMENT_NAME.test(name)) {
      this.provider.diag?.warn(`metric instrument name ${JSON.stringify(name)} is not valid (a letter, then up to 254 of letters, digits, _ . - /): ignored`);
      return undefined;
    }
    const id = name.toLowerCase();
    const existing = this.instruments.get(id);
    if (existing) {
      if (existing.descriptor.type === type) return existing;
      this.provider.diag?.warn(`metric ${name} is already a ${existing.descriptor.type} in meter ${this.scope.name}: the ${type} is ignored`);
      return undefined;
    }
    const valueType = options?.valueType === 'int' || options?.valueType === 0 ? 'int' : 'double';
    const descriptor: MetricDescriptor = {
      name,
      description: typeof options?.description === 'string' ? options.description : '',
      unit: typeof options?.unit === 'string' ? options.unit : '',
      type,
      valueType,
    };
    const advice = options?.advice?.explicitBucketBoundaries;
    const boundaries =
      Array.isArray(advice) && advice.every((b, i) => typeof b === 'number' && (i === 0 || b > advice[i - 1]!)) ? advice.slice() : DEFAULT_BOUNDARIES;
    const state = new InstrumentState(descriptor, boundaries, this.provider);
    this.instruments.set(id, state);
    return state;
  }

  private sync(name: string, type: InstrumentType, options?: InstrumentOptions) {
    const state = this.instrument(name, type, options);
    if (!state) return NOOP_SYNC;
    const record = (value: number, attributes?: Attributes) => state.record(value, attributes);
    return { add: record, record };
  }

  private observable(name: string, type: InstrumentType, options?: InstrumentOptions) {
    const state = this.instrument(name, type, options);
    if (!state) return NOOP_OBSERVABLE;
    const observable = {
      addCallback: (cb: Callback) => {
        if (typeof cb === 'function' && !state.callbacks.includes(cb)) state.callbacks.push(cb);
      },
      removeCallback: (cb: Callback) => {
        const i = state.callbacks.indexOf(cb);
        if (i >= 0) state.callbacks.splice(i, 1);
      },
    };
    observableStates.set(observable, state);
    return observable;
  }

  private findBatch(callback: BatchCallback, states: ReadonlySet<InstrumentState>): number {
    return this.batches.findIndex((b) => b.callback === callback && b.states.size === states.size && [...states].every((s) => b.states.has(s)));
  }

  /**
   * Registers a callback that observes several observable instruments (made by this engine) in
   * one go, once per collection. The same callback with the same instruments is registered once.
   */
  addBatchObservableCallback(callback: BatchCallback, observables: readonly object[]): void {
    if (typeof callback !== 'function') return;
    const states = statesOf(observables);
    if (states.size === 0 || this.findBatch(callback, states) >= 0) return;
    const batch = new BatchObservation(callback, states, this.provider.diag);
    this.batches.push(batch);
    for (const [state, cb] of batch.perInstrument) state.callbacks.push(cb);
  }

  /** Undoes `addBatchObservableCallback` with the same callback and instruments. */
  removeBatchObservableCallback(callback: BatchCallback, observables: readonly object[]): void {
    const i = this.findBatch(callback, statesOf(observables));
    if (i < 0) return;
    const [batch] = this.batches.splice(i, 1);
    for (const [state, cb] of batch!.perInstrument) {
      const at = state.callbacks.indexOf(cb);
      if (at >= 0) state.callbacks.splice(at, 1);
    }
  }

  createCounter(name: string, options?: InstrumentOptions): { add(value: number, attributes?: Attributes): void } {
    return this.sync(name, 'counter', options);
  }
  createUpDownCounter(name: string, options?: InstrumentOptions): { add(value: number, attributes?: Attributes): void } {
    return this.sync(name, 'upDownCounter', options);
  }
  createHistogram(name: string, options?: InstrumentOptions): { record(value: number, attributes?: Attributes): void } {
    return this.sync(name, 'histogram', options);
  }
  createGauge(name: string, options?: InstrumentOptions): { record(value: number, attributes?: Attributes): void } {
    return this.sync(name, 'gauge', options);
  }
  createObservableCounter(name: string, options?: InstrumentOptions) {
    return this.observable(name, 'observableCounter', options);
  }
  createObservableUpDownCounter(name: string, options?: InstrumentOptions) {
    return this.observable(name, 'observableUpDownCounter', options);
  }
  createObservableGauge(name: string, options?: InstrumentOptions) {
    return this.observable(name, 'observableGauge', options);
  }
}

export interface MeterProviderOptions {
  readonly resource: Resource;
  readonly diag?: Diag;
}

/**
 * Hands out meters and collects them for its readers. Readers are registered before instruments
 * are made (the agent does so at start); an instrument made earlier gets its store on the first
 * collection of a reader added later.
 */
export class MeterProvider {
  readonly resource: Resource;
  readonly diag: Diag | undefined;
  readonly readers: ReaderPreferences[] = [];
  readonly startTime: HrTime = now();
  private readonly meters = new Map<string, Meter>();

  constructor(options: MeterProviderOptions) {
    this.resource = options.resource;
    this.diag = options.diag;
  }

  /** Registers a reader; returns its index, which `collect` takes. */
  addReader(preferences: ReaderPreferences): number {
    this.readers.push(preferences);
    return this.readers.length - 1;
  }

  /** Whether any reader collects: when none does, instrumentations need not record. */
  get active(): boolean {
    return this.readers.length > 0;
  }

  getMeter(name: string, version?: string, options?: { schemaUrl?: string }): Meter {
    const key = `${name}@${version ?? ''}@${options?.schemaUrl ?? ''}`;
    let meter = this.meters.get(key);
    if (!meter) {
      meter = new Meter(this, {
        name: typeof name === 'string' && name ? name : 'unknown',
        ...(version ? { version } : {}),
        ...(options?.schemaUrl ? { schemaUrl: options.schemaUrl } : {}),
      });
      this.meters.set(key, meter);
    }
    return meter;
  }

  /** Collects for reader `reader`, after running the observable instruments' callbacks. */
  async collect(reader: number): Promise<ResourceMetrics> {
    const pending: Promise<void>[] = [];
    for (const meter of this.meters.values()) {
      for (const state of meter.instruments.values()) {
        const p = state.observe();
        if (p) pending.push(p);
      }
    }
    if (pending.length) await Promise.all(pending);
    return this.gather(reader);
  }

  /**
   * Collects without waiting for asynchronous callbacks (their results count when they have
   * settled by then): for the last collection at process.exit, when nothing asynchronous runs.
   */
  collectSync(reader: number): ResourceMetrics {
    for (const meter of this.meters.values()) for (const state of meter.instruments.values()) void state.observe();
    return this.gather(reader);
  }

  private gather(reader: number): ResourceMetrics {
    const time = now();
    const scopeMetrics: ScopeMetrics[] = [];
    for (const meter of this.meters.values()) {
      const metrics: MetricData[] = [];
      for (const state of meter.instruments.values()) {
        if (!state.stores[reader]) state.addStore(reader);
        const data = state.collect(reader, time);
        if (data) metrics.push(data);
      }
      if (metrics.length) scopeMetrics.push({ scope: meter.scope, metrics });
    }
    return { resource: this.resource, scopeMetrics };
  }
}

/** What instrumentations use of a meter. */
export interface MeterLike {
  createCounter(name: string, options?: InstrumentOptions): { add(value: number, attributes?: Attributes): void };
  createUpDownCounter(name: string, options?: InstrumentOptions): { add(value: number, attributes?: Attributes): void };
  createHistogram(name: string, options?: InstrumentOptions): { record(value: number, attributes?: Attributes): void };
  createGauge(name: string, options?: InstrumentOptions): { record(value: number, attributes?: Attributes): void };
  createObservableCounter(name: string, options?: InstrumentOptions): { addCallback(cb: Callback): void; removeCallback(cb: Callback): void };
  createObservableUpDownCounter(name: string, options?: InstrumentOptions): { addCallback(cb: Callback): void; removeCallback(cb: Callback): void };
  createObservableGauge(name: string, options?: InstrumentOptions): { addCallback(cb: Callback): void; removeCallback(cb: Callback): void };
  addBatchObservableCallback(callback: BatchCallback, observables: readonly object[]): void;
  removeBatchObservableCallback(callback: BatchCallback, observables: readonly object[]): void;
}

/** A meter whose instruments record nothing: no metrics reader is configured. */
export const NOOP_METER: MeterLike = Object.freeze({
  createCounter: () => NOOP_SYNC,
  createUpDownCounter: () => NOOP_SYNC,
  createHistogram: () => NOOP_SYNC,
  createGauge: () => NOOP_SYNC,
  createObservableCounter: () => NOOP_OBSERVABLE,
  createObservableUpDownCounter: () => NOOP_OBSERVABLE,
  createObservableGauge: () => NOOP_OBSERVABLE,
  addBatchObservableCallback: () => undefined,
  removeBatchObservableCallback: () => undefined,
});
