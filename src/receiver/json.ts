/**
 * OTLP/JSON: decodes Export*ServiceRequest JSON into the same tree as the protobuf decoder, by
 * the same field tables (schema.ts), following the OTLP/JSON rules (the proto3 JSON mapping with
 * OTLP's exceptions):
 * - keys in lowerCamelCase; the .proto (snake_case) names are accepted too, as proto3 JSON parsers
 *   do; unknown keys are ignored, as the OTLP specification requires of receivers; `null` stands
 *   for an absent field;
 * - trace and span ids as hex strings (not base64), any case; other bytes in base64 (standard or
 *   URL-safe, padding optional);
 * - enums as integers, or by their value names (`SPAN_KIND_SERVER`);
 * - 64-bit integers as decimal strings or JSON numbers; 32-bit ones as numbers or strings;
 *   doubles as numbers or strings, including `"NaN"`, `"Infinity"`, `"-Infinity"`.
 * Integers are range-checked. A JSON number beyond 2^53 in a 64-bit field is decoded exactly: the
 * payload is then parsed again with a parser that keeps such literals as text, so `"intValue":
 * 9007199254740993` gives the same `'9007199254740993'` as the protobuf encoding would.
 */
import { at, DecodeError, INT64_MAX, INT64_MIN, int64FromBigInt, MAX_ANY_VALUE_DEPTH, UINT64_MAX } from './common';
import { type FieldSpec, type MessageSpec, REQUEST_SPECS } from './schema';
import type { Int64, OtlpRequestBySignal, Signal } from './types';

/** An integer literal of the JSON text that a double cannot hold exactly (exact mode only). */
class BigIntLiteral {
  constructor(readonly text: string) {}
}

/** Thrown (never escapes this module) when a 64-bit field needs the exact parse. */
const NEED_EXACT: unique symbol = Symbol('need exact JSON parse');

/** Whether the current decode runs over the output of parseExact (decoding is synchronous). */
let exact = false;

/** Nesting allowed by the exact parser: far beyond what MAX_ANY_VALUE_DEPTH lets through anyway. */
const MAX_JSON_DEPTH = 1000;

/** Decodes an Export{Trace,Metrics,Logs}ServiceRequest in OTLP/JSON; throws DecodeError when malformed. */
export function decodeJsonRequest<S extends Signal>(signal: S, input: string | Uint8Array): OtlpRequestBySignal[S] {
  return decodeJsonMessage(REQUEST_SPECS[signal], input) as unknown as OtlpRequestBySignal[S];
}

