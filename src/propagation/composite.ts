/**
 * The composite propagator of the OpenTelemetry specification (API Propagators, "Composite
 * Propagator"): inject calls every propagator in the order given; extract calls them in the same
 * order, each on the context the previous one returned, so a later propagator's values override an
 * earlier one's (with tracecontext,b3 and both headers present, b3's span context wins; when both
 * name the same span, the tracestate read by tracecontext is kept, see setRemoteSpanContext).
 */
import type { Context } from '../context/context';
import type { TextMapGetter, TextMapPropagator, TextMapSetter } from './types';

export class CompositePropagator implements TextMapPropagator {
  private readonly propagators: readonly TextMapPropagator[];
  private readonly allFields: readonly string[];

  constructor(propagators: readonly TextMapPropagator[]) {
    this.propagators = propagators.slice();
    const fields = new Set<string>();
    for (const p of this.propagators) {
      try {
        for (const f of p.fields()) fields.add(f);
      } catch {
        // A foreign propagator whose fields() throws contributes none.
      }
    }
    this.allFields = [...fields];
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const list = this.propagators;
    for (let i = 0; i < list.length; i++) {
      try {
        (list[i] as TextMapPropagator).inject(context, carrier, setter);
      } catch {
        // Ours never throw; a foreign one must not stop the others.
      }
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const list = this.propagators;
    let result = context;
    for (let i = 0; i < list.length; i++) {
      try {
        const next = (list[i] as TextMapPropagator).extract(result, carrier, getter);
        if (next !== undefined && next !== null) result = next;
      } catch {
        // Keep what the previous propagators extracted.
      }
    }
    return result;
  }

  /** The union of the propagators' fields, in order, each once. */
  fields(): string[] {
    return this.allFields.slice();
  }
}

/** OTEL_PROPAGATORS=none: propagates nothing. */
export class NoopPropagator implements TextMapPropagator {
  inject(): void {}
  extract(context: Context): Context {
    return context;
  }
  fields(): string[] {
    return [];
  }
}

export const NOOP_PROPAGATOR: TextMapPropagator = new NoopPropagator();
