import { isTracingSuppressed, type Context } from '../context/context';
import type { ContextManager } from '../context/manager';
import type { Config } from '../config/settings';
import { newSpanId, newTraceId } from './ids';
import { SamplingDecision, type Sampler } from './sampler';
import { Span, type LinkInput, type SpanLimits, type SpanSink } from './span';
import { getSpanContext, isValidSpanContext, NonRecordingSpan, setSpan } from './span-context';
import {
  SpanKind,
  TraceFlags,
  type Attributes,
  type InstrumentationScope,
  type Resource,
  type SpanContext,
  type SpanProcessor,
} from './types';

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: LinkInput[];
  startTime?: unknown;
  /** Start a new trace even when the context has an active span. */
  root?: boolean;
}

/** Span limits from the OTEL_*_LIMIT settings; span-specific ones fall back to the general ones. */
export function spanLimitsFromConfig(config: Config): SpanLimits {
  const length = config.OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT ?? config.OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT ?? Infinity;
  const count = config.OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT ?? config.OTEL_ATTRIBUTE_COUNT_LIMIT;
  return {
    attributes: { countLimit: count, valueLengthLimit: length },
    eventCountLimit: config.OTEL_SPAN_EVENT_COUNT_LIMIT,
    linkCountLimit: config.OTEL_SPAN_LINK_COUNT_LIMIT,
    eventAttributes: { countLimit: config.OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT, valueLengthLimit: length },
    linkAttributes: { countLimit: config.OTEL_LINK_ATTRIBUTE_COUNT_LIMIT, valueLengthLimit: length },
  };
}

export class Tracer {
  constructor(
    private readonly provider: TracerProvider,
    readonly scope: InstrumentationScope,
  ) {}

  /**
   * Starts a span: a child of the context's active span unless `root` is set, sampled by the
   * provider's sampler. A span the sampler drops, or any span while tracing is suppressed, is a
   * non-recording span that still carries a context to propagate.
   */
  startSpan(name: string, options: SpanOptions = {}, context: Context = this.provider.contextManager.active()): Span | NonRecordingSpan {
    const parent = options.root ? undefined : getSpanContext(context);
    const validParent = isValidSpanContext(parent) ? parent : undefined;
    if (isTracingSuppressed(context)) {
      return new NonRecordingSpan(validParent ?? { traceId: newTraceId(), spanId: newSpanId(), traceFlags: TraceFlags.NONE });
    }
    const traceId = validParent?.traceId ?? newTraceId();
    const kind = options.kind ?? SpanKind.INTERNAL;
    const result = this.provider.sampler.shouldSample(validParent, traceId, name, kind, options.attributes);
    const spanContext: SpanContext = {
      traceId,
      spanId: newSpanId(),
      traceFlags: result.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
    };
    const traceState = result.traceState ?? validParent?.traceState;
    if (traceState) spanContext.traceState = traceState;
    if (result.decision === SamplingDecision.NOT_RECORD) return new NonRecordingSpan(spanContext);
    const span = new Span(
      spanContext,
      name,
      kind,
      validParent?.spanId,
      validParent?.isRemote === true,
      this.provider.resource,
      this.scope,
      this.provider.limits,
      this.provider,
      options.startTime,
    );
    if (options.attributes) span.setAttributes(options.attributes);
    if (result.attributes) span.setAttributes(result.attributes);
    if (options.links) span.addLinks(options.links);
    return span;
  }

  /** Starts a span and runs `fn(span)` with it active, like @opentelemetry/api's startActiveSpan. */
  startActiveSpan<F extends (span: Span | NonRecordingSpan) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest.pop() as F;
    const options = (rest[0] as SpanOptions | undefined) ?? {};
    const context = (rest[1] as Context | undefined) ?? this.provider.contextManager.active();
    const span = this.startSpan(name, options, context);
    const run = fn as unknown as (s: Span | NonRecordingSpan) => ReturnType<F>;
    return this.provider.contextManager.with(setSpan(context, span), run, undefined, span);
  }
}

export interface TracerProviderOptions {
  readonly resource: Resource;
  readonly sampler: Sampler;
  readonly limits: SpanLimits;
  readonly contextManager: ContextManager;
  readonly processors: readonly SpanProcessor[];
}

/** Hands out tracers, one per instrumentation scope, and sends sampled finished spans on. */
export class TracerProvider implements SpanSink {
  readonly resource: Resource;
  readonly sampler: Sampler;
  readonly limits: SpanLimits;
  readonly contextManager: ContextManager;
  private readonly processors: SpanProcessor[];
  private readonly tracers = new Map<string, Tracer>();

  constructor(options: TracerProviderOptions) {
    this.resource = options.resource;
    this.sampler = options.sampler;
    this.limits = options.limits;
    this.contextManager = options.contextManager;
    this.processors = [...options.processors];
  }

  addSpanProcessor(processor: SpanProcessor): void {
    this.processors.push(processor);
  }

  getTracer(name: string, version?: string, options?: { schemaUrl?: string }): Tracer {
    const key = `${name}@${version ?? ''}@${options?.schemaUrl ?? ''}`;
    let tracer = this.tracers.get(key);
    if (!tracer) {
      const scope: InstrumentationScope = {
        name: typeof name === 'string' && name ? name : 'unknown',
        ...(version ? { version } : {}),
        ...(options?.schemaUrl ? { schemaUrl: options.schemaUrl } : {}),
      };
      tracer = new Tracer(this, scope);
      this.tracers.set(key, tracer);
    }
    return tracer;
  }

  onEnd(span: Span): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    for (const p of this.processors) {
      try {
        p.onEnd(span);
      } catch {
        // a processor must never break the program's span.end()
      }
    }
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.forceFlush().catch(() => {})));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.shutdown().catch(() => {})));
  }
}
