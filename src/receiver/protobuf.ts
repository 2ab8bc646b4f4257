/**
 * OTLP/protobuf: decodes Export*ServiceRequest messages by field number (the tables in
 * schema.ts), with protobufjs's Reader for the wire primitives and exact 64-bit integers; encodes
 * the few messages the receiver answers with.
 *
 * Strict where the wire format allows no doubt: a known field with the wrong wire type, a
 * truncated field, a length running past its message, an id of the wrong size, or AnyValues
 * nested deeper than MAX_ANY_VALUE_DEPTH make the request malformed (DecodeError). Unknown fields
 * are skipped, repeated scalars are accepted packed and unpacked, and a later occurrence of a
 * singular field replaces an earlier one.
 */
import * as protobuf from 'protobufjs/minimal';
import {
  at,
  DecodeError,
  idFromBytes,
  int64FromHiLo,
  MAX_ANY_VALUE_DEPTH,
  SPAN_ID_BYTES,
  TRACE_ID_BYTES,
  uint64FromHiLo,
} from './common';
import { type FieldSpec, type Kind, type MessageSpec, REQUEST_SPECS } from './schema';
import type { OtlpRequestBySignal, Signal } from './types';

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const SGROUP = 3;
const EGROUP = 4;
const I32 = 5;
const WIRE_NAMES = ['VARINT', 'I64', 'LEN', 'SGROUP', 'EGROUP', 'I32', 'invalid (6)', 'invalid (7)'];

const WIRE_TYPE: Record<Kind, number> = {
  string: LEN,
  bytes: LEN,
  traceId: LEN,
  spanId: LEN,
  message: LEN,
  bool: VARINT,
  int32: VARINT,
  uint32: VARINT,
  sint32: VARINT,
  enum: VARINT,
  int64: VARINT,
  uint64: VARINT,
  fixed32: I32,
  fixed64: I64,
  sfixed64: I64,
  double: I64,
};

type Reader = protobuf.Reader & { buf: Buffer };

/** Decodes an Export{Trace,Metrics,Logs}ServiceRequest; throws DecodeError when malformed. */
export function decodeProtobufRequest<S extends Signal>(signal: S, bytes: Uint8Array): OtlpRequestBySignal[S] {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = protobuf.Reader.create(buf) as Reader;
  return decodeMessage(reader, buf.length, REQUEST_SPECS[signal], 0) as unknown as OtlpRequestBySignal[S];
}

/** Decodes one message of any spec (for tests and tools); throws DecodeError when malformed. */
export function decodeProtobufMessage(spec: MessageSpec, bytes: Uint8Array): Record<string, unknown> {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decodeMessage(protobuf.Reader.create(buf) as Reader, buf.length, spec, 0);
}

function decodeMessage(r: Reader, end: number, spec: MessageSpec, depth: number): Record<string, unknown> {
  if (spec.countsDepth && ++depth > MAX_ANY_VALUE_DEPTH) {
    throw new DecodeError(`AnyValue nested more than ${MAX_ANY_VALUE_DEPTH} levels deep`);
  }
  const obj = spec.create();
  while (r.pos < end) {
    let no = 0;
    let wt = 0;
    let f: FieldSpec | undefined;
    try {
      const tag = r.tag();
      no = tag >>> 3;
      wt = tag & 7;
      if (no === 0) throw new DecodeError('invalid tag: field number 0');
      f = spec.byNo[no];
      if (f === undefined) skipField(r, end, no, wt);
      else readField(r, end, spec, f, wt, obj, depth);
    } catch (e) {
      throw at(f === undefined ? (no ? `#${no}` : '') : label(f, obj), e);
    }
  }
  if (r.pos > end) throw new DecodeError(`last field runs ${r.pos - end} byte(s) past the end of the ${spec.name}`);
  return obj;
}

function label(f: FieldSpec, obj: Record<string, unknown>): string {
  if (f.repeated && f.kind === 'message') return `${f.name}[${(obj[f.name] as unknown[]).length}]`;
  return f.name;
}

function readField(
  r: Reader,
  end: number,
  spec: MessageSpec,
  f: FieldSpec,
  wt: number,
  obj: Record<string, unknown>,
  depth: number,
): void {
  const expected = WIRE_TYPE[f.kind];
  if (f.repeated) {
    const list = obj[f.name] as unknown[];
    if (wt === LEN && expected !== LEN) {
      // packed
      const stop = lengthDelimited(r, end);
      while (r.pos < stop) list.push(readScalar(r, f.kind));
      if (r.pos !== stop) throw new DecodeError('packed values run past the end of their field');
      return;
    }
    checkWireType(wt, expected);
    list.push(f.kind === 'message' ? readMessage(r, end, f, depth) : readScalar(r, f.kind, end));
    return;
  }
  checkWireType(wt, expected);
  if (f.oneof !== undefined) clearOneof(obj, spec, f);
  obj[f.name] = f.kind === 'message' ? readMessage(r, end, f, depth) : readScalar(r, f.kind, end);
}

/** A oneof holds one value: setting a member clears the others (the last one on the wire wins). */
function clearOneof(obj: Record<string, unknown>, spec: MessageSpec, f: FieldSpec): void {
  for (const other of spec.oneofs.get(f.oneof!)!) {
    if (other !== f) delete obj[other.name];
  }
}

function checkWireType(wt: number, expected: number): void {
  if (wt !== expected) throw new DecodeError(`wire type ${WIRE_NAMES[wt]}, expected ${WIRE_NAMES[expected]}`);
}

