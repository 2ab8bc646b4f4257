/**
 * An immutable context, shaped like @opentelemetry/api's Context (getValue, setValue, deleteValue
 * with symbol keys), so that the API bridge can pass it through both ways.
 */
export interface Context {
  getValue(key: symbol): unknown;
  setValue(key: symbol, value: unknown): Context;
  deleteValue(key: symbol): Context;
}

class ContextImpl implements Context {
  private readonly values: Map<symbol, unknown>;

  constructor(parent?: Map<symbol, unknown>) {
    this.values = parent ? new Map(parent) : new Map();
  }

  getValue(key: symbol): unknown {
    return this.values.get(key);
  }

  setValue(key: symbol, value: unknown): Context {
    const next = new ContextImpl(this.values);
    next.values.set(key, value);
    return next;
  }

  deleteValue(key: symbol): Context {
    if (!this.values.has(key)) return this;
    const next = new ContextImpl(this.values);
    next.values.delete(key);
    return next;
  }
}

export const ROOT_CONTEXT: Context = new ContextImpl();

export function createContextKey(description: string): symbol {
  return Symbol.for(`ts-otel-run.context.${description}`);
}

/** The active span. */
export const SPAN_KEY = createContextKey('span');
/** Baggage (W3C). */
export const BAGGAGE_KEY = createContextKey('baggage');
/** While set, nothing is traced: the exporters run their own requests under it. */
export const SUPPRESS_TRACING_KEY = createContextKey('suppress-tracing');

export function suppressTracing(context: Context): Context {
  return context.setValue(SUPPRESS_TRACING_KEY, true);
}

export function isTracingSuppressed(context: Context): boolean {
  return context.getValue(SUPPRESS_TRACING_KEY) === true;
}
