/**
 * Protobuf writers shared by the OTLP encoders of every signal: AnyValue, KeyValue, attribute
 * maps, Resource, InstrumentationScope, HrTime → fixed64, hex ids → bytes, and the grouping of
 * records by resource and scope. Everything writes straight into one Writer (writer.ts: no
 * intermediate message objects, no reflection); field numbers are those of opentelemetry-proto
 * (common/v1/common.proto, resource/v1/resource.proto).
 *
 * Value mapping (AnyValue):
 * - string → string_value (1), written even when empty (it is a oneof member);
 * - boolean → bool_value (2);
 * - number → int_value (3) when it is a safe integer, otherwise double_value (4) (NaN, ±Infinity,
 *   fractions, integers beyond 2^53);
 * - bigint → int_value when it fits in int64, otherwise double_value;
 * - array → array_value (5); null/undefined elements become empty AnyValues;
 * - Uint8Array (and Buffer) → bytes_value (7);
 * - Date → string_value (ISO 8601);
 * - any other object → kvlist_value (6) of its own enumerable properties (log bodies);
 * - null, undefined, functions, symbols → an empty AnyValue.
 * In attribute maps and kvlists a property whose value is `undefined` is skipped (as JSON.stringify
 * does); `null` is kept as a key with an empty value.
 *
 * Strings are written well-formed (a lone surrogate, e.g. from truncating a string in the middle
 * of a pair, becomes U+FFFD: Writer#string does it): a receiver such as the Collector rejects the
 * whole request for one invalid UTF-8 string.
 */
import { Writer } from './writer';
import type { HrTime, InstrumentationScope, Resource } from '../../../trace/types';

/** Any attribute map: the engine's Attributes, and arbitrary values for log attributes. */
export type AnyAttributes = Readonly<Record<string, unknown>>;

/** A scope as the encoders accept it: the engine's, optionally with attributes (as the SDK's). */
export type ScopeLike = InstrumentationScope & {
  readonly attributes?: AnyAttributes;
  readonly droppedAttributesCount?: number;
};

/** A resource as the encoders accept it. */
export type ResourceLike = Omit<Resource, 'attributes'> & {
  readonly attributes: AnyAttributes;
  readonly droppedAttributesCount?: number;
};

/** Nesting deeper than this (e.g. a cyclic log body) is written as an empty AnyValue. */
export const MAX_ANY_VALUE_DEPTH = 32;

/** Tag byte: field number and wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32). */
export const tag = (field: number, wireType: 0 | 1 | 2 | 5): number => ((field << 3) | wireType) >>> 0;

// The field numbers every grouped request shares (see writeGroupedRequest).
const T_GROUP_1 = tag(1, 2);
const T_GROUP_2 = tag(2, 2);
const T_GROUP_3 = tag(3, 2);

/**
 * Writes a length-delimited string field's value (the tag must be written before), with lone
 * surrogates replaced by U+FFFD (Writer#string checks that only for strings that are not ASCII).
 */
export function writeString(w: Writer, s: string): void {
  w.string(s);
}

// ---------------------------------------------------------------------------------------------
// Writer reuse

let spare: Writer | undefined;
/**
 * A writer whose buffer grew beyond this is not kept for the next request (a batch of 512 typical
 * spans takes about 300 KiB), so that one huge batch does not pin its memory for good.
 */
const KEEP_BUFFER_LIMIT = 2 * 1024 * 1024;

/**
 * A writer for one request. The writer of the previous request is reused (encoding is synchronous),
 * with its buffer, or with the size of the buffer it handed over (see finishWriter): that saves
 * the doublings of a growing buffer.
 */
export function acquireWriter(): Writer {
  const w = spare ?? new Writer();
  spare = undefined;
  return w.reset();
}

/**
 * The request's bytes, exactly sized, which the next request cannot change while this one is still
 * being sent (exports are asynchronous): Writer#finish copies them out, or hands its buffer over
 * and takes a new one. The writer is kept for the next request.
 */
export function finishWriter(w: Writer): Uint8Array {
  const out = w.finish();
  if (w.capacity <= KEEP_BUFFER_LIMIT) spare = w;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Grouping

interface Grouped {
  readonly resource: object;
  readonly instrumentationScope: object;
}

/**
 * The records grouped by resource (object identity), then by instrumentation scope (identity), in
 * order of first appearance; records keep their order. Only arrays of references are built.
 */
export function groupByResourceAndScope<T extends Grouped>(records: readonly T[]): Map<T['resource'], Map<T['instrumentationScope'], T[]>> {
  const byResource = new Map<T['resource'], Map<T['instrumentationScope'], T[]>>();
  let lastResource: object | undefined;
  let lastScope: object | undefined;
  let lastList: T[] | undefined;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const resource = r.resource;
    const scope = r.instrumentationScope;
    if (resource === lastResource && scope === lastScope) {
      lastList!.push(r);
      continue;
    }
    let byScope = byResource.get(resource);
    if (byScope === undefined) {
      byScope = new Map();
      byResource.set(resource, byScope);
    }
    let list = byScope.get(scope);
    if (list === undefined) {
      list = [];
      byScope.set(scope, list);
    }
    list.push(r);
    lastResource = resource;
    lastScope = scope;
    lastList = list;
  }
  return byResource;
}

