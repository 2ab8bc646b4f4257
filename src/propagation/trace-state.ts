/**
 * An immutable W3C tracestate (Trace Context, "tracestate Header"), implementing the TraceState
 * interface of @opentelemetry/api.
 *
 * Grammar (W3C Trace Context Level 1, §3.3.1):
 *   list        = list-member 0*31( OWS "," OWS list-member )
 *   list-member = key "=" value
 *   key         = simple-key / multi-tenant-key
 *   simple-key  = lcalpha 0*255( lcalpha / DIGIT / "_" / "-" / "*" / "/" )
 *   multi-tenant-key = tenant-id "@" system-id
 *   tenant-id   = ( lcalpha / DIGIT ) 0*240( lcalpha / DIGIT / "_" / "-" / "*" / "/" )
 *   system-id   = lcalpha 0*13( lcalpha / DIGIT / "_" / "-" / "*" / "/" )
 *   value       = 0*255(chr) nblk-chr      ; 1 to 256 characters
 *   nblk-chr    = %x21-2B / %x2D-3C / %x3E-7E
 *   chr         = %x20 / nblk-chr
 * Empty and whitespace-only list-members are allowed and do not count.
 *
 * Parsing is lenient per member: an invalid member, or a second member with a key already seen
 * (the first, left-most one wins), is dropped and the others are kept; members after the 32nd
 * valid one are dropped. (The W3C test suite at its strictest level discards the whole header in
 * those cases instead; the specification lets a vendor that cannot parse a member drop it.)
 */
import type { TraceState } from '../trace/types';
import { isOws } from './internal';

/** W3C Trace Context: "There can be a maximum of 32 list-members in a list." */
export const MAX_TRACE_STATE_MEMBERS = 32;

const KEY = /^(?:[a-z][_0-9a-z\-*\/]{0,255}|[a-z0-9][_0-9a-z\-*\/]{0,240}@[a-z][_0-9a-z\-*\/]{0,13})$/;
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const MAX_KEY_LENGTH = 256;
const MAX_VALUE_LENGTH = 256;

export function isValidTraceStateKey(key: unknown): key is string {
  return typeof key === 'string' && key.length <= MAX_KEY_LENGTH && KEY.test(key);
}

export function isValidTraceStateValue(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_VALUE_LENGTH && VALUE.test(value);
}

class W3CTraceState implements TraceState {
  private serialized: string | undefined;

  /** Left-most (most recently updated) member first; keys unique and valid, at most 32. */
  constructor(
    private readonly keys: readonly string[],
    private readonly values: readonly string[],
  ) {}

  get(key: string): string | undefined {
    const i = this.keys.indexOf(key);
    return i === -1 ? undefined : this.values[i];
  }

  /**
   * The key with its new value in front, as the specification asks of an updated member; the
   * right-most member drops off when that makes 33. An invalid key or value changes nothing.
   */
  set(key: string, value: string): TraceState {
    if (!isValidTraceStateKey(key) || !isValidTraceStateValue(value)) return this;
    const keys = [key];
    const values = [value];
    for (let i = 0; i < this.keys.length && keys.length < MAX_TRACE_STATE_MEMBERS; i++) {
      if (this.keys[i] === key) continue;
      keys.push(this.keys[i] as string);
      values.push(this.values[i] as string);
    }
    return new W3CTraceState(keys, values);
  }

  unset(key: string): TraceState {
    const at = this.keys.indexOf(key);
    if (at === -1) return this;
    const keys: string[] = [];
    const values: string[] = [];
    for (let i = 0; i < this.keys.length; i++) {
      if (i === at) continue;
      keys.push(this.keys[i] as string);
      values.push(this.values[i] as string);
    }
    return keys.length === 0 ? EMPTY : new W3CTraceState(keys, values);
  }

  serialize(): string {
    if (this.serialized === undefined) {
      let out = '';
      for (let i = 0; i < this.keys.length; i++) {
        out += `${i === 0 ? '' : ','}${this.keys[i]}=${this.values[i]}`;
      }
      this.serialized = out;
    }
    return this.serialized;
  }
}

const EMPTY: TraceState = new W3CTraceState([], []);

/** Whether `state` is one of ours, whose serialization is valid by construction. */
export function isOwnTraceState(state: unknown): boolean {
  return state instanceof W3CTraceState;
}

/**
 * Parses a tracestate header value (repeated headers joined with ','). Never throws; anything that
 * is not a string, or holds no valid member, gives the empty state.
 */
export function parseTraceState(header: unknown): TraceState {
  if (typeof header !== 'string' || header.length === 0) return EMPTY;
  const keys: string[] = [];
  const values: string[] = [];
  const len = header.length;
  let start = 0;
  while (start <= len && keys.length < MAX_TRACE_STATE_MEMBERS) {
    let end = header.indexOf(',', start);
    if (end === -1) end = len;
    let a = start;
    let b = end;
    while (a < b && isOws(header.charCodeAt(a))) a++;
    while (b > a && isOws(header.charCodeAt(b - 1))) b--;
    // Longer than the longest valid member: do not even look for '='.
    if (b > a && b - a <= MAX_KEY_LENGTH + 1 + MAX_VALUE_LENGTH) {
      let eq = a;
      while (eq < b && header.charCodeAt(eq) !== 0x3d) eq++;
      if (eq > a && eq < b) {
        const key = header.slice(a, eq);
        const value = header.slice(eq + 1, b);
        if (
          key.length <= MAX_KEY_LENGTH &&
          value.length <= MAX_VALUE_LENGTH &&
          KEY.test(key) &&
          VALUE.test(value) &&
          keys.indexOf(key) === -1
        ) {
          keys.push(key);
          values.push(value);
        }
      }
    }
    start = end + 1;
  }
  return keys.length === 0 ? EMPTY : new W3CTraceState(keys, values);
}

/** As @opentelemetry/api's createTraceState: the empty state, or the parsed `raw`. */
export function createTraceState(raw?: string): TraceState {
  return raw === undefined ? EMPTY : parseTraceState(raw);
}

/**
 * The header value for any TraceState, ours or a foreign one (from a program's own API objects):
 * a foreign serialization is parsed again, so that whatever it holds, only valid members go out.
 */
export function serializeTraceState(state: TraceState): string {
  if (isOwnTraceState(state)) return state.serialize();
  const raw: unknown = state.serialize();
  return typeof raw === 'string' ? parseTraceState(raw).serialize() : '';
}
