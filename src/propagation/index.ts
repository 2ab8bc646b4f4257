/**
 * Context propagation: the propagators OTEL_PROPAGATORS names, and the composite built from them.
 */
import { diag } from '../diag';
import { createB3MultiPropagator, createB3Propagator } from './b3';
import { W3CBaggagePropagator } from './baggage';
import { CompositePropagator, NOOP_PROPAGATOR } from './composite';
import { createJaegerPropagator } from './jaeger';
import { W3CTraceContextPropagator } from './tracecontext';
import type { Propagation } from '../instrumentation/types';
import { defaultTextMapGetter, defaultTextMapSetter, type TextMapPropagator } from './types';

export * from './types';
export * from './trace-state';
export * from './tracecontext';
export * from './baggage';
export * from './b3';
export * from './jaeger';
export * from './composite';
export * from './environment';
export * from './sampling-flags';

/** The OTEL_PROPAGATORS values we implement (besides `none`). */
export const PROPAGATOR_NAMES = ['tracecontext', 'baggage', 'b3', 'b3multi', 'jaeger'] as const;
export type PropagatorName = (typeof PROPAGATOR_NAMES)[number];

const FACTORIES: Readonly<Record<PropagatorName, () => TextMapPropagator>> = {
  tracecontext: () => new W3CTraceContextPropagator(),
  baggage: () => new W3CBaggagePropagator(),
  b3: createB3Propagator,
  b3multi: createB3MultiPropagator,
  jaeger: createJaegerPropagator,
};

// Known to the OpenTelemetry specification's OTEL_PROPAGATORS list, not implemented here.
const KNOWN_ELSEWHERE = new Set(['xray', 'ottrace']);

/**
 * The propagator for a list of OTEL_PROPAGATORS values, in the order given. Names are compared
 * trimmed and lower-cased; duplicates count once (the first place is kept). `none` alone, or a list
 * with nothing valid, gives the no-op propagator; `none` next to other names is ignored, with a
 * warning, as is a name we do not implement. One propagator is returned as it is, several as a
 * CompositePropagator. Runs once at start-up, so the warnings are not per request.
 */
export function createPropagator(names: readonly string[]): TextMapPropagator {
  const chosen: PropagatorName[] = [];
  let sawNone = false;
  for (const raw of names) {
    const name = String(raw).trim().toLowerCase();
    if (name === '') continue;
    if (name === 'none') {
      sawNone = true;
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(FACTORIES, name)) {
      if (!chosen.includes(name as PropagatorName)) chosen.push(name as PropagatorName);
    } else if (KNOWN_ELSEWHERE.has(name)) {
      diag.warn(`propagator "${name}" is not supported by ts-otel-run; ignored`);
    } else {
      diag.warn(`unknown propagator "${name}" ignored (known: ${PROPAGATOR_NAMES.join(', ')}, none)`);
    }
  }
  if (sawNone && chosen.length > 0) {
    diag.warn(`propagator "none" ignored because other propagators are listed: ${chosen.join(', ')}`);
  }
  if (chosen.length === 0) return NOOP_PROPAGATOR;
  if (chosen.length === 1) return FACTORIES[chosen[0] as PropagatorName]();
  return new CompositePropagator(chosen.map((name) => FACTORIES[name]()));
}

/** The propagator over plain header objects, as the instrumentations use it (ctx.trace.propagation). */
export function headerPropagation(propagator: TextMapPropagator): Propagation {
  return {
    inject: (context, carrier) => propagator.inject(context, carrier, defaultTextMapSetter),
    extract: (context, carrier) => propagator.extract(context, carrier, defaultTextMapGetter),
  };
}
