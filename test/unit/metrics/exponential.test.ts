import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ExponentialHistogramAccumulator, mapToIndex } from '../../../src/metrics/exponential';
import type { ExponentialHistogramDataPoint } from '../../../src/metrics/types';
import type { HrTime } from '../../../src/trace/types';

const T0: HrTime = [1, 0];
const T1: HrTime = [2, 0];
const SCALES = [20, 10, 1, 0, -1, -4, -10];

// ---- exact double helpers (BigInt, independent of the implementation's typed-array tricks) ----

const view = new DataView(new ArrayBuffer(8));
function bitsOf(v: number): bigint {
  view.setFloat64(0, v);
  return view.getBigUint64(0);
}
function fromBits(b: bigint): number {
  view.setBigUint64(0, b);
  return view.getFloat64(0);
}
/** The next double above / below a positive finite value. */
const nextUp = (v: number): number => fromBits(bitsOf(v) + 1n);
const nextDown = (v: number): number => fromBits(bitsOf(v) - 1n);
const LARGEST_SUBNORMAL = fromBits((1n << 52n) - 1n);
const MIN_NORMAL = 2 ** -1022;

/** v = M * 2^E exactly, M a positive integer. */
function decompose(v: number): { M: bigint; E: number } {
  const bits = bitsOf(v);
  const raw = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  return raw === 0 ? { M: fraction, E: -1074 } : { M: fraction | (1n << 52n), E: raw - 1075 };
}

/** sign(M * 2^E - 2^k), exactly. */
function comparePow2(M: bigint, E: number, k: number): number {
  const a = E >= k ? M << BigInt(E - k) : M;
  const b = E >= k ? 1n : 1n << BigInt(k - E);
  return a < b ? -1 : a > b ? 1 : 0;
}

const P = 160n;
const ONE = 1n << P;
const TWO = ONE << 1n;
const NEAR = ONE >> 28n;

/**
 * The brute-force bucket index: the i with base^i < v <= base^(i+1), base = 2^(2^-scale), computed
 * without floating point. Scale <= 0: boundaries are powers of two, compared exactly. Scale > 0:
 * v = m * 2^e with m in [1, 2); a power of two sits on a boundary and goes to the bucket below;
 * otherwise i = e * 2^scale + floor(2^scale * log2 m), and that floor is K with m^(2^scale) in
 * [2^K, 2^(K+1)), found by squaring m scale times with 160-bit fixed point rounded down (lower
 * bound) and up (upper bound): a certified answer, not a tolerance. `nearBoundary` says v is within
 * about 2^-28 of a bucket width from a (non power-of-two) boundary, where the data model allows an
 * inexact mapping to pick the neighbouring bucket. Powers of two are not "near": the mapping has to
 * be exact next to them.
 */
function refIndex(v: number, scale: number): { index: number; nearBoundary: boolean } {
  const { M, E } = decompose(v);
  const length = M.toString(2).length;
  const e = E + length - 1;
  if (scale <= 0) {
    const d = 2 ** -scale;
    let i = Math.floor(e / d);
    while (comparePow2(M, E, i * d) <= 0) i--;
    while (comparePow2(M, E, (i + 1) * d) > 0) i++;
    return { index: i, nearBoundary: false };
  }
  const unit = 2 ** scale;
  if (M === 1n << BigInt(length - 1)) return { index: e * unit - 1, nearBoundary: false };
  let lo = M << (P - BigInt(length - 1));
  let hi = lo;
  let K = 0;
  for (let r = 0; r < scale; r++) {
    lo = (lo * lo) >> P;
    hi = (hi * hi + ONE - 1n) >> P;
    K *= 2;
    if (lo >= TWO) {
      lo >>= 1n;
      hi = (hi + 1n) >> 1n;
      K++;
    } else if (hi >= TWO) {
      throw new Error(`reference undecided for ${v} at scale ${scale}`);
    }
  }
  // Only boundaries that are not powers of two (K = 0 from above, K = unit - 1 from below) count.
  const near = (lo - ONE < NEAR && K !== 0) || (TWO - hi < NEAR && K !== unit - 1);
  return { index: e * unit + K, nearBoundary: near };
}

