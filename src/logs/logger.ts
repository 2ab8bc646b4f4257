import type { Config } from '../config/settings';
import type { Context } from '../context/context';
import type { ContextManager } from '../context/manager';
import type { Processor } from '../processing/types';
import { getSpanContext, isValidSpanContext } from '../trace/span-context';
import { now, toHrTime } from '../trace/time';
import type { HrTime, InstrumentationScope, Resource } from '../trace/types';
import type { LogRecordInput, LogSpanContext, Logger, ReadableLogRecord } from './types';

export interface LogLimits {
  /** Most attributes kept per record; further new keys are dropped and counted. */
  readonly countLimit: number;
  /** Longest string kept, in attribute values at any depth; Infinity for no limit. */
  readonly valueLengthLimit: number;
}

export function logLimitsFromConfig(config: Config): LogLimits {
  return {
    countLimit: config.OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT ?? config.OTEL_ATTRIBUTE_COUNT_LIMIT,
    valueLengthLimit: config.OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT ?? config.OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT ?? Infinity,
  };
}

/** Deepest nesting copied from a program's value; deeper parts become the string "[…]". */
const MAX_DEPTH = 16;

/**
 * A log value (AnyValue) copied from what a program handed over: strings (truncated to `limit`),
 * finite and non-finite numbers, booleans, bigints as strings, byte arrays, arrays and plain maps;
 * Errors and other objects by their enumerable own fields (an Error's name, message and stack
 * too); functions and symbols dropped. A copy, so that the program may change its objects
 * afterwards; cycles end as "[Circular]".
 */
export function toAnyValue(value: unknown, limit: number, depth = 0, seen?: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
      return value.length > limit ? value.slice(0, limit) : value;
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  if (value instanceof Uint8Array) return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (depth >= MAX_DEPTH) return '[…]';
  const obj = value as object;
  const visited = seen ?? new Set<object>();
  if (visited.has(obj)) return '[Circular]';
  visited.add(obj);
  try {
    if (Array.isArray(obj)) return obj.map((e) => toAnyValue(e, limit, depth + 1, visited) ?? null);
    const out: Record<string, unknown> = {};
    if (obj instanceof Error) {
      out.name = obj.name;
      out.message = toAnyValue(obj.message, limit);
      if (obj.stack) out.stack = toAnyValue(obj.stack, limit);
    }
    for (const key of Object.keys(obj)) {
      const v = toAnyValue((obj as Record<string, unknown>)[key], limit, depth + 1, visited);
      if (v !== undefined) out[key] = v;
    }
    return out;
  } finally {
    visited.delete(obj);
  }
}

/** The exception attributes of the conventions for an Error (or a thrown string). */
function exceptionAttributes(exception: unknown): Record<string, unknown> {
  if (typeof exception === 'string') return { 'exception.message': exception };
  const e = exception as { name?: unknown; message?: unknown; stack?: unknown; constructor?: { name?: unknown } };
  const type = typeof e.name === 'string' && e.name ? e.name : e.constructor?.name;
  return {
    'exception.type': typeof type === 'string' ? type : undefined,
    'exception.message': typeof e.message === 'string' ? e.message : undefined,
    'exception.stacktrace': typeof e.stack === 'string' ? e.stack : undefined,
  };
}

/** Where records go; a LoggerProvider with no processor makes records nobody reads. */
export interface LogSink {
  readonly resource: Resource;
  readonly limits: LogLimits;
  readonly contextManager: ContextManager;
  emitRecord(record: ReadableLogRecord): void;
}

class LogRecordImpl implements ReadableLogRecord {
  constructor(
    readonly timestamp: HrTime | undefined,
    readonly observedTimestamp: HrTime,
    readonly severityNumber: number,
    readonly severityText: string | undefined,
    readonly body: unknown,
    readonly attributes: Readonly<Record<string, unknown>>,
    readonly droppedAttributesCount: number,
    readonly spanContext: LogSpanContext | undefined,
    readonly eventName: string | undefined,
    readonly resource: Resource,
    readonly instrumentationScope: InstrumentationScope,
  ) {}
}

function spanContextOf(context: Context): LogSpanContext | undefined {
  const sc = getSpanContext(context);
  return isValidSpanContext(sc) ? { traceId: sc.traceId, spanId: sc.spanId, traceFlags: sc.traceFlags } : undefined;
}

