/**
 * winston 3: trace ids in the program's own output (log correlation) and one exported log record
 * per entry the logger emits (log sending), for every logger — `createLogger`'s, the default one
 * behind `winston.info()`, children, `Container`s — made before or after the patch.
 *
 * A logger is an object-mode Transform stream: `write(info)` takes an entry, `_transform` runs the
 * logger's format on it and `push`es the result, and the transports are the streams piped from
 * it. Three wraps on `Logger.prototype` follow an entry through that:
 *
 * - `write`, called synchronously by every log method (a child's `write` ends in its parent's):
 *   adds the trace fields to the entry before any format sees it, and notes the context active at
 *   the call, since the rest of the pipeline may run later (a buffering logger transforms entries
 *   when its transports drain).
 * - `_transform` and `push`: the entry the logger's format pushed is the one every transport
 *   receives, and it is exported from there, with the context noted at the call. The format may
 *   have made a new object (`format.errors()` does for an Error), so the link is made between
 *   the `_transform` call and the `push` it makes, not by the entry's identity.
 *
 * Why not a transport of our own, as the OpenTelemetry winston instrumentation adds? The default
 * logger is made while winston loads, before the hook sees its exports, so it would have none;
 * and a piped stream is visible to the program: in `logger.transports` (a non-configurable
 * getter), in `isLevelEnabled()` and `getHighestLogLevel()`, in the "no transports" warning it
 * would silence, in `clear()`, `configure()` and `close()`, which unpipe it, and in `end()`, which
 * waits for it to finish. Exporting at `push` acts as a transport with no level of its own would,
 * without being one: an entry is exported when the logger's level lets it through (the test
 * winston-transport makes), a `silent` logger exports nothing, an entry a format dropped is not
 * exported, and uncaught exceptions and unhandled rejections the logger handles are.
 */
import type { Context } from '../../src/context/context';
import type { Instrumentation, InstrumentationContext, PatchInfo } from '../../src/instrumentation/types';
import { SeverityNumber } from '../../src/logs/types';
import { join } from 'node:path';
import { severityOfName, traceFields, type TraceFields } from '../log-common';

type AnyFn = (...args: unknown[]) => unknown;

/** triple-beam's keys, which winston, logform and winston-transport share through `Symbol.for`. */
const LEVEL = Symbol.for('level');

interface Entry {
  [field: string]: unknown;
  [LEVEL]?: unknown;
  level?: unknown;
  message?: unknown;
  trace_id?: unknown;
  span_id?: unknown;
  trace_flags?: unknown;
}

interface WinstonLogger {
  level?: unknown;
  levels?: unknown;
}

interface LoggerProto {
  write: AnyFn;
  _transform: AnyFn;
  push: AnyFn;
}

/** What the call left for the rest of the pipeline: its context, and when it was made. */
interface Call {
  readonly context: Context;
  readonly time: number;
}