// ---- deterministic random values ----

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Positive finite doubles: any exponent (subnormals included), random significand. */
function anyDouble(next: () => number): number {
  const biased = next() % 2047; // 0 (subnormal) ... 2046
  const fraction = (BigInt(next() & 0xfffff) << 32n) | BigInt(next());
  const v = fromBits((BigInt(biased) << 52n) | fraction);
  return v === 0 ? Number.MIN_VALUE : v;
}

/** Positive doubles from 10^-6 to 10^6, log-uniform. */
function typical(next: () => number): number {
  return 10 ** ((next() / 2 ** 32) * 12 - 6) * (1 + next() / 2 ** 40);
}

function subnormal(next: () => number): number {
  const fraction = ((BigInt(next() & 0xfffff) << 32n) | BigInt(next())) || 1n;
  return fromBits(fraction);
}

// ---- the brute-force histogram ----

interface Expected {
  scale: number;
  positive: { offset: number; bucketCounts: number[] };
  negative: { offset: number; bucketCounts: number[] };
  zeroCount: number;
}

/** The ideal scale (highest <= maxScale where each range fits maxSize) and the counts at it. */
function referenceHistogram(values: readonly number[], maxSize: number, maxScale: number): Expected {
  const pos = values.filter((v) => v > 0).map((v) => refIndex(v, maxScale).index);
  const neg = values.filter((v) => v < 0).map((v) => refIndex(-v, maxScale).index);
  // Perfect subsetting: bucket i at scale s lies in bucket floor(i / 2^c) at scale s - c.
  const at = (i: number, c: number) => Math.floor(i / 2 ** c);
  const fits = (idx: number[], c: number) => {
    if (idx.length === 0) return true;
    let lo = Infinity;
    let hi = -Infinity;
    for (const i of idx) {
      lo = Math.min(lo, at(i, c));
      hi = Math.max(hi, at(i, c));
    }
    return hi - lo + 1 <= maxSize;
  };
  let c = 0;
  while (!fits(pos, c) || !fits(neg, c)) c++;
  const buckets = (idx: number[]) => {
    if (idx.length === 0) return { offset: 0, bucketCounts: [] as number[] };
    const shifted = idx.map((i) => at(i, c));
    const lo = Math.min(...shifted);
    const counts = new Array<number>(Math.max(...shifted) - lo + 1).fill(0);
    for (const i of shifted) counts[i - lo]!++;
    return { offset: lo, bucketCounts: counts };
  };
  return { scale: maxScale - c, positive: buckets(pos), negative: buckets(neg), zeroCount: values.filter((v) => v === 0).length };
}

function point(acc: ExponentialHistogramAccumulator, includeSum = true): ExponentialHistogramDataPoint {
  return acc.toPoint({}, T0, T1, { includeSum });
}

function recordAll(values: readonly number[], options?: ConstructorParameters<typeof ExponentialHistogramAccumulator>[0]) {
  const acc = new ExponentialHistogramAccumulator(options);
  for (const v of values) acc.record(v);
  return acc;
}

/** The bucket part of a point, for comparison with the reference. */
function shape(p: ExponentialHistogramDataPoint): Expected {
  return {
    scale: p.scale,
    positive: { offset: p.positive.offset, bucketCounts: [...p.positive.bucketCounts] },
    negative: { offset: p.negative.offset, bucketCounts: [...p.negative.bucketCounts] },
    zeroCount: p.zeroCount,
  };
}

// ---- mapping ----

