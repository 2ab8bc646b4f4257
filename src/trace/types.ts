/**
 * The engine's span model. Shapes follow @opentelemetry/api 1.x (hex ids, HrTime, numeric kinds and
 * status codes), so that the API bridge can hand our objects to a program without conversion, and
 * the exporters encode straight from the span objects.
 */

export type AttributeValue =
  | string
  | number
  | boolean
  | ReadonlyArray<string | null | undefined>
  | ReadonlyArray<number | null | undefined>
  | ReadonlyArray<boolean | null | undefined>;

export type Attributes = Record<string, AttributeValue>;

/** [seconds, nanoseconds] since the Unix epoch. */
export type HrTime = [number, number];

/** As in @opentelemetry/api: INTERNAL 0, SERVER 1, CLIENT 2, PRODUCER 3, CONSUMER 4 (OTLP adds 1). */
export const SpanKind = { INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 } as const;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

/** As in @opentelemetry/api and OTLP: UNSET 0, OK 1, ERROR 2. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

export interface SpanStatus {
  code: StatusCode;
  message?: string;
}

/** W3C trace-context flags: bit 0 is "sampled". */
export const TraceFlags = { NONE: 0, SAMPLED: 1 } as const;

/** An immutable W3C tracestate, as @opentelemetry/api's TraceState. */
export interface TraceState {
  set(key: string, value: string): TraceState;
  unset(key: string): TraceState;
  get(key: string): string | undefined;
  serialize(): string;
}

export interface SpanContext {
  /** 32 lower-case hex characters, not all zero. */
  traceId: string;
  /** 16 lower-case hex characters, not all zero. */
  spanId: string;
  traceFlags: number;
  traceState?: TraceState;
  /** True when the context was extracted from a carrier (it belongs to another process). */
  isRemote?: boolean;
}

export interface SpanEvent {
  readonly name: string;
  readonly time: HrTime;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
}

export interface SpanLink {
  readonly context: SpanContext;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
}

export interface Resource {
  readonly attributes: Attributes;
  readonly schemaUrl?: string;
}

export interface InstrumentationScope {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
}

/** What exporters and processors read of a finished span. */
export interface ReadableSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly spanContext: () => SpanContext;
  readonly parentSpanId: string | undefined;
  /** Whether the parent came from another process (OTLP span flags bits 8 and 9). */
  readonly parentIsRemote: boolean | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly events: readonly SpanEvent[];
  readonly droppedEventsCount: number;
  readonly links: readonly SpanLink[];
  readonly droppedLinksCount: number;
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
}

/** Receives every finished, sampled span (batch or simple processor). */
export interface SpanProcessor {
  onEnd(span: ReadableSpan): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export const ExportResultCode = { SUCCESS: 0, FAILED: 1 } as const;

export interface ExportResult {
  code: (typeof ExportResultCode)[keyof typeof ExportResultCode];
  error?: Error;
}

export interface SpanExporter {
  export(spans: readonly ReadableSpan[], done: (result: ExportResult) => void): void;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}