/**
 * Writes an Export*ServiceRequest of records grouped by resource and scope (traces, logs): for
 * each resource a Resource{Spans,Logs} (field 1 of the request: resource 1, scope groups 2,
 * schema_url 3), for each scope a Scope{Spans,Logs} (scope 1, `writeItem`'s items 2, schema_url 3).
 */
export function writeGroupedRequest<T extends Grouped & { readonly resource: ResourceLike; readonly instrumentationScope: ScopeLike }>(
  w: Writer,
  records: readonly T[],
  writeItem: (w: Writer, item: T) => void,
): void {
  const steps = writeGroupedRequestSliced(w, records, writeItem, Infinity);
  while (!steps.next().done);
}

type GroupedRecord = Grouped & { readonly resource: ResourceLike; readonly instrumentationScope: ScopeLike };

/** A whole export request of grouped records (spans, log records), in the reused writer. */
export function encodeGroupedRequest<T extends GroupedRecord>(records: readonly T[], writeItem: (w: Writer, item: T) => void): Uint8Array {
  const w = acquireWriter();
  writeGroupedRequest(w, records, writeItem);
  return finishWriter(w);
}

/** encodeGroupedRequest a slice of records at a time: resume it until it returns the body. */
export function* encodeGroupedRequestSliced<T extends GroupedRecord>(
  records: readonly T[],
  writeItem: (w: Writer, item: T) => void,
  slice?: number,
): Generator<void, Uint8Array> {
  const w = acquireWriter();
  yield* writeGroupedRequestSliced(w, records, writeItem, slice);
  return finishWriter(w);
}

/** Records written per turn of the event loop by the sliced encoders (~0.1 ms of spans). */
export const ENCODE_SLICE = 64;

/**
 * writeGroupedRequest, pausing (a generator's yield) after every `slice` records: the caller
 * resumes it on a later turn of the event loop, so that encoding a big batch never holds the loop
 * for long. The writer keeps the open sub-messages between slices.
 */
export function* writeGroupedRequestSliced<T extends Grouped & { readonly resource: ResourceLike; readonly instrumentationScope: ScopeLike }>(
  w: Writer,
  records: readonly T[],
  writeItem: (w: Writer, item: T) => void,
  slice: number = ENCODE_SLICE,
): Generator<void, void> {
  let written = 0;
  for (const [resource, byScope] of groupByResourceAndScope(records)) {
    w.uint32(T_GROUP_1).fork();
    writeResource(w, T_GROUP_1, resource);
    for (const [scope, list] of byScope) {
      w.uint32(T_GROUP_2).fork();
      writeScope(w, T_GROUP_1, scope);
      for (let i = 0; i < list.length; i++) {
        writeItem(w, list[i]!);
        if (++written % slice === 0 && written < records.length) yield;
      }
      if (scope.schemaUrl) {
        w.uint32(T_GROUP_3);
        writeString(w, scope.schemaUrl);
      }
      w.ldelim();
    }
    if (resource.schemaUrl) {
      w.uint32(T_GROUP_3);
      writeString(w, resource.schemaUrl);
    }
    w.ldelim();
  }
}

// ---------------------------------------------------------------------------------------------
// Scalars

/**
 * Writes `tag` and the HrTime as a fixed64 of nanoseconds since the epoch, exactly: the low word
 * is computed modulo 2^32 with Math.imul, and the high word from the (approximate) double total
 * minus the exact low word, whose error (a few thousand) is far below 2^31, so rounding is exact.
 * Valid for every time up to 2^64 - 1 ns ([18446744073, 709551615]); beyond that it wraps.
 */
export function writeHrTime(w: Writer, fieldTag: number, time: HrTime): void {
  const s = time[0];
  const ns = time[1];
  const lo = (Math.imul(s, 1000000000) + ns) >>> 0;
  const hi = Math.round((s * 1e9 + ns - lo) / 4294967296);
  w.uint32(fieldTag).fixed64(lo, hi);
}

/** Whether an HrTime is [0, 0] (the proto3 default, which is omitted). */
export const isZeroTime = (time: HrTime): boolean => time[0] === 0 && time[1] === 0;

