/**
 * Baggage (shaped like @opentelemetry/api's Baggage), its place in the Context, and the W3C
 * Baggage propagator.
 *
 * Header format (W3C Propagation format for distributed context: Baggage, Candidate
 * Recommendation Snapshot 30 May 2024, https://www.w3.org/TR/2024/CR-baggage-20240530/, §3.3):
 *   baggage-string = list-member 0*179( OWS "," OWS list-member )
 *   list-member    = key OWS "=" OWS value *( OWS ";" OWS property )
 *   property       = key OWS "=" OWS value / key OWS
 *   key            = token (RFC 7230 §3.2.6)        ; not percent-encoded: taken as it is
 *   value          = *baggage-octet                 ; a percent-encoded UTF-8 string
 *   baggage-octet  = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
 * Properties have no meaning in that specification: we keep them as one opaque string, the entry's
 * metadata (everything after the first ';', OWS around it trimmed), and send it back unchanged.
 *
 * Limits: §3.3.2 of that snapshot: a platform MUST propagate all list-members while the
 * baggage-string has at most 64 list-members and at most 8192 bytes, MAY drop list-members beyond
 * either, MUST NOT propagate a partial list-member, and the limits apply to all baggage headers
 * combined. (Earlier drafts, and @opentelemetry/core's constants, say 180 members, 4096 bytes per
 * member, 8192 in all; the 2024 text replaced them.) We take 64 and 8192 as our maxima, both ways:
 * on extract, members past the 64th are ignored and a member that would take the total over 8192
 * bytes is skipped; on inject, the same, entry by entry, so one large entry costs itself and not
 * the rest of the header.
 */
import { BAGGAGE_KEY, type Context, isTracingSuppressed } from '../context/context';
import { isOws, percentDecode, percentEncode, TOKEN } from './internal';
import type { TextMapGetter, TextMapPropagator, TextMapSetter } from './types';

export const BAGGAGE_HEADER = 'baggage';
/** W3C Baggage (CR 2024) §3.3.2, condition 1. */
export const MAX_BAGGAGE_MEMBERS = 64;
/** W3C Baggage (CR 2024) §3.3.2, condition 2: bytes of the whole baggage-string. */
export const MAX_BAGGAGE_BYTES = 8192;

/**
 * Opaque metadata of an entry. Structurally @opentelemetry/api's BaggageEntryMetadata without its
 * brand (a symbol the API does not export; nothing checks it at run time), so the bridge passes
 * these objects with a type cast only.
 */
export interface BaggageEntryMetadata {
  toString(): string;
}

export interface BaggageEntry {
  value: string;
  metadata?: BaggageEntryMetadata;
}

/** An immutable set of entries, as @opentelemetry/api's Baggage. */
export interface Baggage {
  getEntry(key: string): BaggageEntry | undefined;
  getAllEntries(): [string, BaggageEntry][];
  setEntry(key: string, entry: BaggageEntry): Baggage;
  removeEntry(key: string): Baggage;
  removeEntries(...keys: string[]): Baggage;
  clear(): Baggage;
}

class Metadata implements BaggageEntryMetadata {
  /** `valid`: read from a header by our parser, so known to be a valid property list. */
  constructor(
    readonly text: string,
    readonly valid: boolean,
  ) {}
  toString(): string {
    return this.text;
  }
}

class BaggageImpl implements Baggage {
  /** Never mutated once the instance is handed out. */
  constructor(readonly entries: Map<string, BaggageEntry>) {}

  getEntry(key: string): BaggageEntry | undefined {
    const entry = this.entries.get(key);
    return entry === undefined ? undefined : { ...entry };
  }

  getAllEntries(): [string, BaggageEntry][] {
    return Array.from(this.entries);
  }

  setEntry(key: string, entry: BaggageEntry): Baggage {
    const entries = new Map(this.entries);
    entries.set(key, entry);
    return new BaggageImpl(entries);
  }

  removeEntry(key: string): Baggage {
    if (!this.entries.has(key)) return this;
    const entries = new Map(this.entries);
    entries.delete(key);
    return new BaggageImpl(entries);
  }

  removeEntries(...keys: string[]): Baggage {
    const entries = new Map(this.entries);
    for (const key of keys) entries.delete(key);
    return entries.size === this.entries.size ? this : new BaggageImpl(entries);
  }

