/**
 * Decoders of what an OTLP server answers, for the exporters' result and error handling:
 * - Export{Trace,Metrics,Logs}ServiceResponse { Export…PartialSuccess partial_success = 1
 *   { int64 rejected_spans|rejected_data_points|rejected_log_records = 1; string error_message = 2 } }
 *   (the three signals share that layout), from protobuf bytes or from OTLP/JSON;
 * - google.rpc.Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3 }
 *   (the body of OTLP/HTTP failures, and gRPC's grpc-status-details-bin), with the retry delay of a
 *   google.rpc.RetryInfo { google.protobuf.Duration retry_delay = 1 } detail.
 * None of them throws: garbage gives undefined.
 *
 * The binary ones read with the small Reader below rather than protobufjs's: the exporters load
 * this module, and protobufjs/minimal alone costs ~13 ms to load, for the few fields read here.
 */

export interface PartialSuccess {
  /** Rejected spans, data points or log records (0 when the server only sends a warning). */
  rejected: number;
  message: string;
}

export interface RpcStatus {
  code: number;
  message: string;
  /** From a google.rpc.RetryInfo detail, in milliseconds. */
  retryDelayMs?: number;
}

export type OtlpSignalName = 'traces' | 'metrics' | 'logs';

const REJECTED_FIELD: Record<OtlpSignalName, readonly [string, string]> = {
  traces: ['rejectedSpans', 'rejected_spans'],
  metrics: ['rejectedDataPoints', 'rejected_data_points'],
  logs: ['rejectedLogRecords', 'rejected_log_records'],
};

const RETRY_INFO_TYPE = 'google.rpc.RetryInfo';

/** Thrown by the Reader for bytes that are not protobuf; the decoders catch it (→ undefined). */
class Garbage extends Error {}

/**
 * Unknown groups (the deprecated wire types 3 and 4) nest at most this deep when skipped, so that
 * hostile bytes cannot exhaust the stack (protobufjs and protoc use the same limit).
 */
const MAX_GROUP_DEPTH = 100;

/**
 * The wire primitives the decoders need, over one byte array: varints of up to ten bytes,
 * lengths, strings, bytes, and the skipping of unknown fields of every wire type. Every read is
 * bounds-checked and throws Garbage past the end or on a malformed varint, tag or length.
 */
class Reader {
  pos = 0;
  readonly len: number;
  /** The high 32 bits of the last varint read (its low bits are what varint() returns). */
  private hi = 0;
  private text: Buffer | undefined;

  constructor(private readonly buf: Uint8Array) {
    this.len = buf.length;
  }

  /** A varint of up to ten bytes: its low 32 bits (unsigned); the high ones go to `hi`. */
  varint(): number {
    const buf = this.buf;
    const len = this.len;
    let p = this.pos;
    let lo = 0;
    let hi = 0;
    let b: number;
    // bytes 1 to 4: 7 bits each of the low word
    for (let shift = 0; shift < 28; shift += 7) {
      if (p >= len) throw new Garbage('varint beyond the end');
      b = buf[p++]!;
      lo |= (b & 127) << shift;
      if (b < 128) {
        this.pos = p;
        this.hi = 0;
        return lo >>> 0;
      }
    }
    // byte 5: 4 bits of the low word, 3 of the high one
    if (p >= len) throw new Garbage('varint beyond the end');
    b = buf[p++]!;
    lo |= (b & 127) << 28;
    hi = (b & 127) >>> 4;
    // bytes 6 to 10: the rest of the high word (bits beyond 64 are dropped)
    for (let shift = 3; b >= 128; shift += 7) {
      if (shift > 31) throw new Garbage('varint longer than ten bytes');
      if (p >= len) throw new Garbage('varint beyond the end');
      b = buf[p++]!;
      hi |= (b & 127) << shift;
    }
    this.pos = p;
    this.hi = hi >>> 0;
    return lo >>> 0;
  }

  /** A tag (field number and wire type); field number 0 does not exist. */
  tag(): number {
    const t = this.varint();
    if (this.hi !== 0 || t >>> 3 === 0) throw new Garbage('invalid tag');
    return t;
  }

  /** An int32 varint (a negative one takes ten bytes; its low word is the value). */
  int32(): number {
    return this.varint() | 0;
  }

  /** An int64 varint as a number (exact up to 2^53 in magnitude), two's complement for negatives. */
  int64(): number {
    const lo = this.varint();
    return (this.hi | 0) * 4294967296 + lo;
  }

