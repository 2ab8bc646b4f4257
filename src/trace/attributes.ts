import type { AttributeValue, Attributes } from './types';

export interface AttributeLimits {
  /** Most attributes kept; further new keys are dropped and counted. */
  readonly countLimit: number;
  /** Longest string kept (strings in arrays too); Infinity for no limit. */
  readonly valueLengthLimit: number;
}

function isPrimitive(v: unknown): v is string | number | boolean {
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean';
}

/**
 * Whether a value is an attribute value by the specification's rules: a string, number or
 * boolean, or an array of one of those types (null and undefined elements allowed).
 */
export function isAttributeValue(v: unknown): v is AttributeValue {
  if (isPrimitive(v)) return true;
  if (!Array.isArray(v)) return false;
  let kind: string | undefined;
  for (const e of v) {
    if (e === null || e === undefined) continue;
    const t = typeof e;
    if (t !== 'string' && t !== 'number' && t !== 'boolean') return false;
    if (kind === undefined) kind = t;
    else if (kind !== t) return false;
  }
  return true;
}

function truncate(v: AttributeValue, limit: number): AttributeValue {
  if (typeof v === 'string') return v.length > limit ? v.slice(0, limit) : v;
  if (Array.isArray(v)) {
    // Copy: the program may change its array after handing it over.
    return v.map((e) => (typeof e === 'string' && e.length > limit ? e.slice(0, limit) : e)) as AttributeValue;
  }
  return v;
}

/**
 * A bounded attribute collection. `set` returns false when the value was dropped (invalid, or a
 * new key past the count limit); `dropped` counts the latter, as OTLP's dropped_attributes_count.
 */
export class AttributeBag {
  readonly values: Attributes = {};
  count = 0;
  dropped = 0;

  constructor(private readonly limits: AttributeLimits) {}

  set(key: string, value: unknown): boolean {
    if (typeof key !== 'string' || key.length === 0 || value === undefined || value === null) return false;
    if (!isAttributeValue(value)) return false;
    const exists = Object.prototype.hasOwnProperty.call(this.values, key);
    if (!exists) {
      if (this.count >= this.limits.countLimit) {
        this.dropped++;
        return false;
      }
      this.count++;
    }
    const stored =
      this.limits.valueLengthLimit === Infinity
        ? Array.isArray(value)
          ? (value.slice() as AttributeValue)
          : value
        : truncate(value, this.limits.valueLengthLimit);
    // A plain assignment to "__proto__" would call the prototype setter: the value would be lost
    // (a string) or become the object's prototype (an array), while still being counted.
    if (key === '__proto__') {
      Object.defineProperty(this.values, key, { value: stored, writable: true, enumerable: true, configurable: true });
    } else {
      this.values[key] = stored;
    }
    return true;
  }

  setAll(attributes: unknown): void {
    if (attributes === null || typeof attributes !== 'object') return;
    for (const key of Object.keys(attributes)) this.set(key, (attributes as Record<string, unknown>)[key]);
  }
}

/** Copies attributes for an event or a link, within its limits. */
export function boundedAttributes(attributes: unknown, limits: AttributeLimits): { values: Attributes; dropped: number } {
  const bag = new AttributeBag(limits);
  bag.setAll(attributes);
  return { values: bag.values, dropped: bag.dropped };
}