describe('mapToIndex', () => {
  it('follows the data model table at scale 3 (2^3 buckets between 1 and 2, upper-inclusive)', () => {
    // bucket 0 = (1, 1.09051], 1 = (1.09051, 1.18921], 4 = (1.41421, 1.54221], 7 = (1.83401, 2]
    assert.equal(mapToIndex(1, 3), -1);
    assert.equal(mapToIndex(1.05, 3), 0);
    assert.equal(mapToIndex(1.1, 3), 1);
    assert.equal(mapToIndex(1.5, 3), 4);
    assert.equal(mapToIndex(Math.SQRT2 * 1.0000001, 3), 4);
    assert.equal(mapToIndex(1.9, 3), 7);
    assert.equal(mapToIndex(2, 3), 7);
    assert.equal(mapToIndex(nextUp(2), 3), 8);
  });

  it('puts exact powers of two in the bucket below (buckets are (lower, upper])', () => {
    for (const scale of SCALES) {
      for (const k of [-1074, -1073, -1060, -1024, -1023, -1022, -1021, -100, -2, -1, 0, 1, 2, 3, 64, 100, 1022, 1023]) {
        const expected = scale > 0 ? k * 2 ** scale - 1 : Math.ceil(k / 2 ** -scale) - 1;
        assert.equal(mapToIndex(2 ** k, scale), expected, `2^${k} at scale ${scale}`);
        assert.equal(refIndex(2 ** k, scale).index, expected, `reference for 2^${k} at scale ${scale}`);
      }
    }
  });

  it('gives the extreme indexes for MAX_VALUE, MIN_VALUE, the smallest normal and 1', () => {
    //                    scale:    20            10        1      0      -1    -4   -10
    const table: Record<string, [number, number[]]> = {
      MAX_VALUE: [Number.MAX_VALUE, [1073741823, 1048575, 2047, 1023, 511, 63, 0]],
      MIN_VALUE: [Number.MIN_VALUE, [-1126170625, -1099777, -2149, -1075, -538, -68, -2]],
      MIN_NORMAL: [MIN_NORMAL, [-1071644673, -1046529, -2045, -1023, -512, -64, -1]],
      LARGEST_SUBNORMAL: [LARGEST_SUBNORMAL, [-1071644673, -1046529, -2045, -1023, -512, -64, -1]],
      'MIN_VALUE*2': [Number.MIN_VALUE * 2, [-1125122049, -1098753, -2147, -1074, -537, -68, -2]],
      one: [1, [-1, -1, -1, -1, -1, -1, -1]],
      two: [2, [1048575, 1023, 1, 0, 0, 0, 0]],
    };
    for (const [name, [value, expected]] of Object.entries(table)) {
      SCALES.forEach((scale, i) => {
        assert.equal(mapToIndex(value, scale), expected[i], `${name} at scale ${scale}`);
        assert.equal(refIndex(value, scale).index, expected[i], `reference for ${name} at scale ${scale}`);
      });
    }
    // Every index fits a signed 32-bit integer, as the data model asks.
    assert.ok(mapToIndex(Number.MIN_VALUE, 20) >= -(2 ** 31) && mapToIndex(Number.MAX_VALUE, 20) < 2 ** 31);
  });

  it('matches the reference just above and below powers of two, and for extremes and subnormals', () => {
    const values: number[] = [Number.MAX_VALUE, nextDown(Number.MAX_VALUE), Number.MIN_VALUE, nextUp(Number.MIN_VALUE), LARGEST_SUBNORMAL, MIN_NORMAL];
    for (const k of [-1074, -1073, -1050, -1023, -1022, -1021, -500, -1, 0, 1, 2, 10, 52, 53, 500, 1023]) {
      const p = 2 ** k;
      values.push(p, nextUp(p), nextDown(p), nextUp(nextUp(p)), nextDown(nextDown(p)));
    }
    const next = prng(7);
    for (let i = 0; i < 50; i++) values.push(subnormal(next));
    for (const scale of SCALES) {
      for (const v of values) {
        if (!(v > 0 && v < Infinity)) continue; // nextDown(nextDown(MIN_VALUE)) went past 0
        const ref = refIndex(v, scale);
        assert.equal(ref.nearBoundary, false);
        assert.equal(mapToIndex(v, scale), ref.index, `${v} at scale ${scale}`);
      }
    }
  });

  it('matches the brute-force reference on random values at every scale', () => {
    const next = prng(42);
    let near = 0;
    for (let n = 0; n < 1500; n++) {
      const v = n % 3 === 0 ? anyDouble(next) : n % 3 === 1 ? typical(next) : subnormal(next);
      for (const scale of [20, 16, 10, 5, 3, 1, 0, -1, -2, -4, -7, -10]) {
        const ref = refIndex(v, scale);
        const got = mapToIndex(v, scale);
        if (ref.nearBoundary) {
          near++;
          assert.ok(Math.abs(got - ref.index) <= 1, `${v} at scale ${scale}: ${got} vs ${ref.index}`);
        } else {
          assert.equal(got, ref.index, `${v} at scale ${scale}`);
        }
      }
    }
    assert.ok(near < 5, `${near} values near a boundary`);
  });

  it('stays within one bucket of the reference, and monotonic, next to irrational boundaries', () => {
    // The nearest doubles to 2^(k / 2^scale): the data model lets the log-based mapping be off by
    // one there, never more, and it must not go backwards.
    const next = prng(3);
    for (const scale of [20, 10, 4, 1]) {
      for (let n = 0; n < 100; n++) {
        const k = (next() % 4000) - 2000;
        if (k % 2 ** scale === 0) continue;
        let v = 2 ** (k / 2 ** scale);
        for (let s = 0; s < 4; s++) v = nextDown(v);
        let previous = -Infinity;
        for (let s = 0; s < 9; s++, v = nextUp(v)) {
          const got = mapToIndex(v, scale);
          assert.ok(Math.abs(got - refIndex(v, scale).index) <= 1, `${v} at scale ${scale}`);
          assert.ok(got >= previous, `not monotonic at ${v}, scale ${scale}`);
          previous = got;
        }
      }
    }
  });
});