/** Hex digit → value; anything that is not a hex digit counts as 0. */
const HEX = new Uint8Array(256);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[97 + i] = 10 + i;
  HEX[65 + i] = 10 + i;
}

/** Four bytes from eight hex characters at `i`, as the little-endian word fixed32 writes. */
function hexWord(h: string, i: number): number {
  return (
    ((HEX[h.charCodeAt(i) & 255]! << 4) |
      HEX[h.charCodeAt(i + 1) & 255]! |
      (HEX[h.charCodeAt(i + 2) & 255]! << 12) |
      (HEX[h.charCodeAt(i + 3) & 255]! << 8) |
      (HEX[h.charCodeAt(i + 4) & 255]! << 20) |
      (HEX[h.charCodeAt(i + 5) & 255]! << 16) |
      (HEX[h.charCodeAt(i + 6) & 255]! << 28) |
      (HEX[h.charCodeAt(i + 7) & 255]! << 24)) >>>
    0
  );
}

let scratch = new Uint8Array(32);

/**
 * Writes `tag` and the bytes of a hex id (trace id: 32 characters → 16 bytes, span id: 16 → 8),
 * parsed straight into the writer as fixed32 words: no Buffer per id. Other lengths go through a
 * scratch buffer (an odd last digit is ignored).
 */
export function writeHexId(w: Writer, fieldTag: number, hex: string): void {
  const n = hex.length;
  if (n === 32) {
    w.uint32(fieldTag).uint32(16).fixed64(hexWord(hex, 0), hexWord(hex, 8)).fixed64(hexWord(hex, 16), hexWord(hex, 24));
  } else if (n === 16) {
    w.uint32(fieldTag).uint32(8).fixed64(hexWord(hex, 0), hexWord(hex, 8));
  } else {
    const len = n >>> 1;
    if (scratch.length < len) scratch = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      scratch[i] = (HEX[hex.charCodeAt(2 * i) & 255]! << 4) | HEX[hex.charCodeAt(2 * i + 1) & 255]!;
    }
    w.uint32(fieldTag).bytes(scratch.subarray(0, len));
  }
}

// ---------------------------------------------------------------------------------------------
// AnyValue, KeyValue

const T_STRING = tag(1, 2);
const T_BOOL = tag(2, 0);
const T_INT = tag(3, 0);
const T_DOUBLE = tag(4, 1);
const T_ARRAY = tag(5, 2);
const T_KVLIST = tag(6, 2);
const T_BYTES = tag(7, 2);
/** ArrayValue.values, KeyValueList.values and KeyValue.key are all field 1, length-delimited. */
const T_1 = tag(1, 2);
/** KeyValue.value. */
const T_KV_VALUE = tag(2, 2);

const hasOwn = Object.prototype.hasOwnProperty;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Writes the fields of an AnyValue message for `value` (not its tag and length: the caller opens
 * the message). See the module comment for the mapping.
 */
export function writeAnyValue(w: Writer, value: unknown, depth = 0): void {
  switch (typeof value) {
    case 'string':
      w.uint32(T_STRING);
      writeString(w, value);
      return;
    case 'number':
      if (Number.isSafeInteger(value)) {
        // (negative numbers take ten bytes, as proto requires)
        w.uint32(T_INT).int64(value);
      } else {
        w.uint32(T_DOUBLE).double(value);
      }
      return;
    case 'boolean':
      w.uint32(T_BOOL).bool(value);
      return;
    case 'bigint':
      if (value >= INT64_MIN && value <= INT64_MAX) {
        const bits = BigInt.asUintN(64, value);
        w.uint32(T_INT).int64Bits(Number(bits & 0xffffffffn), Number(bits >> 32n));
      } else {
        w.uint32(T_DOUBLE).double(Number(value));
      }
      return;
    case 'object':
      if (value === null || depth >= MAX_ANY_VALUE_DEPTH) return;
      if (Array.isArray(value)) {
        w.uint32(T_ARRAY).fork();
        for (let i = 0; i < value.length; i++) {
          w.uint32(T_1).fork();
          writeAnyValue(w, value[i], depth + 1);
          w.ldelim();
        }
        w.ldelim();
        return;
      }
      if (value instanceof Uint8Array) {
        w.uint32(T_BYTES).bytes(value);
        return;
      }
      if (value instanceof Date) {
        w.uint32(T_STRING);
        writeString(w, Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString());
        return;
      }
      w.uint32(T_KVLIST).fork();
      writeKeyValues(w, T_1, value as AnyAttributes, depth + 1);
      w.ldelim();
      return;
    default:
    // undefined, function, symbol: an empty AnyValue
  }
}

