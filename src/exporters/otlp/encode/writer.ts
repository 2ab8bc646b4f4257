/**
 * The protobuf wire writer of the OTLP encoders: only what they write (varints of 32 and 64 bits,
 * zig-zag, fixed32/fixed64, double, bool, string, bytes, length-delimited sub-messages), straight
 * into one growable Buffer. No dependency: loading protobufjs/minimal cost every program ~13 ms at
 * its first export, most of it for code the exporters never run.
 *
 * Design, for speed:
 * - one Buffer, doubled when full (every write checks its worst-case size first, once);
 * - a sub-message (fork … ldelim) reserves ONE byte for its length, and when it turns out to be 128
 *   bytes or more, its bytes are moved right by the extra varint bytes (copyWithin, a memmove).
 *   Most sub-messages (KeyValue, AnyValue, events, spans' small parts) are short, so the move is
 *   rare; the few big ones (a span, the scope and resource groups) move once each;
 * - short ASCII strings are written char by char (no native call, no byte count up front); others
 *   go through Buffer.byteLength, then latin1Write when that shows them ASCII, utf8Write otherwise;
 * - finish() gives bytes that the next request cannot overwrite (common.ts keeps one writer while
 *   the body of the previous request is still being sent): a copy for a small body, the buffer
 *   itself for a big one (the writer then takes a new buffer).
 * The output is the same, byte for byte, as protobufjs's Writer for the same calls (the tests
 * compare them): minimal varints, negative int32/int64 as ten bytes, little-endian fixed values.
 */

/** Initial size of a writer's buffer; it doubles as needed (and common.ts reuses the writer). */
export const INITIAL_WRITER_SIZE = 4096;

/**
 * finish() hands its buffer over, rather than copying the body out of it, from this size on (see
 * there); below it, copying into pooled memory costs less than a new buffer.
 */
export const HANDOFF_MIN = 32 * 1024;

/**
 * Strings shorter than this are tried as ASCII first, char by char. The loop costs about 2 ns a
 * char, a native call (Buffer.byteLength, then latin1Write or utf8Write) about 70 ns whatever the
 * length up to a few hundred chars (node 20, x86-64): the loop wins up to about 35 chars, and most
 * attribute keys and values are shorter. At most 127, so that the length fits the one byte kept.
 */
const ASCII_LOOP_MAX = 32;

interface NativeWrites {
  utf8Write?(s: string, offset: number, length: number): number;
  latin1Write?(s: string, offset: number, length: number): number;
}
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * Buffer#utf8Write and #latin1Write are what Buffer#write(s, offset, length, encoding) ends up
 * calling, without its argument checks; undocumented, hence the fallback (protobufjs relies on
 * utf8Write the same way).
 */
const HAS_NATIVE_WRITES =
  typeof (Buffer.prototype as NativeWrites).utf8Write === 'function' && typeof (Buffer.prototype as NativeWrites).latin1Write === 'function';

