import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Writer as PbWriter } from 'protobufjs/minimal';
import { acquireWriter, finishWriter, tag } from '../../../../src/exporters/otlp/encode/common';
import { HANDOFF_MIN, INITIAL_WRITER_SIZE, Writer } from '../../../../src/exporters/otlp/encode/writer';

/**
 * What our Writer and protobufjs's have in common (same names, same wire output): the calls a case
 * makes on both, so that protobufjs's bytes are the reference.
 */
interface Calls {
  uint32(v: number): unknown;
  int32(v: number): unknown;
  sint32(v: number): unknown;
  int64(v: number): unknown;
  uint64(v: number): unknown;
  fixed32(v: number): unknown;
  double(v: number): unknown;
  bool(v: boolean): unknown;
  string(v: string): unknown;
  bytes(v: Uint8Array): unknown;
  fork(): unknown;
  ldelim(): unknown;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/** The bytes of `write` through our Writer (a fresh one, or `w`) and through protobufjs's. */
function both(write: (w: Calls) => void, w: Writer = new Writer()): { ours: Uint8Array; pb: Uint8Array } {
  write(w);
  const pb = PbWriter.create();
  write(pb as unknown as Calls);
  return { ours: w.finish(), pb: pb.finish() };
}

function assertSame(write: (w: Calls) => void, message?: string, w?: Writer): Uint8Array {
  const { ours, pb } = both(write, w);
  assert.equal(hex(ours), hex(pb), message);
  return ours;
}

/** `n` bytes of sub-message content (one-byte varints, so that protobufjs can write them too). */
function content(w: Calls, n: number): void {
  for (let i = 0; i < n; i++) w.uint32(i & 127);
}

describe('Writer: scalars, byte for byte as protobufjs', () => {
  it('writes uint32 varints at every length boundary', () => {
    const values = [0, 1, 127, 128, 255, 300, 2 ** 14 - 1, 2 ** 14, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1];
    for (const v of values) assertSame((w) => w.uint32(v), `uint32(${v})`);
    // exact bytes for a few, not only agreement
    assert.equal(hex(new Writer().uint32(0).uint32(127).uint32(128).uint32(2 ** 14).uint32(2 ** 32 - 1).finish()), '007f8001808001ffffffff0f');
    // outside the range: modulo 2^32, as protobufjs
    for (const v of [2 ** 32, 2 ** 32 + 5, -1, -(2 ** 31), 1.9]) assertSame((w) => w.uint32(v), `uint32(${v})`);
  });

  it('writes int32 (negative: ten bytes) and sint32 (zig-zag)', () => {
    for (const v of [0, 1, -1, 127, -128, 2 ** 31 - 1, -(2 ** 31)]) assertSame((w) => w.int32(v), `int32(${v})`);
    assert.equal(hex(new Writer().int32(-1).finish()), 'ffffffffffffffffff01');
    for (const v of [0, -1, 1, -2, 63, -64, 64, -65, 2 ** 31 - 1, -(2 ** 31)]) assertSame((w) => w.sint32(v), `sint32(${v})`);
  });

  it('writes int64 and uint64 from numbers: negatives in two\'s complement, large values exactly', () => {
    const values = [
      0, 1, 127, 2 ** 32 - 1, 2 ** 32, 2 ** 35 + 3, Number.MAX_SAFE_INTEGER, 2 ** 63, 2 ** 64 - 2 ** 12,
      -1, -127, -(2 ** 31), -(2 ** 32), -(2 ** 32) - 1, Number.MIN_SAFE_INTEGER, -(2 ** 63),
      1.5, -1.5, NaN, Infinity, -Infinity,
    ];
    for (const v of values) {
      assertSame((w) => w.int64(v), `int64(${v})`);
      assertSame((w) => w.uint64(v), `uint64(${v})`);
    }
    assert.equal(hex(new Writer().int64(-1).finish()), 'ffffffffffffffffff01');
    assert.equal(hex(new Writer().int64(2 ** 32).finish()), '8080808010');
  });

  it('writes 64-bit varints from low and high words, as protobufjs from a Long', () => {
    const values = [0n, 1n, -1n, 2n ** 32n, 2n ** 63n - 1n, -(2n ** 63n), 123456789012345678n, -123456789012345678n, 2n ** 53n + 1n];
    for (const v of values) {
      const bits = BigInt.asUintN(64, v);
      const low = Number(bits & 0xffffffffn);
      const high = Number(bits >> 32n);
      const ours = new Writer().int64Bits(low, high).finish();
      const pb = PbWriter.create().int64({ low: low | 0, high: high | 0, unsigned: false } as never).finish();
      assert.equal(hex(ours), hex(pb), `int64Bits for ${v}`);
      // signed words (as a Long holds them) give the same bytes
      assert.equal(hex(new Writer().int64Bits(low | 0, high | 0).finish()), hex(pb));
    }
  });

  it('writes fixed32, fixed64, double and bool', () => {
    for (const v of [0, 1, 0xdeadbeef, 2 ** 32 - 1, -1, 2 ** 31]) assertSame((w) => w.fixed32(v), `fixed32(${v})`);
    for (const [low, high] of [[0, 0], [1, 0], [0xdeadbeef, 0x01234567], [-1, -1], [0, 0x80000000]] as const) {
      const pb = PbWriter.create().fixed64({ low, high, unsigned: true } as never).finish();
      assert.equal(hex(new Writer().fixed64(low, high).finish()), hex(pb), `fixed64(${low}, ${high})`);
    }
    for (const v of [0, -0, 1, 1.5, -3.25, Math.PI, 5e-324, -5e-324, Number.MAX_VALUE, NaN, Infinity, -Infinity, 2 ** 53]) {
      assertSame((w) => w.double(v), `double(${v})`);
    }
    assert.equal(hex(new Writer().double(1).finish()), '000000000000f03f');
    assertSame((w) => {
      w.bool(true);
      w.bool(false);
    });
  });

  it('writes bytes', () => {
    for (const n of [0, 1, 127, 128, 300, 20000]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 7) & 255);
      assertSame((w) => w.bytes(bytes), `${n} bytes`);
      assertSame((w) => w.bytes(Buffer.from(bytes)), `a Buffer of ${n} bytes`);
    }
  });
});

