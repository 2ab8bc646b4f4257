/**
 * OTLP/JSON pieces shared by the encoders of every signal, written as UTF-8 bytes straight into
 * one growing Buffer (no intermediate objects, no string concatenation: flattening a large
 * concatenated string costs as much as building it).
 *
 * The rules are those of the OTLP specification's "JSON Protobuf Encoding": the proto3 JSON
 * mapping with lowerCamelCase keys, except that trace and span ids are hex strings (not base64;
 * written in lower case) and enum values are integers. From the proto3 mapping: 64-bit integers
 * (int_value, fixed64 times) are decimal strings, bytes are base64, NaN and ±Infinity are the
 * strings "NaN", "Infinity" and "-Infinity", and fields with default values are omitted (except
 * oneof members: an empty string_value is written).
 *
 * The value mapping is the protobuf encoder's (see common.ts).
 */
import type { HrTime } from '../../../trace/types';
import { type AnyAttributes, groupByResourceAndScope, MAX_ANY_VALUE_DEPTH, type ResourceLike, type ScopeLike } from './common';

const hasOwn = Object.prototype.hasOwnProperty;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;

/** A growing UTF-8 buffer with the JSON primitives the encoders need. */
export class JsonWriter {
  buf: Buffer;
  pos = 0;

  constructor(size = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** ASCII text that needs no escaping: punctuation, keys, numbers. */
  ascii(s: string): void {
    const n = s.length;
    this.reserve(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /**
   * A member key (`"name":`) or an array element's start: preceded by a comma unless it is the
   * first in its object or array (no JSON value ends with '{' or '[', so the previous byte tells).
   */
  member(key: string): void {
    const last = this.buf[this.pos - 1];
    if (last !== OPEN_BRACE && last !== OPEN_BRACKET) {
      this.reserve(1);
      this.buf[this.pos++] = COMMA;
    }
    this.ascii(key);
  }

  /** A comma unless first in its object or array (before an array element). */
  comma(): void {
    const last = this.buf[this.pos - 1];
    if (last !== OPEN_BRACE && last !== OPEN_BRACKET) {
      this.reserve(1);
      this.buf[this.pos++] = COMMA;
    }
  }

  /** A JSON string: printable ASCII is copied as it is, anything else goes through JSON.stringify. */
  str(s: string): void {
    const n = s.length;
    this.reserve(n + 2);
    const b = this.buf;
    const start = this.pos;
    let p = start;
    b[p++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) {
        this.pos = start;
        this.utf8(JSON.stringify(s));
        return;
      }
      b[p++] = c;
    }
    b[p++] = QUOTE;
    this.pos = p;
  }

  /** Any text, UTF-8 encoded (lone surrogates become U+FFFD). */
  utf8(s: string): void {
    this.reserve(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** A trace or span id as a quoted lower-case hex string. */
  hexId(hex: string): void {
    const n = hex.length;
    this.reserve(n + 2);
    const b = this.buf;
    const start = this.pos;
    let p = start;
    b[p++] = QUOTE;
    for (let i = 0; i < n; i++) {
      let c = hex.charCodeAt(i);
      // one unsigned comparison: `c >= 0x41 && c <= 0x46` mispredicts on random digits/letters
      if (c - 0x41 >>> 0 < 6) c += 0x20;
      else if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) {
        this.pos = start;
        this.utf8(JSON.stringify(hex.toLowerCase()));
        return;
      }
      b[p++] = c;
    }
    b[p++] = QUOTE;
    this.pos = p;
  }

  /** An unquoted non-negative integer (uint32 counts, flags, enums). */
  uint(v: number): void {
    this.ascii(String(v));
  }

  /** A quoted integer (int64 as a decimal string). */
  quotedInt(v: number | bigint): void {
    this.ascii(`"${v}"`);
  }

  /** A number, or the proto3 JSON strings for the values JSON has no number for. */
  double(v: number): void {
    if (Number.isFinite(v)) this.ascii(String(v));
    else this.ascii(Number.isNaN(v) ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"');
  }

  /** An HrTime as nanoseconds since the epoch: a quoted decimal string, exact for every uint64. */
  hrTime(time: HrTime): void {
    let s = time[0];
    let ns = time[1];
    if (!(ns >= 0 && ns < 1e9)) {
      const carry = Math.floor(ns / 1e9);
      s += carry;
      ns -= carry * 1e9;
    }
    if (s === 0) {
      this.ascii(`"${ns}"`);
      return;
    }
    this.ascii(`"${s}`);
    // nine digits, zero-padded
    this.reserve(10);
    const b = this.buf;
    const p = this.pos;
    for (let k = 8; k >= 0; k--) {
      const d = ns % 10;
      b[p + k] = 48 + d;
      ns = (ns - d) / 10;
    }
    b[p + 9] = QUOTE;
    this.pos = p + 10;
  }

  /** Bytes as a quoted base64 string. */
  bytes(bytes: Uint8Array): void {
    this.ascii(`"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}"`);
  }
}

// ---------------------------------------------------------------------------------------------
// Writer reuse

let spare: JsonWriter | undefined;
/** As for the protobuf writer (a batch of 512 typical spans takes about 600 KiB of JSON). */
const KEEP_BUFFER_LIMIT = 2 * 1024 * 1024;

/** A writer for one request; the buffer of the previous request is reused. */
export function acquireJsonWriter(): JsonWriter {
  const j = spare ?? new JsonWriter();
  spare = undefined;
  j.pos = 0;
  return j;
}

/** Gives the writer back for the next request (its content must have been copied out). */
export function releaseJsonWriter(j: JsonWriter): void {
  if (j.buf.length <= KEEP_BUFFER_LIMIT) spare = j;
}

/** The request as a Buffer (an exactly sized copy); the writer is kept for the next request. */
export function finishJsonBuffer(j: JsonWriter): Buffer {
  const out = Buffer.allocUnsafe(j.pos);
  j.buf.copy(out, 0, 0, j.pos);
  releaseJsonWriter(j);
  return out;
}

/** The request as a string; the writer is kept for the next request. */
export function finishJsonString(j: JsonWriter): string {
  const out = j.buf.toString('utf8', 0, j.pos);
  releaseJsonWriter(j);
  return out;
}

// ---------------------------------------------------------------------------------------------
// AnyValue, KeyValue, Resource, InstrumentationScope

/** Writes the JSON AnyValue object for `value`, e.g. `{"stringValue":"x"}`; `{}` for null/undefined. */
export function writeJsonAnyValue(j: JsonWriter, value: unknown, depth = 0): void {
  switch (typeof value) {
    case 'string':
      j.ascii('{"stringValue":');
      j.str(value);
      j.ascii('}');
      return;
    case 'number':
      if (Number.isSafeInteger(value)) {
        j.ascii(`{"intValue":"${value}"}`);
      } else {
        j.ascii('{"doubleValue":');
        j.double(value);
        j.ascii('}');
      }
      return;
    case 'boolean':
      j.ascii(value ? '{"boolValue":true}' : '{"boolValue":false}');
      return;
    case 'bigint':
      if (value >= INT64_MIN && value <= INT64_MAX) {
        j.ascii(`{"intValue":"${value}"}`);
      } else {
        j.ascii('{"doubleValue":');
        j.double(Number(value));
        j.ascii('}');
      }
      return;
    case 'object': {
      if (value === null || depth >= MAX_ANY_VALUE_DEPTH) break;
      if (Array.isArray(value)) {
        if (value.length === 0) {
          j.ascii('{"arrayValue":{}}');
          return;
        }
        j.ascii('{"arrayValue":{"values":[');
        for (let i = 0; i < value.length; i++) {
          if (i > 0) j.ascii(',');
          writeJsonAnyValue(j, value[i], depth + 1);
        }
        j.ascii(']}}');
        return;
      }
      if (value instanceof Uint8Array) {
        j.ascii('{"bytesValue":');
        j.bytes(value);
        j.ascii('}');
        return;
      }
      if (value instanceof Date) {
        j.ascii('{"stringValue":');
        j.str(Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString());
        j.ascii('}');
        return;
      }
      j.ascii('{"kvlistValue":{');
      writeJsonAttributes(j, '"values":', value as AnyAttributes, depth + 1);
      j.ascii('}}');
      return;
    }
    default:
  }
  j.ascii('{}');
}

/** Writes one KeyValue object. */
export function writeJsonKeyValue(j: JsonWriter, key: string, value: unknown, depth = 0): void {
  j.ascii('{"key":');
  j.str(key);
  j.ascii(',"value":');
  writeJsonAnyValue(j, value, depth);
  j.ascii('}');
}

/**
 * Writes an attribute map as the member `key` (e.g. `"attributes":`, with the comma handled by
 * JsonWriter.member), an array of KeyValue; nothing when the map is empty (the field is omitted).
 */
export function writeJsonAttributes(j: JsonWriter, key: string, attributes: AnyAttributes | undefined, depth = 0): void {
  if (attributes === undefined || attributes === null) return;
  let first = true;
  for (const k in attributes) {
    if (!hasOwn.call(attributes, k)) continue;
    const value = attributes[k];
    if (value === undefined) continue;
    if (first) {
      j.member(key);
      j.ascii('[{"key":');
      first = false;
    } else {
      j.ascii(',{"key":');
    }
    j.str(k);
    j.ascii(',"value":');
    writeJsonAnyValue(j, value, depth);
    j.ascii('}');
  }
  if (!first) j.ascii(']');
}

/** Writes a `"key":count` member, or nothing for zero. */
export function writeJsonCount(j: JsonWriter, key: string, count: number | undefined): void {
  if (count) {
    j.member(key);
    j.uint(count);
  }
}

/** Writes the Resource object. */
export function writeJsonResource(j: JsonWriter, resource: ResourceLike): void {
  j.ascii('{');
  writeJsonAttributes(j, '"attributes":', resource.attributes);
  writeJsonCount(j, '"droppedAttributesCount":', resource.droppedAttributesCount);
  j.ascii('}');
}

/** Writes `prefix` (such as `,"events":[`), the items, and `]`; nothing at all when there are none. */
export function writeJsonArray<T>(j: JsonWriter, prefix: string, items: readonly T[], write: (j: JsonWriter, item: T) => void): void {
  if (items.length === 0) return;
  j.ascii(prefix);
  for (let i = 0; i < items.length; i++) {
    if (i > 0) j.ascii(',');
    write(j, items[i]!);
  }
  j.ascii(']');
}

/** Writes the InstrumentationScope object. */
export function writeJsonScope(j: JsonWriter, scope: ScopeLike): void {
  j.ascii('{');
  if (scope.name) {
    j.member('"name":');
    j.str(scope.name);
  }
  if (scope.version) {
    j.member('"version":');
    j.str(scope.version);
  }
  writeJsonAttributes(j, '"attributes":', scope.attributes);
  writeJsonCount(j, '"droppedAttributesCount":', scope.droppedAttributesCount);
  j.ascii('}');
}

/** The JSON of one AnyValue, as a string (for tests and the console). */
export function jsonAnyValue(value: unknown): string {
  const j = new JsonWriter(256);
  writeJsonAnyValue(j, value);
  return j.buf.toString('utf8', 0, j.pos);
}

/**
 * Writes an Export*ServiceRequest of records grouped by resource and scope (traces, logs) in
 * OTLP/JSON: `{"<groups>":[{"resource":…,"<scopes>":[{"scope":…,"<items>":[…]}]}]}`, `{}` when
 * there are none.
 */
export function writeJsonGroupedRequest<T extends { readonly resource: ResourceLike; readonly instrumentationScope: ScopeLike }>(
  j: JsonWriter,
  records: readonly T[],
  names: { readonly groups: string; readonly scopes: string; readonly items: string },
  writeItem: (j: JsonWriter, item: T) => void,
): void {
  j.ascii('{');
  let first = true;
  for (const [resource, byScope] of groupByResourceAndScope(records)) {
    j.ascii(first ? `"${names.groups}":[{"resource":` : ',{"resource":');
    first = false;
    writeJsonResource(j, resource);
    j.ascii(`,"${names.scopes}":[`);
    for (const [scope, list] of byScope) {
      j.comma();
      j.ascii('{"scope":');
      writeJsonScope(j, scope);
      j.ascii(`,"${names.items}":[`);
      for (let i = 0; i < list.length; i++) {
        if (i > 0) j.ascii(',');
        writeItem(j, list[i]!);
      }
      j.ascii(']');
      if (scope.schemaUrl) {
        j.ascii(',"schemaUrl":');
        j.str(scope.schemaUrl);
      }
      j.ascii('}');
    }
    j.ascii(']');
    if (resource.schemaUrl) {
      j.ascii(',"schemaUrl":');
      j.str(resource.schemaUrl);
    }
    j.ascii('}');
  }
  j.ascii(first ? '}' : ']}');
}