  clear(): Baggage {
    return this.entries.size === 0 ? this : EMPTY;
  }
}

const EMPTY = new BaggageImpl(new Map());

export function createBaggage(entries: Record<string, BaggageEntry> = {}): Baggage {
  const map = new Map<string, BaggageEntry>();
  for (const key of Object.keys(entries)) map.set(key, entries[key] as BaggageEntry);
  return new BaggageImpl(map);
}

/** As @opentelemetry/api's: metadata holding `text`; anything that is not a string gives ''. */
export function baggageEntryMetadataFromString(text: string): BaggageEntryMetadata {
  return new Metadata(typeof text === 'string' ? text : '', false);
}

export function getBaggage(context: Context): Baggage | undefined {
  return (context.getValue(BAGGAGE_KEY) as Baggage | undefined) || undefined;
}

export function setBaggage(context: Context, baggage: Baggage): Context {
  return context.setValue(BAGGAGE_KEY, baggage);
}

export function deleteBaggage(context: Context): Context {
  return context.deleteValue(BAGGAGE_KEY);
}

// RFC 7230 §3.2.6 tchar / W3C baggage-octet, as character classes.
const TCHAR = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]";
const OCTET = '[\\x21\\x23-\\x2b\\x2d-\\x3a\\x3c-\\x5b\\x5d-\\x7e]';
const VALUE = new RegExp(`^${OCTET}*$`);
// The property list after a value's first ';': property *( OWS ";" OWS property ).
const PROPERTY = `${TCHAR}+(?:[ \\t]*=[ \\t]*${OCTET}*)?`;
const PROPERTIES = new RegExp(`^${PROPERTY}(?:[ \\t]*;[ \\t]*${PROPERTY})*$`);

/** What an extract has accepted so far, across repeated headers (the limits apply to them combined). */
interface ParseState {
  /** Created on the first valid member. */
  entries: Map<string, BaggageEntry> | undefined;
  /** Bytes of the accepted members, with one ',' between them. */
  bytes: number;
}

/** Adds the valid members of one header value to `state`, within the limits. */
function parseInto(header: string, state: ParseState): void {
  const len = header.length;
  let start = 0;
  while (start < len) {
    if (state.entries !== undefined && state.entries.size >= MAX_BAGGAGE_MEMBERS) return;
    let end = header.indexOf(',', start);
    if (end === -1) end = len;
    let a = start;
    let b = end;
    start = end + 1;
    while (a < b && isOws(header.charCodeAt(a))) a++;
    while (b > a && isOws(header.charCodeAt(b - 1))) b--;
    if (a === b) continue;
    const size = b - a + (state.entries === undefined || state.entries.size === 0 ? 0 : 1);
    if (state.bytes + size > MAX_BAGGAGE_BYTES) continue;
    // key OWS "=" OWS value [ OWS ";" properties ]: the first '=' ends the key (a key is a token,
    // which has no '='), the first ';' after it ends the value (a value has no ';').
    let eq = a;
    while (eq < b && header.charCodeAt(eq) !== 0x3d) eq++;
    if (eq === b) continue;
    let semi = eq + 1;
    while (semi < b && header.charCodeAt(semi) !== 0x3b) semi++;
    let keyEnd = eq;
    while (keyEnd > a && isOws(header.charCodeAt(keyEnd - 1))) keyEnd--;
    let valueStart = eq + 1;
    let valueEnd = semi;
    while (valueStart < valueEnd && isOws(header.charCodeAt(valueStart))) valueStart++;
    while (valueEnd > valueStart && isOws(header.charCodeAt(valueEnd - 1))) valueEnd--;
    const key = header.slice(a, keyEnd);
    const rawValue = header.slice(valueStart, valueEnd);
    if (!TOKEN.test(key) || !VALUE.test(rawValue)) continue;
    let metadata: Metadata | undefined;
    if (semi < b) {
      let m = semi + 1;
      while (m < b && isOws(header.charCodeAt(m))) m++;
      if (m < b) {
        const properties = header.slice(m, b);
        if (!PROPERTIES.test(properties)) continue;
        metadata = new Metadata(properties, true);
      }
    }
    const value = percentDecode(rawValue);
    if (state.entries === undefined) state.entries = new Map();
    state.entries.set(key, metadata === undefined ? { value } : { value, metadata });
    state.bytes += size;
  }
}

