/**
 * bunyan 1 and 2: trace ids in the program's own JSON lines (log correlation) and one exported
 * log record per record bunyan writes (log sending), both from one wrap of
 * `Logger.prototype._emit`, the method every record of every logger, child or not, goes through
 * on its way to the streams.
 *
 * Why not a raw stream of our own (`addStream({ type: 'raw' })`, as the OpenTelemetry bunyan
 * instrumentation does)? Keeping a stream faithful takes more internals than it saves: it needs
 * the exports replaced by a constructor of ours (`new bunyan()` and `bunyan()` bypass
 * `createLogger`), a guard so that children, which copy or share the parent's streams, do not get
 * a second one, and its level kept equal to the lowest of the program's streams across `level()`
 * and `levels()` calls; added at a lower level it would lower `_level`, bunyan's fast-path check,
 * and make bunyan build records nobody asked for. It would also show in `logger.streams` and
 * `logger.levels()`, and stay in loggers made before a disable. In `_emit`, the question "would
 * some stream of this logger write this record?" is asked of the program's own streams, so the
 * records exported are exactly the ones written, once each, whatever the logger's history.
 *
 * Wrapping `_emit` also keeps the `src` option right: bunyan reads the caller's file and line
 * while it builds the record, before `_emit`, so no frame of ours is in between.
 */
import type { Instrumentation, InstrumentationContext } from '../../src/instrumentation/types';
import { severityOfNumber, traceFields } from '../log-common';

type AnyFn = (...args: unknown[]) => unknown;

interface BunyanRecord {
  [field: string]: unknown;
  level?: unknown;
  msg?: unknown;
  time?: unknown;
}

interface BunyanStream {
  level?: unknown;
}

interface BunyanLogger {
  streams?: unknown;
}

interface BunyanModule {
  prototype?: { _emit?: AnyFn };
  nameFromLevel?: Record<number, string>;
}

// bunyan 1.0 does not export its `nameFromLevel`; its levels have been these six ever since.
const NAME_FROM_LEVEL: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** Whether some stream of `logger` takes a record of `level`: the same test `_emit` makes. */
function written(logger: BunyanLogger, level: number): boolean {
  const streams = logger.streams;
  if (!Array.isArray(streams)) return false;
  for (let i = 0; i < streams.length; i++) {
    const s = streams[i] as BunyanStream | null | undefined;
    if (s && typeof s.level === 'number' && s.level <= level) return true;
  }
  return false;
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function patch(exports: unknown, ctx: InstrumentationContext): void {
  // `import bunyan from 'bunyan'` reaches us as a namespace whose default is the module.exports.
  const Logger = (typeof exports === 'function' ? exports : (exports as { default?: unknown } | null)?.default) as BunyanModule | undefined;
  if (typeof Logger?.prototype?._emit !== 'function') throw new TypeError('bunyan: Logger.prototype._emit not found');

  const { correlation, sending, logger } = ctx.logs;
  // Nothing to add and nothing to send: bunyan is left exactly as it is, with no cost per call.
  if (!correlation && !sending) return;

  const names: Readonly<Record<number, string>> =
    Logger.nameFromLevel && typeof Logger.nameFromLevel === 'object' ? Logger.nameFromLevel : NAME_FROM_LEVEL;

  /**
   * Adds the active span's ids to the record; whether it did. A program that writes ids of its
   * own (from a child logger made per request, say) keeps them: never two sets in one line.
   */
  function inject(rec: BunyanRecord): boolean {
    try {
      const ids = traceFields(ctx);
      if (!ids || rec.trace_id !== undefined || rec.span_id !== undefined || rec.trace_flags !== undefined) return false;
      rec.trace_id = ids.trace_id;
      rec.span_id = ids.span_id;
      rec.trace_flags = ids.trace_flags;
      return true;
    } catch {
      // A record that cannot take them (a frozen one handed to `_emit` directly) goes out without.
      return false;
    }
  }

  /**
   * Exports `rec` when some stream of the logger takes it, as bunyan built it (serializers
   * applied, child fields merged). Called before the streams see the record, so that a raw stream
   * of the program that changes it does not change what is exported, and one that throws does
   * not lose it. The trace fields are left out of the attributes only when we added them (the
   * record's trace context carries them); fields of those names the program set are its data.
   */
  function send(bunyanLogger: BunyanLogger, rec: BunyanRecord, injected: boolean): void {
    try {
      // A `level` field the program passed replaces bunyan's number: no stream takes such a
      // record, and neither do we.
      const level = rec.level;
      if (typeof level !== 'number' || !written(bunyanLogger, level)) return;
      const time = rec.time;
      const dated = isValidDate(time);
      // A null prototype, so that a field named `__proto__` stays a field.
      const attributes: Record<string, unknown> = Object.create(null);
      for (const key of Object.keys(rec)) {
        if (key === 'msg' || key === 'level' || key === 'v' || (key === 'time' && dated)) continue;
        if (injected && (key === 'trace_id' || key === 'span_id' || key === 'trace_flags')) continue;
        attributes[key] = rec[key];
      }
      logger.emit({
        // A `time` field the program passed that is no Date stays an attribute, and the record
        // is dated when it is observed.
        timestamp: dated ? time : undefined,
        severityNumber: severityOfNumber(level),
        severityText: names[level],
        body: rec.msg,
        attributes,
      });
    } catch {
      // A record we cannot read is not exported; the program's streams still get it.
    }
  }

  ctx.shimmer.wrap(Logger.prototype as { _emit: AnyFn }, '_emit', (original: AnyFn) =>
    // `arguments` rather than fixed parameters: what the caller passed reaches bunyan as it was.
    function _emit(this: BunyanLogger, record: unknown, noemit?: unknown) {
      if (!ctx.isEnabled() || !record || typeof record !== 'object') return original.apply(this, arguments as unknown as unknown[]);
      const rec = record as BunyanRecord;
      const injected = correlation && inject(rec);
      // `noemit` asks only for the JSON line (bunyan's DTrace probes): nothing is written, nothing sent.
      if (sending && !noemit) send(this, rec, injected);
      return original.apply(this, arguments as unknown as unknown[]);
    },
  );
}

const instrumentation: Instrumentation = {
  id: 'bunyan',
  targets: [{ module: 'bunyan', versions: '>=1 <3', patch }],
};

export default instrumentation;
