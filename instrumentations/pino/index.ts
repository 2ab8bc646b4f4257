/**
 * pino 7 to 10: the active span's ids in the program's own output, and a log record for every line
 * a logger writes. pino's module is its factory, so the program gets a wrapper that fits each new
 * logger with pino's own extension points:
 *
 * - a `mixin` that adds `trace_id`, `span_id` and `trace_flags` (the names the OpenTelemetry pino
 *   instrumentation writes) inside a span, composed with the program's own mixin;
 * - a stream next to the program's destination, joined to it with `pino.multistream`, that turns
 *   the line pino wrote into a record. Records are made from the finished line, after serializers,
 *   formatters, redaction and `hooks.streamWrite`, so nothing pino keeps out of the output (a
 *   redacted secret) is ever exported. pino writes synchronously inside the program's log call,
 *   so the record takes the trace of the span active at that call.
 *
 * With pino's `nestedKey`, pino writes the mixin's fields, ours included, under that key (as with
 * the OpenTelemetry instrumentation); a line in a span that logs no object then gets that key with
 * the trace fields alone. The stream next to the destination forwards `flush`, which
 * pino.multistream lacks, and the factory hands pino the program's file for resolving transport
 * targets, which pino would otherwise look for from this wrapper's file.
 *
 * Loggers made while the instrumentation is disabled are left as they are; loggers made before
 * check `isEnabled` on every line and pass through while it is off.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Instrumentation, InstrumentationContext, PatchInfo } from '../../src/instrumentation/types';
import { severityOfNumber, traceFields } from '../log-common';

type AnyFn = (...args: unknown[]) => unknown;
type Factory = AnyFn & Record<PropertyKey, unknown>;
type Logger = Record<PropertyKey, unknown>;

interface DestinationLike {
  write(line: string): unknown;
  flush?: (cb?: unknown) => unknown;
}

interface PinoSymbols {
  readonly streamSym: symbol;
  readonly mixinSym: symbol;
  readonly messageKeySym: symbol;
  readonly timeSym: symbol;
  readonly nestedKeySym?: symbol;
  /** How a mixin's fields and the logged object are merged; not in pino 7.0. */
  readonly mixinMergeStrategySym?: symbol;
}

/** What the patch reads from the module once, for every logger the factory makes. */
interface PinoApi {
  readonly symbols: PinoSymbols;
  readonly multistream: ((streams: unknown[]) => DestinationLike & Logger) | undefined;
  readonly epochTime: unknown;
  readonly isoTime: unknown;
  /** Whether `pino.transport` takes a list of caller files (pino/lib/caller.js) or just one. */
  readonly callerList: boolean;
}

/** Set by pino (and pino.multistream) on a destination so marked: the level and logger of the line. */
const METADATA = Symbol.for('pino.metadata');

/**
 * What the trace-fields mixin returns when it has nothing to add and the program gave no mixin.
 * The merge strategy installed with it recognises it and hands pino the program's own object,
 * so a line outside any span is built from exactly what it would be built from without us.
 */
const NO_FIELDS: Record<string, unknown> = {};

function isObject(value: unknown): value is Record<PropertyKey, unknown> {
  return value !== null && typeof value === 'object';
}

// -- trace ids in the program's output ---------------------------------------------------------

function addTraceFields(logger: Logger, ctx: InstrumentationContext, api: PinoApi): void {
  const { mixinSym, mixinMergeStrategySym } = api.symbols;
  const programMixin = logger[mixinSym] as AnyFn | undefined;
  if (programMixin && typeof programMixin !== 'function') return; // pino has thrown already
  // A pino without merge strategies (7.0) copies the logged object into whatever the mixin
  // returns: a fresh object then, never the shared NO_FIELDS.
  const strategy = mixinMergeStrategySym !== undefined && !programMixin;
  const empty = strategy ? () => NO_FIELDS : () => ({});

  const mixin = function (this: unknown): unknown {
    // The program's mixin runs as it always did, outside our guard: its errors are its own.
    // eslint-disable-next-line prefer-rest-params
    const own = programMixin ? programMixin.apply(this, arguments as unknown as unknown[]) : empty();
    if (!ctx.isEnabled()) return own;
    let fields: Record<string, unknown> | undefined;
    try {
      fields = traceFields(ctx) as Record<string, unknown> | undefined;
    } catch {
      fields = undefined;
    }
    if (!fields) return own;
    if (!programMixin) return fields;
    // A mixin that returns something odd gets pino's own reaction to it, not ours.
    if (!isObject(own)) return own;
    // A new object: the program's mixin may hand out one it keeps. The program's fields win.
    return Object.assign(fields, own);
  };
  if (strategy) {
    // pino's default strategy, except that NO_FIELDS leaves the logged object untouched. A
    // strategy the program gave without a mixin was never called by pino, and is not now either.
    logger[mixinMergeStrategySym!] = function (mergeObject: unknown, mixinObject: unknown): unknown {
      return mixinObject === NO_FIELDS ? mergeObject : Object.assign(mixinObject as object, mergeObject);
    };
  }
  logger[mixinSym] = mixin;
}

// -- records from the written line --------------------------------------------------------------