/** Decodes one message of any spec in OTLP/JSON; throws DecodeError when malformed. */
export function decodeJsonMessage(spec: MessageSpec, input: string | Uint8Array): Record<string, unknown> {
  let text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new DecodeError(`invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    exact = false;
    return decodeMessage(parsed, spec, 0);
  } catch (e) {
    if (e !== NEED_EXACT) throw e;
  }
  exact = true;
  try {
    return decodeMessage(parseExact(text), spec, 0);
  } finally {
    exact = false;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof BigIntLiteral);
}

function rethrow(segment: string, e: unknown): never {
  if (e === NEED_EXACT) throw e;
  throw at(segment, e);
}

function decodeMessage(v: unknown, spec: MessageSpec, depth: number): Record<string, unknown> {
  if (spec.countsDepth && ++depth > MAX_ANY_VALUE_DEPTH) {
    throw new DecodeError(`AnyValue nested more than ${MAX_ANY_VALUE_DEPTH} levels deep`);
  }
  if (!isObject(v)) throw new DecodeError(`expected an object (${spec.name}), got ${describe(v)}`);
  const obj = spec.create();
  for (const key of Object.keys(v)) {
    const f = spec.byJsonName.get(key);
    if (f === undefined) continue;
    const x = v[key];
    if (x === null || x === undefined) continue;
    if (f.oneof !== undefined) {
      for (const other of spec.oneofs.get(f.oneof)!) {
        if (other !== f && other.name in obj) {
          throw new DecodeError(`both ${other.name} and ${f.name} are set, but only one of them may be`);
        }
      }
    }
    try {
      obj[f.name] = f.repeated ? readList(x, f, depth) : readValue(x, f, depth);
    } catch (e) {
      rethrow(f.name, e);
    }
  }
  return obj;
}

function readList(x: unknown, f: FieldSpec, depth: number): unknown[] {
  if (!Array.isArray(x)) throw new DecodeError(`expected an array, got ${describe(x)}`);
  const out = new Array<unknown>(x.length);
  for (let i = 0; i < x.length; i++) {
    try {
      out[i] = readValue(x[i], f, depth);
    } catch (e) {
      rethrow(`[${i}]`, e);
    }
  }
  return out;
}

function readValue(x: unknown, f: FieldSpec, depth: number): unknown {
  switch (f.kind) {
    case 'string':
      if (typeof x !== 'string') throw new DecodeError(`expected a string, got ${describe(x)}`);
      return x;
    case 'bytes':
      return readBase64(x);
    case 'traceId':
      return readHexId(x, 16, 'a trace id');
    case 'spanId':
      return readHexId(x, 8, 'a span id');
    case 'bool':
      if (typeof x !== 'boolean') throw new DecodeError(`expected true or false, got ${describe(x)}`);
      return x;
    case 'int32':
    case 'sint32':
      return readInt32(x, -2147483648, 2147483647);
    case 'uint32':
    case 'fixed32':
      return readInt32(x, 0, 4294967295);
    case 'enum':
      if (typeof x === 'string' && !/^-?\d+$/.test(x)) {
        const n = f.enumNames?.get(x);
        if (n === undefined) throw new DecodeError(`unknown enum value name ${describe(x)}`);
        return n;
      }
      return readInt32(x, -2147483648, 2147483647);
    case 'int64':
    case 'sfixed64':
      return readInt64(x, INT64_MIN, INT64_MAX);
    case 'uint64':
    case 'fixed64':
      return readInt64(x, 0n, UINT64_MAX);
    case 'double':
      return readDouble(x);
    case 'message':
      return decodeMessage(x, f.type!(), depth);
  }
}

const INTEGER = /^-?\d+$/;

function readInt32(x: unknown, min: number, max: number): number {
  let n: number;
  if (typeof x === 'number') n = x;
  else if (typeof x === 'string' && INTEGER.test(x)) n = Number(x);
  else if (x instanceof BigIntLiteral) n = Number(x.text);
  else throw new DecodeError(`expected an integer, got ${describe(x)}`);
  if (!Number.isInteger(n)) throw new DecodeError(`expected an integer, got ${describe(x)}`);
  if (n < min || n > max) throw new DecodeError(`${describe(x)} is out of range [${min}, ${max}]`);
  return n;
}

function readInt64(x: unknown, min: bigint, max: bigint): Int64 {
  let b: bigint;
  if (typeof x === 'number') {
    if (Number.isSafeInteger(x)) {
      if (x < 0 && min === 0n) throw new DecodeError(`${x} is out of range [0, ${max}]`);
      return x;
    }
    if (!Number.isInteger(x)) throw new DecodeError(`expected an integer, got ${describe(x)}`);
    // An integer literal beyond 2^53 lost digits in JSON.parse: parse again, exactly. In exact
    // mode such literals arrive as BigIntLiteral; a number here was written with an exponent
    // or a fraction and is taken as it is.
    if (!exact) throw NEED_EXACT;
    b = BigInt(x);
  } else if (typeof x === 'string' && INTEGER.test(x)) {
    b = BigInt(x);
  } else if (x instanceof BigIntLiteral) {
    b = BigInt(x.text);
  } else {
    throw new DecodeError(`expected an integer (a decimal string or a number), got ${describe(x)}`);
  }
  if (b < min || b > max) throw new DecodeError(`${describe(x)} is out of range [${min}, ${max}]`);
  return int64FromBigInt(b);
}

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function readDouble(x: unknown): number {
  if (typeof x === 'number') return x;
  if (x instanceof BigIntLiteral) return Number(x.text);
  if (typeof x === 'string') {
    if (x === 'NaN') return NaN;
    if (x === 'Infinity') return Infinity;
    if (x === '-Infinity') return -Infinity;
    if (JSON_NUMBER.test(x)) return Number(x);
  }
  throw new DecodeError(`expected a number, got ${describe(x)}`);
}

const HEX = /^[0-9a-fA-F]*$/;

function readHexId(x: unknown, size: number, what: string): string {
  if (typeof x !== 'string') throw new DecodeError(`expected ${what} as a hex string, got ${describe(x)}`);
  if (x === '') return '';
  if (x.length !== size * 2 || !HEX.test(x)) {
    throw new DecodeError(`${what} must be ${size * 2} hex digits, got ${describe(x)}`);
  }
  return x.toLowerCase();
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function readBase64(x: unknown): Buffer {
  if (typeof x !== 'string' || !BASE64.test(x)) throw new DecodeError(`expected base64 bytes, got ${describe(x)}`);
  return Buffer.from(x, 'base64');
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v instanceof BigIntLiteral) return v.text;
  if (Array.isArray(v)) return 'an array';
  if (isObject(v)) return 'an object';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

// --- exact parse -----------------------------------------------------------------------------

/**
 * JSON.parse, except that integer literals a double cannot hold exactly become BigIntLiterals,
 * and objects have a null prototype. Recursive, so nesting is capped at MAX_JSON_DEPTH.
 */
function parseExact(text: string): unknown {
  let i = 0;
  const n = text.length;
  const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

  const fail = (what: string): never => {
    throw new DecodeError(`invalid JSON: ${what} at position ${i}`);
  };
  const space = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const string = (): string => {
    const start = i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        try {
          return JSON.parse(text.slice(start, i)) as string;
        } catch {
          return fail('invalid string');
        }
      }
      i += c === 0x5c ? 2 : 1;
    }
    return fail('unterminated string');
  };
  const value = (depth: number): unknown => {
    if (depth > MAX_JSON_DEPTH) fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      const o: Record<string, unknown> = Object.create(null);
      space();
      if (text[i] === '}') {
        i++;
        return o;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail('expected a key');
        const key = string();
        space();
        if (text[i++] !== ':') fail("expected ':'");
        o[key] = value(depth + 1);
        space();
        const d = text[i++];
        if (d === '}') return o;
        if (d !== ',') fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const a: unknown[] = [];
      space();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value(depth + 1));
        space();
        const d = text[i++];
        if (d === ']') return a;
        if (d !== ',') fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m === null) return fail('unexpected character');
    i = NUMBER.lastIndex;
    const num = Number(m[0]);
    if (m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(num)) return new BigIntLiteral(m[0]);
    return num;
  };
  const result = value(0);
  space();
  if (i < n) fail('unexpected data after the value');
  return result;
}
