import { type Context, SPAN_KEY } from '../context/context';
import type { SpanContext } from './types';

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_TRACE = '00000000000000000000000000000000';
const ZERO_SPAN = '0000000000000000';

export function isValidTraceId(id: string): boolean {
  return TRACE_ID.test(id) && id !== ZERO_TRACE;
}

export function isValidSpanId(id: string): boolean {
  return SPAN_ID.test(id) && id !== ZERO_SPAN;
}

export function isValidSpanContext(sc: SpanContext | undefined): sc is SpanContext {
  return sc !== undefined && isValidTraceId(sc.traceId) && isValidSpanId(sc.spanId);
}

/** Anything stored under SPAN_KEY: our spans, and spans of the program's @opentelemetry/api. */
export interface SpanLike {
  spanContext(): SpanContext;
}

/**
 * A span that only carries a context: a remote parent extracted from a carrier, or the
 * environment's TRACEPARENT. It records nothing.
 */
export class NonRecordingSpan implements SpanLike {
  constructor(private readonly context: SpanContext) {}
  spanContext(): SpanContext {
    return this.context;
  }
  setAttribute(): this {
    return this;
  }
  setAttributes(): this {
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(): this {
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {}
  isRecording(): boolean {
    return false;
  }
  recordException(): void {}
}

export function getSpan(context: Context): SpanLike | undefined {
  return context.getValue(SPAN_KEY) as SpanLike | undefined;
}

export function getSpanContext(context: Context): SpanContext | undefined {
  return getSpan(context)?.spanContext();
}

export function setSpan(context: Context, span: SpanLike): Context {
  return context.setValue(SPAN_KEY, span);
}

/** The context with a non-recording span for `spanContext` as the active span. */
export function setSpanContext(context: Context, spanContext: SpanContext): Context {
  return setSpan(context, new NonRecordingSpan(spanContext));
}