  /** The end offset of the length-delimited value at the reader's position, checked. */
  delimitedEnd(): number {
    const n = this.varint();
    const end = this.pos + n;
    if (this.hi !== 0 || end > this.len) throw new Garbage('length beyond the end of the message');
    return end;
  }

  /** A length-delimited string (invalid UTF-8 becomes U+FFFD, as in every decoder of Node). */
  string(): string {
    const end = this.delimitedEnd();
    const start = this.pos;
    this.pos = end;
    if (this.text === undefined) this.text = Buffer.from(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    return this.text.toString('utf8', start, end);
  }

  /** A length-delimited byte string (a view into the input, not a copy). */
  bytes(): Uint8Array {
    const end = this.delimitedEnd();
    const start = this.pos;
    this.pos = end;
    return this.buf.subarray(start, end);
  }

  /** Skips the value of an unknown field `field` of wire type `wireType` (its tag already read). */
  skip(wireType: number, field: number, depth = 0): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.pos = this.delimitedEnd();
        return;
      case 3: {
        // a group: fields up to the end-group tag of the same field number
        if (depth >= MAX_GROUP_DEPTH) throw new Garbage('groups nested too deep');
        for (;;) {
          const t = this.tag();
          if ((t & 7) === 4) {
            if (t >>> 3 !== field) throw new Garbage('mismatched end-group tag');
            return;
          }
          this.skip(t & 7, t >>> 3, depth + 1);
        }
      }
      case 5:
        this.advance(4);
        return;
      default:
        // 4 (an end-group without its start), 6 and 7 (not wire types)
        throw new Garbage(`invalid wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.len) throw new Garbage('field beyond the end');
    this.pos += n;
  }
}

function toBytes(body: Uint8Array): Uint8Array | undefined {
  return body instanceof Uint8Array ? body : undefined;
}

/**
 * The partial success of an Export*ServiceResponse in binary protobuf; undefined when there is none
 * (a full success: partial_success absent, or present with nothing in it) or when the bytes are
 * not such a message. Unknown fields are skipped; a known field with a wrong wire type is garbage.
 */
export function decodePartialSuccess(body: Uint8Array): PartialSuccess | undefined {
  try {
    const bytes = toBytes(body);
    if (bytes === undefined) return undefined;
    const r = new Reader(bytes);
    let found = false;
    let rejected = 0;
    let message = '';
    while (r.pos < r.len) {
      const t = r.tag();
      const field = t >>> 3;
      const wireType = t & 7;
      if (field !== 1) {
        r.skip(wireType, field);
        continue;
      }
      if (wireType !== 2) return undefined;
      const end = r.delimitedEnd();
      found = true;
      // a repeated embedded message is merged into the previous one, as proto requires
      while (r.pos < end) {
        const t2 = r.tag();
        const f2 = t2 >>> 3;
        const w2 = t2 & 7;
        if (f2 === 1) {
          if (w2 !== 0) return undefined;
          rejected = r.int64();
        } else if (f2 === 2) {
          if (w2 !== 2) return undefined;
          message = r.string();
        } else {
          r.skip(w2, f2);
        }
      }
      if (r.pos !== end) return undefined;
    }
    if (!found || (rejected === 0 && message === '')) return undefined;
    return { rejected, message };
  } catch {
    return undefined;
  }
}

function parseJson(body: string | Uint8Array): unknown {
  const text = typeof body === 'string' ? body : toBytes(body) ? Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8') : '';
  return JSON.parse(text);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A proto3 JSON integer: a number or a decimal string. */
function jsonInteger(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return undefined;
}

/**
 * The partial success of an Export*ServiceResponse in OTLP/JSON (lowerCamelCase or the proto
 * field names, counts as numbers or strings). `signal` picks the count's name; without it any of
 * the three is accepted. Undefined as for decodePartialSuccess.
 */
export function decodePartialSuccessJson(body: string | Uint8Array, signal?: OtlpSignalName): PartialSuccess | undefined {
  try {
    const doc = parseJson(body);
    if (!isObject(doc)) return undefined;
    const ps = doc['partialSuccess'] ?? doc['partial_success'];
    if (ps === undefined || ps === null) return undefined;
    if (!isObject(ps)) return undefined;
    const names = signal ? REJECTED_FIELD[signal] : Object.values(REJECTED_FIELD).flat();
    let rejected = 0;
    for (const name of names) {
      const v = ps[name];
      if (v === undefined || v === null) continue;
      const n = jsonInteger(v);
      if (n === undefined) return undefined;
      rejected = n;
      break;
    }
    const m = ps['errorMessage'] ?? ps['error_message'] ?? '';
    if (typeof m !== 'string') return undefined;
    if (rejected === 0 && m === '') return undefined;
    return { rejected, message: m };
  } catch {
    return undefined;
  }
}

/** google.protobuf.Duration { int64 seconds = 1; int32 nanos = 2 } in milliseconds, from a RetryInfo. */
function decodeRetryInfo(bytes: Uint8Array): number | undefined {
  try {
    const r = new Reader(bytes);
    let delay: number | undefined;
    while (r.pos < r.len) {
      const t = r.tag();
      const field = t >>> 3;
      const wireType = t & 7;
      if (field !== 1 || wireType !== 2) {
        r.skip(wireType, field);
        continue;
      }
      const end = r.delimitedEnd();
      let seconds = 0;
      let nanos = 0;
      while (r.pos < end) {
        const t2 = r.tag();
        const f2 = t2 >>> 3;
        const w2 = t2 & 7;
        if (f2 === 1 && w2 === 0) seconds = r.int64();
        else if (f2 === 2 && w2 === 0) nanos = r.int32();
        else r.skip(w2, f2);
      }
      if (r.pos !== end) return undefined;
      delay = seconds * 1000 + nanos / 1e6;
    }
    return delay !== undefined && Number.isFinite(delay) && delay >= 0 ? delay : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A google.rpc.Status in binary protobuf; undefined for empty input or bytes that are not one.
 * A RetryInfo detail that cannot be decoded is ignored.
 */
export function decodeRpcStatus(body: Uint8Array): RpcStatus | undefined {
  try {
    const bytes = toBytes(body);
    if (bytes === undefined || bytes.length === 0) return undefined;
    const r = new Reader(bytes);
    let seen = false;
    const status: RpcStatus = { code: 0, message: '' };
    while (r.pos < r.len) {
      const t = r.tag();
      const field = t >>> 3;
      const wireType = t & 7;
      if (field === 1) {
        if (wireType !== 0) return undefined;
        status.code = r.int32();
        seen = true;
      } else if (field === 2) {
        if (wireType !== 2) return undefined;
        status.message = r.string();
        seen = true;
      } else if (field === 3) {
        if (wireType !== 2) return undefined;
        seen = true;
        const end = r.delimitedEnd();
        // google.protobuf.Any { string type_url = 1; bytes value = 2 }
        let typeUrl = '';
        let value: Uint8Array | undefined;
        while (r.pos < end) {
          const t2 = r.tag();
          const f2 = t2 >>> 3;
          const w2 = t2 & 7;
          if (f2 === 1 && w2 === 2) typeUrl = r.string();
          else if (f2 === 2 && w2 === 2) value = r.bytes();
          else r.skip(w2, f2);
        }
        if (r.pos !== end) return undefined;
        if (value !== undefined && typeUrl.endsWith(RETRY_INFO_TYPE)) {
          const delay = decodeRetryInfo(value);
          if (delay !== undefined) status.retryDelayMs = delay;
        }
      } else {
        r.skip(wireType, field);
      }
    }
    return seen ? status : undefined;
  } catch {
    return undefined;
  }
}

/** A proto3 JSON Duration ("1.5s") in milliseconds. */
function jsonDurationMs(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+)(?:\.(\d{1,9}))?s$/.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * 1000 + (m[2] ? Number(m[2].padEnd(9, '0')) / 1e6 : 0);
}

/** A google.rpc.Status in JSON (details as proto3 JSON Any objects with "@type"). */
export function decodeRpcStatusJson(body: string | Uint8Array): RpcStatus | undefined {
  try {
    const doc = parseJson(body);
    if (!isObject(doc)) return undefined;
    const code = doc['code'] === undefined ? 0 : jsonInteger(doc['code']);
    const message = doc['message'] ?? '';
    if (code === undefined || typeof message !== 'string') return undefined;
    if (doc['code'] === undefined && doc['message'] === undefined && doc['details'] === undefined) return undefined;
    const status: RpcStatus = { code, message };
    const details = doc['details'];
    if (Array.isArray(details)) {
      for (const d of details) {
        if (!isObject(d) || typeof d['@type'] !== 'string' || !d['@type'].endsWith(RETRY_INFO_TYPE)) continue;
        const delay = jsonDurationMs(d['retryDelay'] ?? d['retry_delay']);
        if (delay !== undefined) status.retryDelayMs = delay;
      }
    }
    return status;
  } catch {
    return undefined;
  }
}
