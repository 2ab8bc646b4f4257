import { ORIGINAL, WRAPPED_BY } from '../symbols';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => any;

interface WrapRecord {
  readonly target: object;
  readonly name: PropertyKey;
  readonly wrapped: AnyFunction;
  readonly descriptor: PropertyDescriptor;
  /** The property was found on a prototype: restoring means deleting our own one. */
  readonly inherited: boolean;
  /** Order of the wrap, for `unwrapSince`. */
  readonly seq: number;
}

export interface Shimmer {
  /**
   * Replaces `target[name]` by `wrapper(original)`. Idempotent: a function this project already
   * wrapped is left as it is (false is returned). The wrapper keeps the original's `name`,
   * `length`, prototype and own properties, and is marked so that it can be recognised and undone.
   */
  wrap<T extends object, K extends keyof T>(target: T, name: K, wrapper: (original: T[K]) => T[K]): boolean;
  /** Restores the original, but only while the property still holds our wrapper. */
  unwrap<T extends object>(target: T, name: keyof T): boolean;
}

export function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && Object.prototype.hasOwnProperty.call(fn, ORIGINAL);
}

/** The function a wrapper replaced, or the function itself when it is not ours. */
export function originalOf<F>(fn: F): F {
  let f: unknown = fn;
  while (isWrapped(f)) f = (f as unknown as Record<symbol, unknown>)[ORIGINAL];
  return f as F;
}

const SKIP = new Set<PropertyKey>(['length', 'name', 'prototype', 'arguments', 'caller']);

function findDescriptor(target: object, name: PropertyKey): PropertyDescriptor | undefined {
  for (let o: object | null = target; o; o = Object.getPrototypeOf(o)) {
    const d = Object.getOwnPropertyDescriptor(o, name);
    if (d) return d;
  }
  return undefined;
}

function dress(wrapped: AnyFunction, original: AnyFunction, owner: string): void {
  for (const key of Reflect.ownKeys(original)) {
    if (SKIP.has(key) || Object.prototype.hasOwnProperty.call(wrapped, key)) continue;
    const d = Object.getOwnPropertyDescriptor(original, key);
    if (d) Object.defineProperty(wrapped, key, d);
  }
  Object.defineProperty(wrapped, 'name', { value: original.name, configurable: true });
  Object.defineProperty(wrapped, 'length', { value: original.length, configurable: true });
  const proto = Object.getOwnPropertyDescriptor(wrapped, 'prototype');
  if ('prototype' in original && (!proto || proto.writable)) {
    Object.defineProperty(wrapped, 'prototype', {
      value: original.prototype,
      writable: true,
      enumerable: false,
      configurable: false,
    });
  }
  Object.defineProperty(wrapped, ORIGINAL, { value: original, configurable: true });
  Object.defineProperty(wrapped, WRAPPED_BY, { value: owner, configurable: true });
}

function install(target: object, name: PropertyKey, value: AnyFunction, like: PropertyDescriptor): void {
  if (like.set) {
    // Setter-backed exports (an import-in-the-middle namespace): assigning re-binds the live bindings.
    (target as Record<PropertyKey, unknown>)[name] = value;
    return;
  }
  Object.defineProperty(target, name, {
    value,
    writable: like.writable ?? true,
    enumerable: like.enumerable ?? true,
    configurable: like.configurable ?? true,
  });
}

/**
 * A shimmer owned by one instrumentation. Every wrap it makes is recorded, so that the registry can
 * undo all of them at once when a patch fails half-way or the instrumentation is disabled,
 * whether or not the instrumentation has an `unpatch` of its own.
 */
export class RecordingShimmer implements Shimmer {
  private readonly records: WrapRecord[] = [];
  private seq = 0;

  constructor(private readonly owner: string) {}

  wrap<T extends object, K extends keyof T>(target: T, name: K, wrapper: (original: T[K]) => T[K]): boolean {
    const descriptor = findDescriptor(target, name);
    if (!descriptor) throw new TypeError(`cannot wrap '${String(name)}': no such property`);
    const original = (target as Record<PropertyKey, unknown>)[name as PropertyKey];
    if (typeof original !== 'function') throw new TypeError(`cannot wrap '${String(name)}': not a function`);
    if (isWrapped(original)) return false;
    if (descriptor.get && !descriptor.set && !descriptor.configurable) {
      throw new TypeError(`cannot wrap '${String(name)}': read-only accessor`);
    }
    if (!descriptor.get && descriptor.writable === false && descriptor.configurable === false) {
      throw new TypeError(`cannot wrap '${String(name)}': read-only property`);
    }
    const wrapped = wrapper(original as T[K]) as unknown as AnyFunction;
    if (typeof wrapped !== 'function') throw new TypeError(`wrapper for '${String(name)}' did not return a function`);
    if (wrapped === original) return false; // nothing to wrap; marking it would make it its own original
    const inherited = !Object.prototype.hasOwnProperty.call(target, name);
    dress(wrapped, original as AnyFunction, this.owner);
    install(target, name, wrapped, descriptor);
    this.records.push({ target, name, wrapped, descriptor, inherited, seq: this.seq++ });
    return true;
  }

  unwrap<T extends object>(target: T, name: keyof T): boolean {
    for (let i = this.records.length - 1; i >= 0; i--) {
      const r = this.records[i]!;
      if (r.target === target && r.name === name) {
        this.records.splice(i, 1);
        return this.restore(r);
      }
    }
    return false;
  }

  /** How many wraps are in place. */
  get size(): number {
    return this.records.length;
  }

  /** A point to roll back to with `unwrapSince`. */
  mark(): number {
    return this.seq;
  }

  /** Undoes, newest first, every wrap still in place that was made since `mark`. */
  unwrapSince(mark: number): void {
    for (let i = this.records.length - 1; i >= 0; i--) {
      const r = this.records[i]!;
      if (r.seq < mark) continue;
      this.records.splice(i, 1);
      this.restore(r);
    }
  }

  private restore(r: WrapRecord): boolean {
    const current = (r.target as Record<PropertyKey, unknown>)[r.name];
    if (current !== r.wrapped) return false; // somebody wrapped over us: theirs now, leave it.
    if (r.descriptor.set) {
      (r.target as Record<PropertyKey, unknown>)[r.name] = (r.wrapped as unknown as Record<symbol, unknown>)[ORIGINAL];
    } else if (r.inherited) {
      delete (r.target as Record<PropertyKey, unknown>)[r.name];
    } else {
      Object.defineProperty(r.target, r.name, r.descriptor);
    }
    return true;
  }
}