// An ANSI SGR sequence: `format.colorize({ message: true })` wraps the message in them.
const SGR = /\u001b\[[0-9;]*m/g;

const HEX = /^[0-9a-f]*$/;
const isHex = (value: unknown, length: number): boolean => typeof value === 'string' && value.length === length && HEX.test(value);

function isLoggerClass(value: unknown): value is { prototype: LoggerProto } {
  const proto = (value as { prototype?: Partial<LoggerProto> } | null | undefined)?.prototype;
  return typeof proto?._transform === 'function' && typeof proto.write === 'function' && typeof proto.push === 'function';
}

/**
 * winston's Logger class. Exported as `winston.Logger` since 3.2; in 3.0 and 3.1 that name is a
 * getter that only throws a "moved" notice, and the class is reached by its file, which has not
 * moved in 3.x.
 */
function loggerClass(exports: unknown, info: PatchInfo): { prototype: LoggerProto } {
  const e = exports as { Logger?: unknown; default?: { Logger?: unknown } } | null | undefined;
  for (const candidate of [e?.Logger, e?.default?.Logger]) if (isLoggerClass(candidate)) return candidate;
  if (!info.baseDir) throw new TypeError('winston: Logger not found');
  const fromFile = require(join(info.baseDir, 'lib', 'winston', 'logger.js')) as unknown;
  if (!isLoggerClass(fromFile)) throw new TypeError('winston: lib/winston/logger.js is not the Logger class');
  return fromFile;
}

/**
 * Severity numbers for every level of a winston `levels` set (a name → rank map, 0 the most
 * important). A name the data model knows keeps its number. A custom one is placed by its rank,
 * next to the nearest known level less important than it: `{ error: 0, audit: 1, warn: 2 }` makes
 * `audit` WARN2, one above `warn`, short of `error`. A custom level less important than every known
 * one is placed just below the least important of them; a set with no known name at all gives
 * UNSPECIFIED, since ranks alone say nothing of how severe a level is.
 */
function severities(levels: Readonly<Record<string, unknown>>): Map<string, number> {
  interface Level {
    readonly name: string;
    readonly rank: number;
    readonly severity: number;
  }
  const all: Level[] = [];
  for (const name of Object.keys(levels)) {
    const rank = levels[name];
    if (typeof rank === 'number' && Number.isFinite(rank)) all.push({ name, rank, severity: severityOfName(name) });
  }
  const known = all.filter((l) => l.severity !== SeverityNumber.UNSPECIFIED);
  const table = new Map<string, number>();
  for (const level of all) {
    let severity = level.severity;
    if (severity === SeverityNumber.UNSPECIFIED) {
      let less: Level | undefined; // the nearest known level as important as this one or less
      let more: Level | undefined; // the nearest known level more important than this one
      for (const k of known) {
        if (k.rank >= level.rank) {
          if (!less || k.rank < less.rank) less = k;
        } else if (!more || k.rank > more.rank) {
          more = k;
        }
      }
      if (less && less.rank === level.rank) severity = less.severity;
      else if (less) severity = more && less.severity + 1 >= more.severity ? less.severity : Math.min(less.severity + 1, 24);
      else if (more) severity = Math.max(more.severity - 1, 1);
    }
    table.set(level.name, severity);
  }
  return table;
}

function patch(exports: unknown, ctx: InstrumentationContext, info: PatchInfo): void {
  const proto = loggerClass(exports, info).prototype;

  const { correlation, sending, logger } = ctx.logs;
  // Nothing to add and nothing to send: winston is left exactly as it is, with no cost per entry.
  if (!correlation && !sending) return;
  const { contextManager } = ctx.trace;

  // Most entries are logged in the span of the one before: its ids are formatted once.
  let lastSpanContext: object | undefined;
  let lastIds: TraceFields | undefined;

  /**
   * Adds the active span's ids to the entry. Ids already there are the program's (from a child
   * logger's metadata, say) and kept: never two sets of ids in one line. Unless they have the very
   * form of ours: winston hands the program's own object down the pipeline (`logger.info(entry)`),
   * and one logged again in another span must show that span. Outside a span nothing is touched,
   * so such an object logged once inside and once after keeps the earlier ids: telling them from
   * the program's would take a note per entry (a WeakMap), a third of what correlation costs per
   * call, for a rare pattern the OpenTelemetry instrumentation leaves alone too.
   */
  function correlate(entry: Entry): void {
    const sc = ctx.trace.getSpan(contextManager.active())?.spanContext();
    if (sc === undefined) return;
    if (sc !== lastSpanContext) {
      lastIds = traceFields(ctx);
      lastSpanContext = sc;
    }
    const ids = lastIds;
    if (ids === undefined) return;
    if (entry.trace_id !== undefined || entry.span_id !== undefined || entry.trace_flags !== undefined) {
      if (!(isHex(entry.trace_id, 32) && isHex(entry.span_id, 16) && isHex(entry.trace_flags, 2))) return;
    }
    entry.trace_id = ids.trace_id;
    entry.span_id = ids.span_id;
    entry.trace_flags = ids.trace_flags;
  }

  /** What each call noted, by the entry it wrote, for an entry the logger transforms later. */
  const calls = new WeakMap<object, Call>();
  // The write in progress. Most often the logger transforms the entry before `write` returns: the
  // call is handed over here, and the map above is only for entries the logger buffers. Saved and
  // restored around each write: a transport may log while it takes an entry.
  let writingStream: unknown;
  let writingEntry: object | undefined;
  let writingCall: Call | undefined;

  ctx.shimmer.wrap(proto, 'write', (original: AnyFn) =>
    // `arguments` rather than fixed parameters: what the caller passed reaches the stream as it was.
    function write(this: unknown, entry: unknown) {
      if (!ctx.isEnabled() || entry === null || typeof entry !== 'object') return original.apply(this, arguments as unknown as unknown[]);
      let call: Call | undefined;
      try {
        if (sending) call = { context: contextManager.active(), time: Date.now() };
        if (correlation) correlate(entry as Entry);
      } catch {
        // A frozen entry, a throwing getter: the entry goes on as the program made it.
      }
      if (call === undefined) return original.apply(this, arguments as unknown as unknown[]);
      const outerStream = writingStream;
      const outerEntry = writingEntry;
      const outerCall = writingCall;
      writingStream = this;
      writingEntry = entry;
      writingCall = call;
      try {
        return original.apply(this, arguments as unknown as unknown[]);
      } finally {
        // Not transformed yet (the transports are behind): the transform will look the call up.
        if (writingCall === call) calls.set(entry, call);
        writingStream = outerStream;
        writingEntry = outerEntry;
        writingCall = outerCall;
      }
    },
  );

  if (!sending) return;

  // Severity numbers by level name, per `levels` object (the npm set is one object for all loggers).
  const tables = new WeakMap<object, Map<string, number>>();

  function severityOf(levels: unknown, name: string): number {
    if (levels && typeof levels === 'object') {
      let table = tables.get(levels);
      if (!table) tables.set(levels, (table = severities(levels as Record<string, unknown>)));
      const severity = table.get(name);
      if (severity !== undefined) return severity;
    }
    return severityOfName(name);
  }

  /** Exports the entry the logger's format made of a call's entry, if the logger's level admits it. */
  function send(stream: WinstonLogger, entry: Entry, call: Call): void {
    // The uncoloured name: `format.colorize()` rewrites `level`, never the LEVEL key.
    const level = typeof entry[LEVEL] === 'string' ? (entry[LEVEL] as string) : entry.level;
    if (typeof level !== 'string') return;
    // The test winston-transport makes for a transport with no level of its own.
    const threshold = stream.level;
    const levels = stream.levels as Record<string, unknown> | undefined;
    if (threshold) {
      const least = levels?.[threshold as string];
      const rank = levels?.[level];
      if (!(typeof least === 'number' && typeof rank === 'number' && least >= rank)) return;
    }

    // The trace fields we added are left out: the record's trace context carries them. A program
    // that set fields of those names to other values keeps them.
    const sc = ctx.trace.getSpan(call.context)?.spanContext();
    const ours = !!sc && entry.trace_id === sc.traceId && entry.span_id === sc.spanId;
    const attributes: Record<string, unknown> = {};
    for (const key of Object.keys(entry)) {
      if (key === 'level' || key === 'message' || (ours && (key === 'trace_id' || key === 'span_id' || key === 'trace_flags'))) continue;
      // A field named `__proto__` stays a field (an assignment would set the prototype).
      if (key === '__proto__') Object.defineProperty(attributes, key, { value: entry[key], writable: true, enumerable: true, configurable: true });
      else attributes[key] = entry[key];
    }
    // An Error logged as the entry itself (`logger.error(err)`) keeps its stack (and cause) as the
    // fields `format.errors()` would have given it; they are not enumerable on the Error.
    if (entry instanceof Error) {
      if (!('stack' in attributes) && entry.stack !== undefined) attributes.stack = entry.stack;
      if (!('cause' in attributes) && (entry as { cause?: unknown }).cause !== undefined) attributes.cause = (entry as { cause?: unknown }).cause;
    }
    let body = entry.message;
    if (typeof body === 'string' && body.includes('\u001b[')) body = body.replace(SGR, '');
    logger.emit({
      timestamp: call.time,
      severityNumber: severityOf(levels, level),
      severityText: level,
      body,
      attributes,
      context: call.context,
    });
  }

  // The call whose entry the logger is transforming, for the `push` that ends the transform. Saved
  // and restored around each transform: a transport may log to another logger while it writes.
  let transforming: object | undefined;
  let pending: Call | undefined;

  ctx.shimmer.wrap(proto, '_transform', (original: AnyFn) =>
    function _transform(this: object, entry: unknown) {
      let call: Call | undefined;
      if (ctx.isEnabled() && entry !== null && typeof entry === 'object') {
        if (entry === writingEntry && this === writingStream) {
          call = writingCall;
          writingCall = undefined;
        } else {
          call = calls.get(entry);
        }
      }
      if (call === undefined) return original.apply(this, arguments as unknown as unknown[]);
      const outerStream = transforming;
      const outerCall = pending;
      transforming = this;
      pending = call;
      try {
        return original.apply(this, arguments as unknown as unknown[]);
      } finally {
        transforming = outerStream;
        pending = outerCall;
      }
    },
  );

  ctx.shimmer.wrap(proto, 'push', (original: AnyFn) =>
    function push(this: object, chunk: unknown) {
      if (transforming === this && pending !== undefined) {
        const call = pending;
        // One record per transform, whatever else pushes while the transports take this one.
        transforming = undefined;
        pending = undefined;
        // A format that drops an entry pushes `false`: nothing is written, nothing is sent.
        if (ctx.isEnabled() && chunk !== null && typeof chunk === 'object') {
          try {
            send(this as WinstonLogger, chunk as Entry, call);
          } catch {
            // A record that cannot be made is lost, never the program's entry.
          }
        }
      }
      return original.apply(this, arguments as unknown as unknown[]);
    },
  );
}

const instrumentation: Instrumentation = {
  id: 'winston',
  targets: [{ module: 'winston', versions: '>=3 <4', patch }],
};

export default instrumentation;
