/**
 * The log data model (OpenTelemetry logs data model, OTLP logs/v1): what the bridges emit and what
 * processors and exporters read.
 */
import type { Context } from '../context/context';
import type { HrTime, InstrumentationScope, Resource } from '../trace/types';

/** The severity numbers of the data model: 1–4 TRACE … 21–24 FATAL (the first of each range). */
export const SeverityNumber = {
  UNSPECIFIED: 0,
  TRACE: 1,
  DEBUG: 5,
  INFO: 9,
  WARN: 13,
  ERROR: 17,
  FATAL: 21,
} as const;

/** What a bridge (console, pino, winston, bunyan, the api-logs bridge) hands a logger. */
export interface LogRecordInput {
  /** When the event happened: HrTime, epoch milliseconds or a Date; unset when unknown. */
  readonly timestamp?: unknown;
  /** When it was seen; now when unset. */
  readonly observedTimestamp?: unknown;
  readonly severityNumber?: number;
  readonly severityText?: string;
  /** A string, or any AnyValue (maps, arrays, bytes). */
  readonly body?: unknown;
  /** Values may be any AnyValue, maps and arrays included. */
  readonly attributes?: Readonly<Record<string, unknown>>;
  /** The context whose span the record belongs to; the active context when unset. */
  readonly context?: Context;
  readonly eventName?: string;
  /** An exception the record is about: recorded as exception.type, .message and .stacktrace. */
  readonly exception?: unknown;
}

/** The trace a record belongs to. */
export interface LogSpanContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
}

/** A finished log record, as processors and exporters read it. */
export interface ReadableLogRecord {
  readonly timestamp: HrTime | undefined;
  readonly observedTimestamp: HrTime;
  readonly severityNumber: number;
  readonly severityText: string | undefined;
  readonly body: unknown;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly droppedAttributesCount: number;
  readonly spanContext: LogSpanContext | undefined;
  readonly eventName: string | undefined;
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
}

export interface Logger {
  emit(record: LogRecordInput): void;
}
