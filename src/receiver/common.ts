import type { AggregationTemporalityName, Int64, SpanKindName, StatusCodeName } from './types';

/** AnyValues nested deeper than this (arrays and kvlists within each other) make a request malformed. */
export const MAX_ANY_VALUE_DEPTH = 64;

/**
 * A malformed payload. `path` locates the problem in the request (field names as in OTLP/JSON,
 * e.g. `resourceSpans[0].scopeSpans[1].spans[2].traceId`); segments are added as the error
 * travels up through the decoders.
 */
export class DecodeError extends Error {
  readonly path: string[] = [];
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'DecodeError';
  }
}

/** Converts anything thrown while decoding into a DecodeError located at `segment`. */
export function at(segment: string, error: unknown): DecodeError {
  const e = error instanceof DecodeError ? error : new DecodeError(describeThrown(error));
  if (segment === '') return e;
  e.path.unshift(segment);
  e.message = `${e.path.join('.').replace(/\.\[/g, '[')}: ${e.reason}`;
  return e;
}

function describeThrown(error: unknown): string {
  if (error instanceof RangeError && /call stack/i.test(error.message)) return 'too deeply nested';
  if (error instanceof RangeError && /^index out of range/.test(error.message)) return `truncated (${error.message})`;
  if (error instanceof Error) return error.message;
  return String(error);
}

// --- 64-bit integers -------------------------------------------------------------------------

const TWO_32 = 4294967296;
/** hi words below this keep hi * 2^32 + lo under 2^53. */
const SAFE_HI = 0x200000;

/** The Int64 rule: a number when safe, the decimal string otherwise. */
export function int64FromBigInt(v: bigint): Int64 {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v.toString();
}

/** An unsigned 64-bit value from its two 32-bit halves (each 0 ≤ x < 2^32). */
export function uint64FromHiLo(hi: number, lo: number): Int64 {
  if (hi < SAFE_HI) return hi * TWO_32 + lo;
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** A signed (two's complement) 64-bit value from its two 32-bit halves. */
export function int64FromHiLo(hi: number, lo: number): Int64 {
  if (hi < 0x80000000) return uint64FromHiLo(hi, lo);
  // Negative: magnitude = 2^64 - value.
  let mlo = (~lo >>> 0) + 1;
  let mhi = ~hi >>> 0;
  if (mlo === TWO_32) {
    mlo = 0;
    mhi = (mhi + 1) >>> 0;
  }
  if (mhi < SAFE_HI) return -(mhi * TWO_32 + mlo);
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/**
 * An Int64 as a bigint, for arithmetic on times and counts whatever their form:
 * `int64ToBigInt(span.endTimeUnixNano) - int64ToBigInt(span.startTimeUnixNano)`.
 */
export function int64ToBigInt(v: Int64): bigint {
  return BigInt(v);
}

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const UINT64_MAX = 2n ** 64n - 1n;

// --- ids -------------------------------------------------------------------------------------

export const TRACE_ID_BYTES = 16;
export const SPAN_ID_BYTES = 8;

/** An id from its bytes: lower-case hex, `''` when empty; any other length than `size` is malformed. */
export function idFromBytes(bytes: Uint8Array, size: number, what: string): string {
  if (bytes.length === 0) return '';
  if (bytes.length !== size) throw new DecodeError(`${what} must be ${size} bytes, got ${bytes.length}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

// --- enum names ------------------------------------------------------------------------------

const SPAN_KINDS: SpanKindName[] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS_CODES: StatusCodeName[] = ['UNSET', 'OK', 'ERROR'];
const TEMPORALITIES: AggregationTemporalityName[] = ['UNSPECIFIED', 'DELTA', 'CUMULATIVE'];

export const spanKindName = (kind: number): SpanKindName => SPAN_KINDS[kind] ?? 'UNKNOWN';
export const statusCodeName = (code: number): StatusCodeName => STATUS_CODES[code] ?? 'UNKNOWN';
export const temporalityName = (t: number): AggregationTemporalityName => TEMPORALITIES[t] ?? 'UNKNOWN';

const SEVERITIES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/** The OTLP enum value names accepted in OTLP/JSON, name → number. */
export const ENUM_NAMES = {
  spanKind: new Map(['UNSPECIFIED', ...SPAN_KINDS.slice(1)].map((n, i) => [`SPAN_KIND_${n}`, i])),
  statusCode: new Map(STATUS_CODES.map((n, i) => [`STATUS_CODE_${n}`, i])),
  aggregationTemporality: new Map(TEMPORALITIES.map((n, i) => [`AGGREGATION_TEMPORALITY_${n}`, i])),
  severityNumber: new Map<string, number>([
    ['SEVERITY_NUMBER_UNSPECIFIED', 0],
    ...SEVERITIES.flatMap((s, i) =>
      [1, 2, 3, 4].map((k): [string, number] => [`SEVERITY_NUMBER_${s}${k === 1 ? '' : k}`, i * 4 + k]),
    ),
  ]),
} as const;