/** The entries of a baggage header value (or of repeated ones), within the limits above. */
export function parseBaggage(header: string | readonly string[]): Baggage {
  const state: ParseState = { entries: undefined, bytes: 0 };
  if (typeof header === 'string') parseInto(header, state);
  else for (let i = 0; i < header.length; i++) if (typeof header[i] === 'string') parseInto(header[i] as string, state);
  return state.entries === undefined ? EMPTY : new BaggageImpl(state.entries);
}

/** The metadata's text if it is a valid property list (so it cannot break the header), else ''. */
function metadataText(metadata: BaggageEntryMetadata): string {
  if (metadata instanceof Metadata && metadata.valid) return metadata.text;
  let text: unknown;
  try {
    text = metadata.toString();
  } catch {
    return '';
  }
  if (typeof text !== 'string') return '';
  let a = 0;
  let b = text.length;
  while (a < b && (isOws(text.charCodeAt(a)) || text.charCodeAt(a) === 0x3b)) a++;
  while (b > a && isOws(text.charCodeAt(b - 1))) b--;
  if (a === b) return '';
  const trimmed = a === 0 && b === text.length ? text : text.slice(a, b);
  return PROPERTIES.test(trimmed) ? trimmed : '';
}

function appendMember(out: string, count: number, key: unknown, entry: unknown): string | undefined {
  if (typeof key !== 'string' || !TOKEN.test(key)) return undefined;
  if (entry === null || typeof entry !== 'object') return undefined;
  const { value, metadata } = entry as BaggageEntry;
  if (typeof value !== 'string') return undefined;
  let member = `${key}=${percentEncode(value)}`;
  if (metadata !== undefined && metadata !== null) {
    const text = metadataText(metadata);
    if (text.length > 0) member += `;${text}`;
  }
  const total = count === 0 ? member.length : out.length + 1 + member.length;
  if (total > MAX_BAGGAGE_BYTES) return undefined;
  return count === 0 ? member : `${out},${member}`;
}

/**
 * The header value for a Baggage (ours or a program's own API object), '' when nothing can be
 * sent. Entries are written in order; one that cannot be written (a key that is not a token, a
 * value that is not a string) or that would take the header over 8192 bytes is left out and the
 * next ones are still tried, up to 64 members. Metadata that is not a valid property list is left
 * out (the entry itself is kept), so that no entry can break the header.
 */
export function serializeBaggage(baggage: Baggage): string {
  let out = '';
  let count = 0;
  if (baggage instanceof BaggageImpl) {
    for (const [key, entry] of baggage.entries) {
      if (count >= MAX_BAGGAGE_MEMBERS) break;
      const next = appendMember(out, count, key, entry);
      if (next !== undefined) {
        out = next;
        count++;
      }
    }
    return out;
  }
  const all: unknown = baggage.getAllEntries();
  if (!Array.isArray(all)) return '';
  for (let i = 0; i < all.length && count < MAX_BAGGAGE_MEMBERS; i++) {
    const pair: unknown = all[i];
    if (!Array.isArray(pair)) continue;
    const next = appendMember(out, count, pair[0], pair[1]);
    if (next !== undefined) {
      out = next;
      count++;
    }
  }
  return out;
}

export class W3CBaggagePropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    try {
      if (isTracingSuppressed(context)) return;
      const baggage = getBaggage(context);
      if (baggage === undefined) return;
      const header = serializeBaggage(baggage);
      if (header.length > 0) setter.set(carrier, BAGGAGE_HEADER, header);
    } catch {
      // A throwing setter or a foreign Baggage: propagation is never worth an exception.
    }
  }

  /** Sets the header's baggage in place of the context's; no valid member: the context unchanged. */
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    try {
      const raw = getter.get(carrier, BAGGAGE_HEADER);
      const state: ParseState = { entries: undefined, bytes: 0 };
      if (typeof raw === 'string') {
        parseInto(raw, state);
      } else if (Array.isArray(raw)) {
        for (let i = 0; i < raw.length; i++) {
          const part: unknown = raw[i];
          if (typeof part === 'string') parseInto(part, state);
        }
      }
      if (state.entries === undefined) return context;
      return setBaggage(context, new BaggageImpl(state.entries));
    } catch {
      return context;
    }
  }

  fields(): string[] {
    return [BAGGAGE_HEADER];
  }
}