describe('Writer: strings', () => {
  const ascii = (n: number): string => Array.from({ length: n }, (_, i) => String.fromCharCode(32 + ((i * 11) % 95))).join('');
  const STRINGS: [string, string][] = [
    ['empty', ''],
    ['one char', 'a'],
    ['ASCII, 31 chars', ascii(31)],
    ['ASCII, 32 chars', ascii(32)],
    ['ASCII, 127 chars', ascii(127)],
    ['ASCII, 128 chars (two-byte length)', ascii(128)],
    ['ASCII, 20000 chars', ascii(20000)],
    ['control chars and DEL', '\u0000\t\n\u001f\u007f'],
    ['Latin-1 (two bytes each)', 'Grüße, é, ÿ'],
    ['a non-ASCII char after a long ASCII prefix', `${ascii(30)}é`],
    ['the first non-ASCII char: U+0080', '\u0080'],
    ['CJK (three bytes each)', '世界, 日本語'],
    ['astral (a surrogate pair, four bytes)', '😀'],
    ['astral in ASCII', 'a😀b'],
    ['long and mixed', 'a😀b世é'.repeat(60)],
    ['U+FFFF and U+10FFFF', '\uffff\u{10ffff}'],
  ];

  for (const [name, s] of STRINGS) {
    it(`writes ${name}`, () => {
      const bytes = assertSame((w) => w.string(s));
      // and it reads back
      const pb = PbWriter.create().string(s).finish();
      assert.equal(bytes.length, pb.length);
      assert.equal(Buffer.from(bytes).subarray(bytes.length - Buffer.byteLength(s)).toString('utf8'), s);
    });
  }

  const LONE: [string, string, string][] = [
    ['a lone high surrogate', '\ud800', 'efbfbd'],
    ['a lone low surrogate between ASCII', 'x\udc00y', '78efbfbd79'],
    ['a high surrogate cut at the end', 'abc\ud83d', '616263efbfbd'],
    ['a reversed pair', '\udc00\ud800', 'efbfbdefbfbd'],
  ];
  for (const [name, s, utf8] of LONE) {
    it(`writes ${name} as U+FFFD`, () => {
      const bytes = new Writer().string(s).finish();
      assert.equal(hex(bytes), (utf8.length / 2).toString(16).padStart(2, '0') + utf8);
      // protobufjs, given the well-formed string, agrees
      assert.equal(hex(bytes), hex(PbWriter.create().string((s as unknown as { toWellFormed(): string }).toWellFormed()).finish()));
    });
  }

  it('writes a long string with a lone surrogate well-formed', () => {
    const s = `${'a'.repeat(100)}\ud800${'b'.repeat(100)}`;
    const bytes = new Writer().string(s).finish();
    assert.equal(hex(bytes.subarray(0, 2)), 'cb01'); // 100 + 3 + 100 bytes
    assert.equal(Buffer.from(bytes.subarray(2)).toString('utf8'), `${'a'.repeat(100)}\ufffd${'b'.repeat(100)}`);
  });
});