function readMessage(r: Reader, end: number, f: FieldSpec, depth: number): Record<string, unknown> {
  const stop = lengthDelimited(r, end);
  return decodeMessage(r, stop, f.type!(), depth);
}

/** Reads a length prefix; returns where the field ends. */
function lengthDelimited(r: Reader, end: number): number {
  const len = r.uint32();
  if (len > end - r.pos) {
    throw new DecodeError(`length ${len} runs past the end of the enclosing message (${Math.max(0, end - r.pos)} bytes left)`);
  }
  return r.pos + len;
}

function readScalar(r: Reader, kind: Kind, end = r.len): unknown {
  switch (kind) {
    case 'string': {
      const stop = lengthDelimited(r, end);
      const s = r.buf.toString('utf8', r.pos, stop);
      r.pos = stop;
      return s;
    }
    case 'bytes': {
      const stop = lengthDelimited(r, end);
      const b = Buffer.from(r.buf.subarray(r.pos, stop));
      r.pos = stop;
      return b;
    }
    case 'traceId':
    case 'spanId': {
      const stop = lengthDelimited(r, end);
      const id = idFromBytes(
        r.buf.subarray(r.pos, stop),
        kind === 'traceId' ? TRACE_ID_BYTES : SPAN_ID_BYTES,
        kind === 'traceId' ? 'a trace id' : 'a span id',
      );
      r.pos = stop;
      return id;
    }
    case 'bool':
      readVarint64(r);
      return (hi | lo) !== 0;
    case 'int32':
    case 'enum':
      // int32 is sign-extended to 64 bits on the wire; the low 32 bits are the value.
      readVarint64(r);
      return lo | 0;
    case 'uint32':
      readVarint64(r);
      return lo;
    case 'sint32': {
      readVarint64(r);
      return (lo >>> 1) ^ -(lo & 1);
    }
    case 'int64':
      readVarint64(r);
      return int64FromHiLo(hi, lo);
    case 'uint64':
      readVarint64(r);
      return uint64FromHiLo(hi, lo);
    case 'fixed32':
      return r.fixed32();
    case 'fixed64': {
      const l = r.fixed32();
      return uint64FromHiLo(r.fixed32(), l);
    }
    case 'sfixed64': {
      const l = r.fixed32();
      return int64FromHiLo(r.fixed32(), l);
    }
    case 'double':
      return r.double();
    case 'message':
      throw new Error('unreachable: messages are read by readMessage');
  }
}

// The two halves of the last varint read (unsigned 32-bit each).
let hi = 0;
let lo = 0;

function readVarint64(r: Reader): void {
  const buf = r.buf;
  const len = r.len;
  let pos = r.pos;
  let l = 0;
  let h = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= len) throw new DecodeError('truncated varint');
    const b = buf[pos++]!;
    if (i < 4) l |= (b & 0x7f) << (7 * i);
    else if (i === 4) {
      l |= (b & 0x0f) << 28;
      h |= (b & 0x70) >>> 4;
    } else h |= (b & 0x7f) << (7 * i - 32);
    if (b < 0x80) {
      r.pos = pos;
      lo = l >>> 0;
      hi = h >>> 0;
      return;
    }
  }
  throw new DecodeError('varint longer than 10 bytes');
}

function skipField(r: Reader, end: number, no: number, wt: number): void {
  switch (wt) {
    case VARINT:
      readVarint64(r);
      return;
    case I64:
      skipBytes(r, 8);
      return;
    case LEN:
      r.pos = lengthDelimited(r, end);
      return;
    case I32:
      skipBytes(r, 4);
      return;
    case SGROUP:
      r.skipType(SGROUP, 0, no);
      return;
    case EGROUP:
      throw new DecodeError('end-group tag without a start-group');
    default:
      throw new DecodeError(`invalid wire type ${wt}`);
  }
}

function skipBytes(r: Reader, n: number): void {
  if (r.pos + n > r.len) throw new DecodeError('truncated field');
  r.pos += n;
}

// --- encoding the answers --------------------------------------------------------------------

/** An empty Export*ServiceResponse (no partial_success): zero bytes. */
export const EMPTY_EXPORT_RESPONSE: Buffer = Buffer.alloc(0);

/** google.rpc.Status { int32 code = 1; string message = 2; repeated Any details = 3; } */
export function encodeRpcStatus(code: number, message: string): Buffer {
  const w = protobuf.Writer.create();
  if (code !== 0) w.uint32((1 << 3) | VARINT).int32(code);
  if (message !== '') w.uint32((2 << 3) | LEN).string(message);
  return Buffer.from(w.finish());
}

/** Decodes a google.rpc.Status (code and message; details ignored), e.g. to read an error answer. */
export function decodeRpcStatus(bytes: Uint8Array): { code: number; message: string } {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = protobuf.Reader.create(buf) as Reader;
  const out = { code: 0, message: '' };
  try {
    while (r.pos < buf.length) {
      const tag = r.tag();
      const no = tag >>> 3;
      const wt = tag & 7;
      if (no === 1 && wt === VARINT) out.code = readScalar(r, 'int32') as number;
      else if (no === 2 && wt === LEN) out.message = readScalar(r, 'string') as string;
      else skipField(r, buf.length, no, wt);
    }
  } catch (e) {
    throw at('google.rpc.Status', e);
  }
  return out;
}
