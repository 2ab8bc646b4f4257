/**
 * An immutable context, shaped like @opentelemetry/api's Context (getValue, setValue, deleteValue
 * with symbol keys), so that the API bridge can pass it through both ways.
 */
export interface Context {
  getValue(key: symbol): unknown;
  setValue(key: symbol, value: unknown): Context;
  deleteValue(key: symbol): Context;
}

/**
 * Keys that mean the same thing: ours and those of a program's @opentelemetry/api copy (its span
 * and baggage keys are symbols private to that copy). Setting one sets its partner, reading one
 * falls back to its partner, so a span made active through either is seen by both.
 */
const partners = new Map<symbol, symbol>();

export function linkContextKeys(ours: symbol, theirs: symbol): void {
  if (ours === theirs) return;
  partners.set(ours, theirs);
  partners.set(theirs, ours);
}

class ContextImpl implements Context {
  private readonly values: Map<symbol, unknown>;

  constructor(parent?: Map<symbol, unknown>) {
    this.values = parent ? new Map(parent) : new Map();
  }

  getValue(key: symbol): unknown {
    const value = this.values.get(key);
    if (value !== undefined || partners.size === 0) return value;
    const partner = partners.get(key);
    return partner === undefined ? undefined : this.values.get(partner);
  }

  setValue(key: symbol, value: unknown): Context {
    const next = new ContextImpl(this.values);
    next.values.set(key, value);
    const partner = partners.get(key);
    if (partner !== undefined) next.values.set(partner, value);
    return next;
  }

  deleteValue(key: symbol): Context {
    const partner = partners.get(key);
    if (!this.values.has(key) && (partner === undefined || !this.values.has(partner))) return this;
    const next = new ContextImpl(this.values);
    next.values.delete(key);
    if (partner !== undefined) next.values.delete(partner);
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
