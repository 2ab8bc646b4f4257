import {
  BAGGAGE_KEY,
  linkContextKeys,
  ROOT_CONTEXT,
  SPAN_KEY,
  isTracingSuppressed,
  suppressTracing,
  type Context,
} from '../context/context';
import { ContextManager } from '../context/manager';
import type { Config } from '../config/settings';
import type { Diag } from '../diag';
import type { Propagation, TextMapPropagatorLike, TraceServices } from '../instrumentation/types';
import { getSpan, setSpan } from '../trace/span-context';
import { samplerFromConfig, type Sampler } from '../trace/sampler';
import { spanLimitsFromConfig, TracerProvider } from '../trace/tracer';
import type { Resource, SpanProcessor } from '../trace/types';

/** A propagation that carries nothing: OTEL_PROPAGATORS=none, or before the propagators exist. */
export const NO_PROPAGATION: Propagation = {
  inject() {},
  extract: (context) => context,
};

const NO_PROPAGATOR: TextMapPropagatorLike = {
  inject() {},
  extract: (context) => context,
  fields: () => [],
};

export interface TracingParts {
  readonly contextManager: ContextManager;
  readonly tracerProvider: TracerProvider;
  readonly trace: TraceServices;
}

export interface TracingOptions {
  readonly config: Config;
  readonly resource: Resource;
  readonly processors: readonly SpanProcessor[];
  readonly propagation?: Propagation;
  readonly propagator?: TextMapPropagatorLike;
  readonly sampler?: Sampler;
  /** What is active outside any request: ROOT_CONTEXT, or the environment's TRACEPARENT. */
  readonly baseContext?: Context;
  readonly diag?: Diag;
}

/** Builds the context manager, the tracer provider and the services instrumentations get. */
export function createTracing(options: TracingOptions): TracingParts {
  const contextManager = new ContextManager(options.baseContext ?? ROOT_CONTEXT);
  const tracerProvider = new TracerProvider({
    resource: options.resource,
    sampler: options.sampler ?? samplerFromConfig(options.config),
    limits: spanLimitsFromConfig(options.config),
    contextManager,
    processors: options.processors,
  });
  const trace: TraceServices = Object.freeze({
    contextManager,
    propagation: options.propagation ?? NO_PROPAGATION,
    rootContext: ROOT_CONTEXT,
    tracerProvider,
    propagator: options.propagator ?? NO_PROPAGATOR,
    keys: { span: SPAN_KEY, baggage: BAGGAGE_KEY },
    linkContextKeys,
    getSpan,
    setSpan,
    isTracingSuppressed,
    suppressTracing,
  });
  return { contextManager, tracerProvider, trace };
}