// ---- the accumulator ----

describe('ExponentialHistogramAccumulator', () => {
  it('keeps the maximum scale for a single value (the specification says so)', () => {
    const p = point(recordAll([1.5]));
    assert.equal(p.scale, 20);
    assert.deepEqual(p.positive, { offset: mapToIndex(1.5, 20), bucketCounts: [1] });
    assert.deepEqual(p.negative, { offset: 0, bucketCounts: [] });
    assert.equal(point(recordAll([1.5, 1.5, 1.5], { maxScale: 5 })).scale, 5);
  });

  it('downscales by the least amount when the range outgrows maxSize: 1, 2, 4, 8, 16 with maxSize 4', () => {
    // scale 0 would need buckets -1..3 (five); at scale -1 (base 4):
    //   bucket -1 = (1/4, 1]  → 1
    //   bucket  0 = (1, 4]    → 2, 4
    //   bucket  1 = (4, 16]   → 8, 16
    const p = point(recordAll([1, 2, 4, 8, 16], { maxSize: 4 }));
    assert.equal(p.scale, -1);
    assert.deepEqual(p.positive, { offset: -1, bucketCounts: [1, 2, 2] });
    assert.equal(p.count, 5);
    assert.equal(p.sum, 31);
    assert.equal(p.min, 1);
    assert.equal(p.max, 16);
  });

  it('records the same as the specification examples with maxSize 4', () => {
    let p = point(recordAll([2, 4, 1], { maxSize: 4 }));
    assert.deepEqual([p.scale, p.positive], [0, { offset: -1, bucketCounts: [1, 1, 1] }]);
    p = point(recordAll([4, 4, 4, 2, 16, 1], { maxSize: 4 }));
    assert.deepEqual([p.scale, p.positive], [-1, { offset: -1, bucketCounts: [1, 4, 1] }]);
    // Two values: 1 and 2 are 2^20 + 1 buckets apart at scale 20; scale 1 is the first that fits.
    p = point(recordAll([1, 2], { maxSize: 4 }));
    assert.deepEqual([p.scale, p.positive], [1, { offset: -1, bucketCounts: [1, 0, 1] }]);
  });

  it('reaches the ideal scales of the specification table for 160 buckets', () => {
    const table: [number, number, number][] = [
      [1e-3, 4e-3, 6],
      [1e-3, 20e-3, 5],
      [1e-3, 1, 4],
      [1e-3, 100, 3],
      [1e-6, 10, 2],
    ];
    for (const [low, high, scale] of table) {
      const values = [low, high];
      for (let i = 1; i < 20; i++) values.push(low + ((high - low) * i) / 20);
      assert.equal(point(recordAll(values)).scale, scale, `${low}..${high}`);
      assert.equal(point(recordAll(values.reverse())).scale, scale, `${high}..${low}`);
    }
  });

  it('counts negative values by magnitude in the negative range, at the shared scale', () => {
    let p = point(recordAll([-1, -2, -4, -8, -16], { maxSize: 4 }));
    assert.equal(p.scale, -1);
    assert.deepEqual(p.negative, { offset: -1, bucketCounts: [1, 2, 2] });
    assert.deepEqual(p.positive, { offset: 0, bucketCounts: [] });
    assert.equal(p.sum, -31);
    assert.deepEqual([p.min, p.max], [-16, -1]);

    // The positive range forces the scale down; the negative one follows.
    p = point(recordAll([-1.5, 1, 2, 4, 8, 16], { maxSize: 4 }));
    assert.equal(p.scale, -1);
    assert.deepEqual(p.negative, { offset: 0, bucketCounts: [1] });
    assert.deepEqual(p.positive, { offset: -1, bucketCounts: [1, 2, 2] });
    assert.deepEqual([p.min, p.max], [-1.5, 16]);
  });

  it('counts zeros (and -0) in the zero count, with zero threshold 0', () => {
    const p = point(recordAll([0, -0, 0, 3]));
    assert.equal(p.zeroCount, 3);
    assert.equal(p.zeroThreshold, 0);
    assert.equal(p.count, 4);
    assert.equal(p.sum, 3);
    assert.ok(Object.is(p.min, 0));
    assert.equal(p.max, 3);
    assert.deepEqual(p.positive, { offset: mapToIndex(3, 20), bucketCounts: [1] });
    const only = point(recordAll([-0]));
    assert.ok(Object.is(only.min, 0) && Object.is(only.max, 0));
  });

  it('ignores NaN and ±Infinity everywhere', () => {
    const acc = recordAll([NaN, Infinity, -Infinity]);
    assert.deepEqual(point(acc), {
      attributes: {},
      startTime: T0,
      time: T1,
      count: 0,
      sum: 0,
      min: undefined,
      max: undefined,
      scale: 20,
      zeroCount: 0,
      zeroThreshold: 0,
      positive: { offset: 0, bucketCounts: [] },
      negative: { offset: 0, bucketCounts: [] },
    });
    acc.record(5);
    acc.record(NaN);
    const p = point(acc);
    assert.deepEqual([p.count, p.sum, p.min, p.max], [1, 5, 5, 5]);
  });

  it('leaves out sum when asked, and min and max when recordMinMax is false', () => {
    const values = [-3, 1, 7];
    assert.equal(point(recordAll(values), false).sum, undefined);
    const p = point(recordAll(values, { recordMinMax: false }));
    assert.deepEqual([p.count, p.sum, p.min, p.max], [3, 5, undefined, undefined]);
  });

  it('hands out copies: later records do not change an earlier point', () => {
    const acc = recordAll([1, 1.5]);
    const first = point(acc);
    const firstCounts = [...first.positive.bucketCounts];
    acc.record(1.5);
    acc.record(100);
    assert.deepEqual(first.positive.bucketCounts, firstCounts);
    assert.ok(Array.isArray(first.positive.bucketCounts));
    assert.equal(first.count, 2);
    assert.equal(point(acc).count, 4);
  });

  it('covers the whole double range, going to scale -10 (or -11 with only 2 buckets)', () => {
    const extremes = [Number.MIN_VALUE, Number.MAX_VALUE, -Number.MIN_VALUE, -Number.MAX_VALUE, 1];
    let p = point(recordAll(extremes, { maxSize: 3 }));
    assert.equal(p.scale, -10);
    assert.deepEqual(p.positive, { offset: -2, bucketCounts: [1, 1, 1] });
    assert.deepEqual(p.negative, { offset: -2, bucketCounts: [1, 0, 1] });
    p = point(recordAll([MIN_NORMAL, Number.MAX_VALUE], { maxSize: 2 }));
    assert.deepEqual([p.scale, p.positive], [-10, { offset: -1, bucketCounts: [1, 1] }]);
    // Subnormals keep their true index, one bucket further down at scale -10.
    p = point(recordAll([Number.MIN_VALUE, Number.MAX_VALUE], { maxSize: 2 }));
    assert.deepEqual([p.scale, p.positive], [-11, { offset: -1, bucketCounts: [1, 1] }]);
  });

  it('matches the brute-force histogram for many random values', () => {
    const next = prng(1234);
    const cases: [string, () => number, number][] = [
      ['latencies, 160 buckets', () => typical(next), 160],
      ['the whole range with both signs and zeros, 160 buckets', () => mixed(next), 160],
      ['a narrow range, 20 buckets', () => 1 + next() / 2 ** 42, 20],
      ['the whole range, 2 buckets', () => mixed(next), 2],
      ['latencies, 7 buckets', () => typical(next), 7],
    ];
    for (const [name, draw, maxSize] of cases) {
      const values: number[] = [];
      while (values.length < 1500) {
        const v = draw();
        // Values next to an irrational boundary may legitimately land in the neighbouring bucket.
        if (v !== 0 && refIndex(Math.abs(v), 20).nearBoundary) continue;
        values.push(v);
      }
      const acc = recordAll(values, { maxSize });
      const p = point(acc);
      assert.deepEqual(shape(p), referenceHistogram(values, maxSize, 20), name);
      assert.equal(p.count, values.length);
      assert.equal(p.min, Math.min(...values));
      assert.equal(p.max, Math.max(...values));
      assert.ok(p.positive.bucketCounts.length <= maxSize && p.negative.bucketCounts.length <= maxSize);
    }
  });

  it('merges accumulators at different scales into the common (lower) one', () => {
    const a = recordAll([1, 2, 4, 8, 16], { maxSize: 4 }); // scale -1
    const b = recordAll([1.5, -3]); // scale 20
    a.merge(b);
    let p = point(a);
    assert.equal(p.scale, -1);
    assert.deepEqual(p.positive, { offset: -1, bucketCounts: [1, 3, 2] });
    assert.deepEqual(p.negative, { offset: 0, bucketCounts: [1] });
    assert.deepEqual([p.count, p.sum, p.min, p.max], [7, 29.5, -3, 16]);

    // The other way round: the scale-20 accumulator comes down to -1.
    const c = recordAll([1.5, -3], { maxSize: 4 });
    c.merge(recordAll([1, 2, 4, 8, 16], { maxSize: 4 }));
    assert.deepEqual(shape(point(c)), shape(p));
  });

  it('downscales further when the merged ranges do not fit', () => {
    // a at scale 1: 1 → -1, 2 → 1; b at scale 1: 8 → 5, 16 → 7. Together -1..7 (nine buckets)
    // need scale -1: 1 → -1, 2 → 0, 8 and 16 → 1.
    const a = recordAll([1, 2], { maxSize: 4 });
    const b = recordAll([8, 16], { maxSize: 4 });
    assert.deepEqual([a.scale, b.scale], [1, 1]);
    a.merge(b);
    const p = point(a);
    assert.equal(p.scale, -1);
    assert.deepEqual(p.positive, { offset: -1, bucketCounts: [1, 1, 2] });
    assert.deepEqual(shape(p), shape(point(recordAll([1, 2, 8, 16], { maxSize: 4 }))));
    // b is left as it was.
    assert.deepEqual(point(b).positive, { offset: 5, bucketCounts: [1, 0, 1] });
  });

  it('merging is the same as recording everything in one accumulator', () => {
    const next = prng(99);
    for (const maxSize of [160, 10, 2]) {
      const values = Array.from({ length: 3000 }, () => mixed(next));
      const parts = [0, 1, 2].map(() => new ExponentialHistogramAccumulator({ maxSize }));
      values.forEach((v, i) => parts[(i * 7 + (next() & 1)) % 3]!.record(v));
      const merged = new ExponentialHistogramAccumulator({ maxSize });
      for (const part of parts) merged.merge(part);
      merged.merge(new ExponentialHistogramAccumulator({ maxSize })); // an empty one changes nothing
      const all = point(recordAll(values, { maxSize }));
      const m = point(merged);
      assert.deepEqual(shape(m), shape(all), `maxSize ${maxSize}`);
      assert.deepEqual([m.count, m.min, m.max], [all.count, all.min, all.max]);
      assert.ok(Math.abs(m.sum! - all.sum!) <= Math.abs(all.sum!) * 1e-9 || m.sum === all.sum);
    }
  });

  it('resets for delta temporality: empty, back at maxScale, and records again', () => {
    const acc = recordAll([1, 2, 4, 8, 16, -5, 0], { maxSize: 4 });
    acc.reset();
    assert.deepEqual(point(acc), point(new ExponentialHistogramAccumulator({ maxSize: 4 })));
    assert.equal(acc.scale, 20);
    acc.record(3);
    acc.record(3);
    let p = point(acc);
    assert.deepEqual([p.scale, p.count, p.sum, p.min, p.max], [20, 2, 6, 3, 3]);
    assert.deepEqual(p.positive, { offset: mapToIndex(3, 20), bucketCounts: [2] });
    assert.deepEqual(p.negative, { offset: 0, bucketCounts: [] });
    // Several delta cycles, each compared with a fresh accumulator.
    const next = prng(5);
    for (let cycle = 0; cycle < 5; cycle++) {
      acc.reset();
      const values = Array.from({ length: 200 + cycle * 100 }, () => mixed(next));
      for (const v of values) acc.record(v);
      p = point(acc);
      assert.deepEqual(shape(p), shape(point(recordAll(values, { maxSize: 4 }))));
    }
  });

  it('treats bad options as the nearest valid ones instead of throwing', () => {
    assert.equal(new ExponentialHistogramAccumulator({ maxScale: 50 }).scale, 20);
    assert.equal(new ExponentialHistogramAccumulator({ maxScale: -40 }).scale, -10);
    const tiny = recordAll([1, 2, 4, 8, 16, 1e300], { maxSize: 0 });
    const p = point(tiny);
    assert.ok(p.positive.bucketCounts.length <= 2);
    assert.equal(p.count, 6);
  });
});

/** Both signs, zeros, every magnitude (subnormals included) and everyday values. */
function mixed(next: () => number): number {
  const pick = next() % 10;
  const sign = next() & 1 ? -1 : 1;
  if (pick === 0) return 0;
  if (pick < 4) return sign * anyDouble(next);
  if (pick === 4) return sign * subnormal(next);
  return sign * typical(next);
}