// A double's bytes, through a shared Float64Array: faster than Buffer#writeDoubleLE's checks.
// Typed arrays use the platform's byte order, so big-endian platforms take Buffer's method.
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes of `v` (an unsigned 32-bit value) as a varint. */
function varint32Size(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** The buffer of a writer that has none yet: every write grows it first. */
const EMPTY = Buffer.alloc(0);

export class Writer {
  /** The bytes written so far are buf[0, pos). */
  buf: Buffer = EMPTY;
  pos = 0;
  /** Where each open sub-message's length byte is (fork pushes, ldelim pops). */
  private readonly starts: number[] = [];
  private depth = 0;
  /** The size of the buffer the first write allocates when there is none. */
  private firstSize: number;

  /** `size`: of the buffer, allocated at the first write (a writer costs nothing until used). */
  constructor(size: number = INITIAL_WRITER_SIZE) {
    this.firstSize = Math.max(16, size);
  }

  /** The buffer's size, or the size of the one the next write will allocate. */
  get capacity(): number {
    return Math.max(this.buf.length, this.firstSize);
  }

  /** A new writer (the name protobufjs uses, for code and tests written against it). */
  static create(): Writer {
    return new Writer();
  }

  /** Empties the writer (keeping its buffer) for a new message. */
  reset(): this {
    this.pos = 0;
    this.depth = 0;
    return this;
  }

  /** Makes room for `n` more bytes: the buffer doubles (or more, for one big write). */
  private grow(n: number): void {
    const need = this.pos + n;
    let size = this.buf.length * 2;
    if (size < this.firstSize) size = this.firstSize;
    if (size < need) size = need;
    // not from Buffer's shared pool: the buffer lives as long as the writer
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** An unsigned 32-bit varint (the value is taken modulo 2^32, as protobufjs does). */
  uint32(value: number): this {
    let v = value >>> 0;
    if (this.pos + 5 > this.buf.length) this.grow(5);
    const buf = this.buf;
    let p = this.pos;
    while (v > 127) {
      buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[p++] = v;
    this.pos = p;
    return this;
  }

  /** A signed 32-bit varint: a negative value takes ten bytes (sign-extended to 64 bits). */
  int32(value: number): this {
    const v = value | 0;
    return v < 0 ? this.int64Bits(v, -1) : this.uint32(v);
  }

  /** A zig-zag 32-bit varint (sint32). */
  sint32(value: number): this {
    return this.uint32(((value << 1) ^ (value >> 31)) >>> 0);
  }

  /**
   * An int64 (or uint64) varint of a number: integers are exact up to 2^64 in magnitude, negative
   * ones in two's complement (ten bytes); fractions are truncated. Same words as protobufjs's
   * LongBits.fromNumber.
   */
  int64(value: number): this {
    if (value >= 0 && value <= 0xffffffff) return this.uint32(value);
    const negative = value < 0;
    const abs = negative ? -value : value;
    let lo = abs >>> 0;
    let hi = ((abs - lo) / 4294967296) >>> 0;
    if (negative) {
      // two's complement: invert and add one, carrying into the high word
      hi = ~hi >>> 0;
      lo = ~lo >>> 0;
      if (++lo > 0xffffffff) {
        lo = 0;
        hi = (hi + 1) >>> 0;
      }
    }
    return this.int64Bits(lo, hi);
  }

  /** Same as int64: the wire format of uint64 and int64 is the same varint. */
  uint64(value: number): this {
    return this.int64(value);
  }

  /** A 64-bit varint from its low and high 32-bit words (a Long's `low` and `high`, signed or not). */
  int64Bits(low: number, high: number): this {
    let lo = low >>> 0;
    let hi = high >>> 0;
    if (this.pos + 10 > this.buf.length) this.grow(10);
    const buf = this.buf;
    let p = this.pos;
    while (hi !== 0) {
      buf[p++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 127) {
      buf[p++] = (lo & 127) | 128;
      lo >>>= 7;
    }
    buf[p++] = lo;
    this.pos = p;
    return this;
  }

  /** Four bytes, little-endian (fixed32, sfixed32). */
  fixed32(value: number): this {
    if (this.pos + 4 > this.buf.length) this.grow(4);
    const buf = this.buf;
    const p = this.pos;
    buf[p] = value & 255;
    buf[p + 1] = (value >>> 8) & 255;
    buf[p + 2] = (value >>> 16) & 255;
    buf[p + 3] = value >>> 24;
    this.pos = p + 4;
    return this;
  }

  /** Eight bytes, little-endian, from the low and high 32-bit words (fixed64, sfixed64). */
  fixed64(low: number, high: number): this {
    if (this.pos + 8 > this.buf.length) this.grow(8);
    const buf = this.buf;
    const p = this.pos;
    buf[p] = low & 255;
    buf[p + 1] = (low >>> 8) & 255;
    buf[p + 2] = (low >>> 16) & 255;
    buf[p + 3] = low >>> 24;
    buf[p + 4] = high & 255;
    buf[p + 5] = (high >>> 8) & 255;
    buf[p + 6] = (high >>> 16) & 255;
    buf[p + 7] = high >>> 24;
    this.pos = p + 8;
    return this;
  }

  /** A double, eight bytes little-endian (NaN as the engine stores it, as protobufjs writes it). */
  double(value: number): this {
    if (this.pos + 8 > this.buf.length) this.grow(8);
    const buf = this.buf;
    const p = this.pos;
    if (LITTLE_ENDIAN) {
      F64[0] = value;
      buf[p] = F64_BYTES[0]!;
      buf[p + 1] = F64_BYTES[1]!;
      buf[p + 2] = F64_BYTES[2]!;
      buf[p + 3] = F64_BYTES[3]!;
      buf[p + 4] = F64_BYTES[4]!;
      buf[p + 5] = F64_BYTES[5]!;
      buf[p + 6] = F64_BYTES[6]!;
      buf[p + 7] = F64_BYTES[7]!;
    } else {
      buf.writeDoubleLE(value, p);
    }
    this.pos = p + 8;
    return this;
  }

  /** A bool varint: one byte, 1 or 0. */
  bool(value: boolean): this {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = value ? 1 : 0;
    return this;
  }

  /** Bytes written as they are (already encoded protobuf, their own length prefix included). */
  raw(value: Uint8Array): this {
    const len = value.length;
    if (this.pos + len > this.buf.length) this.grow(len);
    this.buf.set(value, this.pos);
    this.pos += len;
    return this;
  }

  /** A length-prefixed byte string. */
  bytes(value: Uint8Array): this {
    const len = value.length;
    this.uint32(len);
    if (len === 0) return this;
    if (this.pos + len > this.buf.length) this.grow(len);
    this.buf.set(value, this.pos);
    this.pos += len;
    return this;
  }

  /**
   * A length-prefixed string in UTF-8. Always well-formed: a lone surrogate (e.g. from a string
   * cut in the middle of a pair) becomes U+FFFD, because a receiver such as the Collector rejects
   * the whole request for one invalid string.
   */
  string(value: string): this {
    const n = value.length;
    if (n < ASCII_LOOP_MAX) {
      // Optimistically ASCII: the length is then n (< 128, one byte) and each char one byte.
      if (this.pos + n + 1 > this.buf.length) this.grow(n + 1);
      const buf = this.buf;
      const start = this.pos;
      let p = start + 1;
      for (let i = 0; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) return this.nativeString(value);
        buf[p++] = c;
      }
      buf[start] = n;
      this.pos = p;
      return this;
    }
    return this.nativeString(value);
  }

  /** string() through Buffer's native encoders: longer strings, and short ones that are not ASCII. */
  private nativeString(value: string): this {
    let s = value;
    let len = Buffer.byteLength(s, 'utf8');
    // As many bytes as chars: all ASCII (any other char, even a lone surrogate, takes 2 or 3 bytes
    // and a pair 4). Latin-1 then writes the same bytes as UTF-8, with less work per char.
    const ascii = len === s.length;
    if (!ascii && !(s as unknown as WellFormed).isWellFormed()) {
      // (Buffer's encoder replaces lone surrogates too, but doing it here keeps the byte count
      // and the bytes written in agreement whatever the runtime does.)
      s = (s as unknown as WellFormed).toWellFormed();
      len = Buffer.byteLength(s, 'utf8');
    }
    this.uint32(len);
    if (this.pos + len > this.buf.length) this.grow(len);
    const buf = this.buf as Buffer & NativeWrites;
    if (HAS_NATIVE_WRITES) {
      if (ascii) buf.latin1Write!(s, this.pos, len);
      else buf.utf8Write!(s, this.pos, len);
    } else {
      buf.write(s, this.pos, len, ascii ? 'latin1' : 'utf8');
    }
    this.pos += len;
    return this;
  }

  /** Opens a length-delimited sub-message (after its tag): one byte is kept for the length. */
  fork(): this {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.starts[this.depth++] = this.pos++;
    return this;
  }

  /**
   * Closes the sub-message opened by the last fork(), writing its length. When that length needs
   * more than the one byte kept, the message's bytes move right to make room.
   */
  ldelim(): this {
    if (this.depth === 0) throw new Error('ldelim without fork');
    const start = this.starts[--this.depth]!;
    const len = this.pos - start - 1;
    if (len < 0x80) {
      this.buf[start] = len;
      return this;
    }
    const extra = varint32Size(len) - 1;
    if (this.pos + extra > this.buf.length) this.grow(extra);
    const buf = this.buf;
    buf.copyWithin(start + 1 + extra, start + 1, this.pos);
    let p = start;
    let v = len;
    while (v > 127) {
      buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[p] = v;
    this.pos += extra;
    return this;
  }

  /**
   * The message's bytes, exactly sized, which later writes cannot change; the writer is then
   * empty, ready for the next message.
   * - A small message, or one that fills less than half of the buffer, is copied out (a small
   *   body comes from Buffer's shared pool, which is what makes allocUnsafe fast), and the buffer
   *   stays for the next message.
   * - A big one that fills most of the buffer is handed over as it is (a view of the buffer), and
   *   the writer will start the next message in a new buffer of the same size (allocated by its
   *   first write): not copying a whole batch made test/bench/encode.mjs 5 to 15% faster (less
   *   memory traffic, fewer fresh pages touched), for at most twice the body's size held while it
   *   is sent.
   */
  finish(): Buffer {
    if (this.depth !== 0) throw new Error('finish with an unclosed fork');
    const n = this.pos;
    const buf = this.buf;
    this.pos = 0;
    if (n >= HANDOFF_MIN && n >= buf.length >>> 1) {
      this.buf = EMPTY;
      this.firstSize = buf.length;
      return buf.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    buf.copy(out, 0, 0, n);
    return out;
  }
}