export class LoggerImpl implements Logger {
  constructor(
    private readonly sink: LogSink,
    readonly scope: InstrumentationScope,
  ) {}

  /**
   * Makes a record of `input`: its values copied within the limits, the trace of `input.context`
   * (or of the active context), the observed time now unless given. Never throws.
   */
  emit(input: LogRecordInput): void {
    try {
      const { limits } = this.sink;
      const attributes: Record<string, unknown> = {};
      let count = 0;
      let dropped = 0;
      const given = input.attributes;
      if (given && typeof given === 'object') {
        for (const key of Object.keys(given)) {
          const value = toAnyValue(given[key], limits.valueLengthLimit);
          if (value === undefined || key === '') continue;
          if (count >= limits.countLimit) {
            dropped++;
            continue;
          }
          count++;
          if (key === '__proto__') Object.defineProperty(attributes, key, { value, writable: true, enumerable: true, configurable: true });
          else attributes[key] = value;
        }
      }
      if (input.exception !== undefined && input.exception !== null) {
        for (const [key, value] of Object.entries(exceptionAttributes(input.exception))) {
          if (value === undefined || key in attributes) continue;
          if (count >= limits.countLimit) {
            dropped++;
            continue;
          }
          count++;
          attributes[key] = toAnyValue(value, limits.valueLengthLimit);
        }
      }
      const severity = input.severityNumber;
      this.sink.emitRecord(
        new LogRecordImpl(
          input.timestamp === undefined ? undefined : toHrTime(input.timestamp),
          input.observedTimestamp === undefined ? now() : toHrTime(input.observedTimestamp),
          typeof severity === 'number' && severity >= 0 && severity <= 24 ? Math.trunc(severity) : 0,
          typeof input.severityText === 'string' ? input.severityText : undefined,
          input.body === undefined ? undefined : toAnyValue(input.body, Infinity),
          attributes,
          dropped,
          spanContextOf(input.context ?? this.sink.contextManager.active()),
          typeof input.eventName === 'string' && input.eventName ? input.eventName : undefined,
          this.sink.resource,
          this.scope,
        ),
      );
    } catch {
      // A record that cannot be made is lost, never an error in the program's logging call.
    }
  }
}

/** A logger whose records go nowhere: OTEL_LOGS_EXPORTER=none, or a library whose sending is off. */
export const NOOP_LOGGER: Logger = Object.freeze({ emit() {} });

export interface LoggerProviderOptions {
  readonly resource: Resource;
  readonly limits: LogLimits;
  readonly contextManager: ContextManager;
  readonly processors?: readonly Processor<ReadableLogRecord>[];
}

/** Hands out loggers by instrumentation scope and passes their records to the processors. */
export class LoggerProvider implements LogSink {
  readonly resource: Resource;
  readonly limits: LogLimits;
  readonly contextManager: ContextManager;
  private readonly processors: Processor<ReadableLogRecord>[];
  private readonly loggers = new Map<string, LoggerImpl>();

  constructor(options: LoggerProviderOptions) {
    this.resource = options.resource;
    this.limits = options.limits;
    this.contextManager = options.contextManager;
    this.processors = [...(options.processors ?? [])];
  }

  addProcessor(processor: Processor<ReadableLogRecord>): void {
    this.processors.push(processor);
  }

  /** Whether any processor takes records: when none does, bridges need not make them. */
  get active(): boolean {
    return this.processors.length > 0;
  }

  getLogger(name: string, version?: string, options?: { schemaUrl?: string }): Logger {
    const key = `${name}@${version ?? ''}@${options?.schemaUrl ?? ''}`;
    let logger = this.loggers.get(key);
    if (!logger) {
      const scope: InstrumentationScope = {
        name: typeof name === 'string' && name ? name : 'unknown',
        ...(version ? { version } : {}),
        ...(options?.schemaUrl ? { schemaUrl: options.schemaUrl } : {}),
      };
      logger = new LoggerImpl(this, scope);
      this.loggers.set(key, logger);
    }
    return logger;
  }

  emitRecord(record: ReadableLogRecord): void {
    for (const p of this.processors) {
      try {
        p.onEnd(record);
      } catch {
        // One processor's failure must not cost the others their record, nor the program its call.
      }
    }
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.forceFlush().catch(() => undefined)));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.shutdown().catch(() => undefined)));
  }
}