describe('Writer: sub-messages (fork / ldelim)', () => {
  // lengths around the varint boundaries of the length prefix: the kept byte suffices up to 127
  const SIZES = [0, 1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21];

  for (const n of SIZES) {
    it(`writes a sub-message of ${n} bytes, alone and nested`, () => {
      const alone = assertSame((w) => {
        w.uint32(tag(1, 2));
        w.fork();
        content(w, n);
        w.ldelim();
      });
      assert.equal(alone.length, 1 + (n < 128 ? 1 : n < 2 ** 14 ? 2 : n < 2 ** 21 ? 3 : 4) + n);
      assertSame((w) => {
        w.uint32(tag(1, 2));
        w.fork();
        w.uint32(tag(2, 0));
        w.uint32(1);
        w.uint32(tag(3, 2));
        w.fork();
        w.uint32(tag(4, 2));
        w.fork();
        content(w, n);
        w.ldelim();
        w.uint32(tag(5, 2));
        w.fork();
        w.ldelim();
        w.ldelim();
        w.uint32(tag(6, 2));
        w.string('after');
        w.ldelim();
        w.uint32(tag(7, 0));
        w.uint32(300);
      });
    });
  }

  it('writes siblings and deep nesting whose lengths cross the boundaries at several levels', () => {
    assertSame((w) => {
      for (let i = 0; i < 5; i++) {
        w.uint32(tag(1, 2));
        w.fork();
        for (let j = 0; j < 40; j++) {
          w.uint32(tag(2, 2));
          w.fork();
          w.uint32(tag(1, 2));
          w.string('k'.repeat(j * 3));
          w.uint32(tag(2, 2));
          w.fork();
          content(w, j * j * 5);
          w.ldelim();
          w.ldelim();
        }
        w.ldelim();
      }
    });
  });

  it('rejects an ldelim without fork and a finish with an open fork', () => {
    assert.throws(() => new Writer().ldelim());
    assert.throws(() => new Writer().fork().finish());
  });
});

describe('Writer: buffer growth and reuse', () => {
  it('grows across its initial size, in every kind of write', () => {
    const big = Uint8Array.from({ length: 3 * INITIAL_WRITER_SIZE }, (_, i) => i & 255);
    assertSame((w) => {
      for (let i = 0; i < INITIAL_WRITER_SIZE; i++) {
        w.uint32(tag(1, 2));
        w.fork();
        w.double(i / 3);
        w.int64(-i);
        w.fixed32(i);
        w.string(i % 2 ? 'é' : 'x'.repeat(i % 50));
        w.ldelim();
      }
      w.bytes(big);
      w.string('z'.repeat(5 * INITIAL_WRITER_SIZE));
    });
  });

  it('grows when the length of a closing sub-message needs room the buffer does not have', () => {
    for (const size of [16, 129, 130, 131]) {
      // a fork and 128 bytes fill 129: the two-byte length needs one more
      assertSame((w) => {
        w.fork();
        content(w, 128);
        w.ldelim();
      }, `buffer of ${size}`, new Writer(size));
      assertSame((w) => {
        w.uint32(1);
        w.fork();
        w.fork();
        content(w, size);
        w.ldelim();
        w.ldelim();
      }, `nested, buffer of ${size}`, new Writer(size));
    }
  });

  it('starts empty again after finish', () => {
    const w = new Writer();
    const a = w.string('first').finish();
    const b = w.string('second').finish();
    assert.equal(Buffer.from(a).toString('latin1'), '\u0005first');
    assert.equal(Buffer.from(b).toString('latin1'), '\u0006second');
    assert.equal(hex(w.reset().uint32(5).finish()), '05');
  });

  it('never changes a finished body by a later write, small (copied) or big (handed over)', () => {
    for (const n of [10, INITIAL_WRITER_SIZE - 10, HANDOFF_MIN + 10, 5 * HANDOFF_MIN]) {
      const w = new Writer();
      w.fork();
      content(w, n);
      w.ldelim();
      const first = w.finish();
      const copy = Buffer.from(first);
      // the same writer, overwriting everything it holds with other bytes
      for (let round = 0; round < 3; round++) {
        w.fork();
        for (let i = 0; i < n + 100; i++) w.uint32(0x55);
        w.ldelim();
        w.finish();
      }
      assert.ok(copy.equals(first), `body of ${n} bytes`);
    }
  });

  it('reuses one writer between requests (acquireWriter/finishWriter) without changing earlier bodies', () => {
    const bodies: [Uint8Array, Buffer][] = [];
    let previous: Writer | undefined;
    for (const n of [50, HANDOFF_MIN * 2, 50, HANDOFF_MIN * 3, HANDOFF_MIN * 3, 1000]) {
      const w = acquireWriter();
      if (previous) assert.equal(w, previous, 'the spare writer is reused');
      w.uint32(tag(1, 2)).fork();
      for (let i = 0; i < n; i++) w.uint32(bodies.length + 1);
      w.ldelim();
      const body = finishWriter(w);
      bodies.push([body, Buffer.from(body)]);
      previous = w;
    }
    for (const [body, copy] of bodies) assert.ok(copy.equals(body));
    // a big body was handed over: the writer writes elsewhere now
    const w = acquireWriter();
    assert.notEqual(w.buf.buffer, bodies[4]![0].buffer);
    finishWriter(w);
  });
});