/** How a logger writes `time`, known from its time function: pino's own ones are exact. */
const TIME_UNKNOWN = 0;
const TIME_EPOCH_MILLIS = 1;
const TIME_ISO = 2;
type TimeFormat = typeof TIME_UNKNOWN | typeof TIME_EPOCH_MILLIS | typeof TIME_ISO;

/**
 * Receives every line beside the program's destination. pino.multistream sets the `last*` fields
 * before each write because the prototype carries pino's metadata mark.
 */
class RecordStream {
  lastLevel: unknown = undefined;
  lastLogger: unknown = undefined;
  lastMsg: unknown = undefined;
  lastObj: unknown = undefined;
  lastTime: unknown = undefined;

  constructor(
    private readonly ctx: InstrumentationContext,
    /** The logger the factory made; children share its message key and time function. */
    private readonly root: Logger,
    private readonly messageKey: string,
    private readonly nestedKey: string | undefined,
    private readonly time: TimeFormat,
  ) {}

  write(line: unknown): void {
    const level = this.lastLevel;
    const logger = this.lastLogger;
    // The stream lives as long as the logger: it must not keep the program's last objects alive.
    this.lastLogger = this.lastObj = this.lastMsg = undefined;
    if (!this.ctx.isEnabled()) return;
    try {
      this.send(line, level, isObject(logger) ? logger : this.root);
    } catch (e) {
      this.ctx.diag.once('pino:record', 'debug', `a pino line was not exported: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private send(line: unknown, lastLevel: unknown, logger: Logger): void {
    const fields: unknown = JSON.parse(line as string);
    // hooks.streamWrite may have made the line anything; only a JSON object is a pino record.
    if (!isObject(fields) || Array.isArray(fields)) return;
    // The level pino passed along, not the line's `level`, which formatters.level may have renamed
    // or turned into a label.
    const level = typeof lastLevel === 'number' ? lastLevel : typeof fields.level === 'number' ? fields.level : NaN;
    const levels = logger.levels as { labels?: Record<number, unknown> } | undefined;
    const label = levels?.labels?.[level];
    this.ctx.logs.logger.emit({
      timestamp: this.timestampOf(fields.time),
      severityNumber: severityOfNumber(level),
      severityText: typeof label === 'string' ? label : undefined,
      body: fields[this.messageKey],
      attributes: this.attributesOf(fields),
    });
  }

  /**
   * The line's fields but the message, level, time and trace fields. Copied rather than deleted
   * from the parsed line: a copy keeps V8's fast object shape and costs less than the deletes.
   */
  private attributesOf(fields: Record<string, unknown>): Record<string, unknown> {
    const { messageKey, nestedKey } = this;
    const attributes: Record<string, unknown> = {};
    for (const key of Object.keys(fields)) {
      if (key === messageKey || key === 'level' || key === 'time' || isTraceField(key)) continue;
      let value = fields[key];
      // With pino's nestedKey, the mixin's fields (ours too) are written under that key.
      if (key === nestedKey && isObject(value) && !Array.isArray(value)) {
        value = withoutTraceFields(value);
        if (value === undefined) continue;
      }
      setField(attributes, key, value);
    }
    return attributes;
  }

  /** Epoch milliseconds when the logger's time function is one whose output is exact; else unset. */
  private timestampOf(time: unknown): number | undefined {
    if (this.time === TIME_EPOCH_MILLIS) return typeof time === 'number' && Number.isFinite(time) ? time : undefined;
    if (this.time === TIME_ISO && typeof time === 'string') {
      const ms = Date.parse(time);
      return Number.isFinite(ms) ? ms : undefined;
    }
    return undefined;
  }

  /** multistream's end() ends every stream it holds; there is nothing of ours to end. */
  end(): void {}
}
Object.defineProperty(RecordStream.prototype, METADATA, { value: true });

function isTraceField(key: string): boolean {
  return key === 'trace_id' || key === 'span_id' || key === 'trace_flags';
}

/** A copy of `map` without the trace fields; undefined when nothing else is left. */
function withoutTraceFields(map: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let kept = false;
  for (const key of Object.keys(map)) {
    if (isTraceField(key)) continue;
    setField(out, key, map[key]);
    kept = true;
  }
  return kept ? out : undefined;
}

/** A JSON line may have a `__proto__` field; as a plain assignment it would set the prototype. */
function setField(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  else o[key] = value;
}

function addRecordStream(logger: Logger, ctx: InstrumentationContext, api: PinoApi): void {
  const { streamSym, messageKeySym, nestedKeySym, timeSym } = api.symbols;
  const destination = logger[streamSym] as DestinationLike | undefined;
  if (!api.multistream || !isObject(destination) || typeof destination.write !== 'function') return;
  const messageKey = typeof logger[messageKeySym] === 'string' ? (logger[messageKeySym] as string) : 'msg';
  const nestedKey = nestedKeySym !== undefined && typeof logger[nestedKeySym] === 'string' ? (logger[nestedKeySym] as string) : undefined;
  const timeFn = logger[timeSym];
  const time = timeFn === api.epochTime ? TIME_EPOCH_MILLIS : timeFn === api.isoTime ? TIME_ISO : TIME_UNKNOWN;
  const records = new RecordStream(ctx, logger, messageKey, nestedKey, time);
  // -Infinity: every line reaches both streams, whatever the levels (custom ones, `levelComparison`).
  const tee = api.multistream([
    { level: -Infinity, stream: destination },
    { level: -Infinity, stream: records },
  ]);
  // multistream has flushSync and end, but no flush: logger.flush() must still reach an
  // asynchronous destination (pino.destination({ sync: false }), a transport). Only when the
  // destination has one, as pino tests with `'flush' in stream` (pino 7) before calling it.
  if ('flush' in destination && !('flush' in tee)) {
    tee.flush = function flush(cb?: unknown) {
      return (destination.flush as AnyFn).call(destination, cb);
    };
  }
  logger[streamSym] = tee;
}

// -- the factory --------------------------------------------------------------------------------

/**
 * pino resolves a transport target (`pino({ transport: { target: './t.js' } })`) from the file that
 * called it, found on the stack: with this wrapper in between, that would be our file. Those
 * options get, as `caller`, the files pino would have found without us; the program's objects are
 * copied, never changed. Undefined when there is nothing to do.
 */
function withTransportCaller(args: unknown[], api: PinoApi, wrapper: AnyFn): unknown[] | undefined {
  const opts = args[0];
  if (!isObject(opts)) return undefined;
  const transport = opts.transport;
  if (!isObject(transport) || 'caller' in transport || typeof transport.write === 'function') return undefined;
  const files = callerFiles(wrapper);
  if (files.length === 0) return undefined;
  const copy = (o: object) => Object.assign(Object.create(Object.getPrototypeOf(o)) as object, o) as Record<string, unknown>;
  const nextTransport = copy(transport);
  nextTransport.caller = api.callerList ? files : files[0];
  const nextOpts = copy(opts);
  nextOpts.transport = nextTransport;
  return [nextOpts, ...args.slice(1)];
}

/** The files on the stack above `fn`'s frame, nearest first. */
function callerFiles(fn: AnyFn): string[] {
  const prepare = Error.prepareStackTrace;
  const holder: { stack?: unknown } = {};
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    Error.captureStackTrace(holder, fn);
    const frames = holder.stack;
    if (!Array.isArray(frames)) return [];
    const files: string[] = [];
    for (const frame of frames as NodeJS.CallSite[]) {
      const file = frame.getFileName();
      if (typeof file === 'string' && file) files.push(file);
    }
    return files;
  } finally {
    Error.prepareStackTrace = prepare;
  }
}

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function patch(exports: unknown, ctx: InstrumentationContext, info: PatchInfo): unknown {
  const original = exports as Factory;
  if (typeof original !== 'function') throw new TypeError('pino does not export a function');
  const symbols = original.symbols as PinoSymbols | undefined;
  if (!isObject(symbols) || typeof symbols.streamSym !== 'symbol' || typeof symbols.mixinSym !== 'symbol') {
    throw new TypeError('pino.symbols is missing');
  }
  const times = (original.stdTimeFunctions ?? {}) as Record<string, unknown>;
  const api: PinoApi = {
    symbols,
    multistream: typeof original.multistream === 'function' ? (original.multistream as PinoApi['multistream']) : undefined,
    epochTime: times.epochTime,
    isoTime: times.isoTime,
    callerList: info.baseDir !== undefined && existsSync(join(info.baseDir, 'lib', 'caller.js')),
  };
  const { logs } = ctx;

  const wrapped = function pino(this: unknown, ...args: unknown[]): unknown {
    // The caller fix is for this wrapper's own frame, so it applies even while disabled.
    let callArgs = args;
    try {
      callArgs = withTransportCaller(args, api, wrapped) ?? args;
    } catch (e) {
      ctx.diag.debug(`transport caller not set: ${describeError(e)}`);
    }
    const logger = original.apply(this, callArgs) as Logger;
    if (!ctx.isEnabled() || (!logs.correlation && !logs.sending) || !isObject(logger)) return logger;
    try {
      if (logs.correlation) addTraceFields(logger, ctx, api);
    } catch (e) {
      ctx.diag.debug(`trace ids not added to a logger: ${describeError(e)}`);
    }
    try {
      if (logs.sending) addRecordStream(logger, ctx, api);
    } catch (e) {
      ctx.diag.debug(`records not sent for a logger: ${describeError(e)}`);
    }
    return logger;
  } as Factory;

  for (const key of Reflect.ownKeys(original)) {
    if (key === 'prototype' || key === 'arguments' || key === 'caller') continue;
    const d = Object.getOwnPropertyDescriptor(original, key);
    if (d) Object.defineProperty(wrapped, key, d);
  }
  // The other ways to the factory: require('pino').pino and .default (TypeScript, ESM named import).
  if (original.pino === original) wrapped.pino = wrapped;
  if (original.default === original) wrapped.default = wrapped;
  return wrapped;
}

const instrumentation: Instrumentation = {
  id: 'pino',
  targets: [{ module: 'pino', versions: '>=7 <11', patch }],
};

export default instrumentation;