/** Writes one KeyValue message as field `fieldTag`. */
// KeyValues of string attributes, encoded once and copied afterwards. A program's attributes
// repeat (the method, the scheme, the server's address, the user agent, a query's text and
// summary, the database's name), and copying a KeyValue's bytes costs a fraction of writing its
// key and value char by char. A pair is encoded for the cache only when seen a second time, so
// values that never repeat (paths with ids, client ports) cost one map entry, not an encoding;
// the cache starts over when full.
const KV_CACHE_ENTRIES = 4096;
const KV_CACHE_MAX_CHARS = 256;
const SEEN_ONCE = new Uint8Array(0);
let kvCache = new Map<string, Map<string, Uint8Array>>();
let kvEntries = 0;
const kvScratch = new Writer(512);

function cachedKeyValue(key: string, value: string): Uint8Array | undefined {
  if (value.length > KV_CACHE_MAX_CHARS || key.length > KV_CACHE_MAX_CHARS) return undefined;
  let byValue = kvCache.get(key);
  const known = byValue?.get(value);
  if (known !== undefined && known !== SEEN_ONCE) return known;
  if (kvEntries >= KV_CACHE_ENTRIES) {
    kvCache = new Map();
    kvEntries = 0;
    byValue = undefined;
  }
  if (!byValue) kvCache.set(key, (byValue = new Map()));
  if (known === undefined) {
    byValue.set(value, SEEN_ONCE);
    kvEntries++;
    return undefined;
  }
  // The KeyValue with its length prefix, as writeKeyValue writes it after the field's tag.
  const s = kvScratch.reset();
  s.fork().uint32(T_1);
  writeString(s, key);
  s.uint32(T_KV_VALUE).fork().uint32(T_STRING);
  writeString(s, value);
  s.ldelim().ldelim();
  const bytes = Uint8Array.prototype.slice.call(s.buf, 0, s.pos) as Uint8Array;
  byValue.set(value, bytes);
  return bytes;
}

export function writeKeyValue(w: Writer, fieldTag: number, key: string, value: unknown, depth = 0): void {
  if (typeof value === 'string') {
    const cached = cachedKeyValue(key, value);
    if (cached !== undefined) {
      w.uint32(fieldTag).raw(cached);
      return;
    }
  }
  w.uint32(fieldTag).fork().uint32(T_1);
  writeString(w, key);
  w.uint32(T_KV_VALUE).fork();
  writeAnyValue(w, value, depth);
  w.ldelim().ldelim();
}

function writeKeyValues(w: Writer, fieldTag: number, map: AnyAttributes, depth: number): void {
  for (const key in map) {
    if (!hasOwn.call(map, key)) continue;
    const value = map[key];
    if (value === undefined) continue;
    writeKeyValue(w, fieldTag, key, value, depth);
  }
}

/** Writes an attribute map as repeated KeyValue field `fieldTag` (a tag from `tag(n, 2)`). */
export function writeAttributes(w: Writer, fieldTag: number, attributes: AnyAttributes | undefined): void {
  if (attributes !== undefined && attributes !== null) writeKeyValues(w, fieldTag, attributes, 0);
}

// ---------------------------------------------------------------------------------------------
// Resource, InstrumentationScope

const T_RESOURCE_ATTRIBUTES = tag(1, 2);
const T_RESOURCE_DROPPED = tag(2, 0);
const T_SCOPE_NAME = tag(1, 2);
const T_SCOPE_VERSION = tag(2, 2);
const T_SCOPE_ATTRIBUTES = tag(3, 2);
const T_SCOPE_DROPPED = tag(4, 0);

/** Writes a Resource message (always present, even without attributes) as field `fieldTag`. */
export function writeResource(w: Writer, fieldTag: number, resource: ResourceLike): void {
  w.uint32(fieldTag).fork();
  writeAttributes(w, T_RESOURCE_ATTRIBUTES, resource.attributes);
  const dropped = resource.droppedAttributesCount;
  if (dropped) w.uint32(T_RESOURCE_DROPPED).uint32(dropped);
  w.ldelim();
}

/** Writes an InstrumentationScope message (always present) as field `fieldTag`. */
export function writeScope(w: Writer, fieldTag: number, scope: ScopeLike): void {
  w.uint32(fieldTag).fork();
  if (scope.name) {
    w.uint32(T_SCOPE_NAME);
    writeString(w, scope.name);
  }
  if (scope.version) {
    w.uint32(T_SCOPE_VERSION);
    writeString(w, scope.version);
  }
  if (scope.attributes) writeAttributes(w, T_SCOPE_ATTRIBUTES, scope.attributes);
  if (scope.droppedAttributesCount) w.uint32(T_SCOPE_DROPPED).uint32(scope.droppedAttributesCount);
  w.ldelim();
}
