/**
 * The base-2 exponential bucket histogram aggregation (OpenTelemetry metrics SDK specification,
 * "Base2 Exponential Bucket Histogram Aggregation"; data model "ExponentialHistogram").
 *
 * At scale s the base is 2^(2^-s) and bucket i holds the values v with base^i < v <= base^(i+1)
 * (upper-inclusive). Positive and negative values are counted by magnitude in two bucket ranges
 * that share the scale; exact zeros go to the zero count (zero threshold 0).
 */
import type { Attributes, HrTime } from '../trace/types';
import type { ExponentialBuckets, ExponentialHistogramDataPoint } from './types';

/** The specification's MaxScale bounds: 2^20 buckets per power of two, and base 2^1024. */
const MAX_SCALE = 20;
const MIN_MAX_SCALE = -10;
/** Fewer than 2 buckets per range could not hold MIN_VALUE and MAX_VALUE at any scale. */
const MIN_MAX_SIZE = 2;
const INITIAL_CAPACITY = 8;

// The mapping reads a value's biased exponent through one shared DataView (no allocation), then
// gets the significand by multiplying with an exact power of two from this table:
// SIGNIFICAND_FACTOR[b] = 2^(1023 - b), so value * SIGNIFICAND_FACTOR[b] is in [1, 2). Writing the
// exponent bits into a typed array and reading the double back is twice as slow (the read stalls
// on the narrower write).
const BITS = new DataView(new ArrayBuffer(8));
const SIGNIFICAND_FACTOR = new Float64Array(2047);
for (let b = 1; b < 2047; b++) SIGNIFICAND_FACTOR[b] = 2 ** (1023 - b);
const TWO_POW_64 = 2 ** 64;

/**
 * The bucket index of `value` (positive and finite) at `scale` (an integer in [-31, 20]).
 *
 * Scale <= 0: the exact base-2 exponent (subnormals included), shifted. Scale > 0: the exponent
 * times 2^scale plus floor(log2(significand) * 2^scale); `Math.log2` of the significand in (1, 2)
 * keeps the error far below one bucket (values within about an ulp of a boundary that is not a
 * power of two may land in the neighbouring bucket, which the data model allows). Exact powers of
 * two, the only boundaries a double can hit exactly, are always put in the lower bucket.
 */
export function mapToIndex(value: number, scale: number): number {
  BITS.setFloat64(0, value);
  let biased = BITS.getUint16(0) >>> 4;
  let bias = 1023;
  if (biased === 0) {
    // A subnormal: scaling by 2^64 is exact and makes it normal, so its true exponent is read.
    value *= TWO_POW_64;
    BITS.setFloat64(0, value);
    biased = BITS.getUint16(0) >>> 4;
    bias = 1023 + 64;
  }
  const exponent = biased - bias;
  const significand = value * SIGNIFICAND_FACTOR[biased]!;
  if (significand === 1) {
    return scale > 0 ? exponent * (1 << scale) - 1 : (exponent - 1) >> -scale;
  }
  if (scale <= 0) return exponent >> -scale;
  const unit = 1 << scale;
  let sub = Math.floor(Math.log2(significand) * unit);
  if (sub >= unit) sub = unit - 1; // in case log2 rounds up to 1 just below the next power of two
  return exponent * unit + sub;
}

/** How many halvings bring the index range [low, high] within `maxSize` buckets. */
function changeToFit(low: number, high: number, maxSize: number): number {
  let change = 0;
  while (high - low + 1 > maxSize) {
    low >>= 1;
    high >>= 1;
    change++;
  }
  return change;
}

/**
 * One range (positive or negative) of bucket counts: a circular array holding the indexes
 * [start, end], `start` at position `head`. It grows (doubling, up to maxSize) only when the range
 * widens past its capacity, so recording into known buckets allocates nothing. Positions outside
 * the range always hold 0. `start` and `end` are always non-empty buckets.
 */
class BucketRange {
  counts: Float64Array = new Float64Array(0);
  head = 0;
  start = 0;
  end = 0;
  length = 0;

  constructor(private readonly maxSize: number) {}

  /** Adds `n` (> 0) to bucket `index`; the caller has made sure the range fits maxSize. */
  add(index: number, n: number): void {
    if (this.length === 0) {
      if (this.counts.length === 0) this.counts = new Float64Array(Math.min(INITIAL_CAPACITY, this.maxSize));
      this.head = 0;
      this.start = this.end = index;
      this.length = 1;
      this.counts[0] = n;
      return;
    }
    if (index < this.start) {
      const length = this.end - index + 1;
      if (length > this.counts.length) this.grow(length);
      let head = this.head - (this.start - index);
      if (head < 0) head += this.counts.length;
      this.head = head;
      this.start = index;
      this.length = length;
    } else if (index > this.end) {
      const length = index - this.start + 1;
      if (length > this.counts.length) this.grow(length);
      this.end = index;
      this.length = length;
    }
    this.counts[this.position(index - this.start)]! += n;
  }

  /** The array position of the bucket `offset` places after `start` (offset < capacity). */
  position(offset: number): number {
    const p = this.head + offset;
    return p >= this.counts.length ? p - this.counts.length : p;
  }

  private grow(length: number): void {
    const capacity = Math.min(this.maxSize, Math.max(this.counts.length * 2, length));
    const next = new Float64Array(capacity);
    for (let i = 0; i < this.length; i++) next[i] = this.counts[this.position(i)]!;
    this.counts = next;
    this.head = 0;
  }

  /**
   * Merges each 2^change adjacent buckets into one, in place: the bucket at offset k after the new
   * start collects the old offsets j with (start + j) >> change == (start >> change) + k, and k <= j,
   * so reading in increasing j never overwrites a bucket not yet read.
   */
  downscale(change: number): void {
    if (change === 0 || this.length === 0) return;
    const start = this.start;
    const newStart = start >> change;
    for (let j = 0; j < this.length; j++) {
      const from = this.position(j);
      const n = this.counts[from]!;
      if (n === 0) continue;
      this.counts[from] = 0;
      this.counts[this.position(((start + j) >> change) - newStart)]! += n;
    }
    this.start = newStart;
    this.end >>= change;
    this.length = this.end - newStart + 1;
  }

  clear(): void {
    if (this.length > 0) this.counts.fill(0);
    this.length = 0;
  }

  /** Leading and trailing empty buckets trimmed; an empty range is offset 0 with no counts. */
  toBuckets(): ExponentialBuckets {
    let first = 0;
    let last = this.length - 1;
    while (first <= last && this.counts[this.position(first)] === 0) first++;
    while (last >= first && this.counts[this.position(last)] === 0) last--;
    if (first > last) return { offset: 0, bucketCounts: [] };
    const bucketCounts = new Array<number>(last - first + 1);
    for (let i = first; i <= last; i++) bucketCounts[i - first] = this.counts[this.position(i)]!;
    return { offset: this.start + first, bucketCounts };
  }
}

export interface ExponentialHistogramOptions {
  /** Maximum number of buckets in each of the positive and negative ranges (default 160, at least 2). */
  maxSize?: number;
  /** The scale a histogram starts at and never exceeds (default 20, within [-10, 20]). */
  maxScale?: number;
  /** Whether to record min and max (default true). */
  recordMinMax?: boolean;
}

/**
 * Accumulates measurements into a base-2 exponential histogram. The scale starts at maxScale and
 * only goes down, by the least amount that keeps each range within maxSize buckets, so it is
 * always the highest scale that fits everything recorded (the specification's "ideal scale").
 * With maxSize 2, subnormal values next to values above 2^1023 need scale -11; otherwise the
 * scale never goes below -10.
 */
export class ExponentialHistogramAccumulator {
  private readonly maxSize: number;
  private readonly maxScale: number;
  private readonly recordMinMax: boolean;
  private readonly positive: BucketRange;
  private readonly negative: BucketRange;
  private _scale: number;
  private _count = 0;
  private _sum = 0;
  private _zeroCount = 0;
  private _min = Infinity;
  private _max = -Infinity;

  constructor(options: ExponentialHistogramOptions = {}) {
    const { maxSize = 160, maxScale = MAX_SCALE, recordMinMax = true } = options;
    // Bad options become the nearest valid ones: the API never throws into the program.
    this.maxSize = Number.isFinite(maxSize) ? Math.max(MIN_MAX_SIZE, Math.floor(maxSize)) : 160;
    this.maxScale = Number.isFinite(maxScale) ? Math.min(MAX_SCALE, Math.max(MIN_MAX_SCALE, Math.floor(maxScale))) : MAX_SCALE;
    this.recordMinMax = recordMinMax !== false;
    this.positive = new BucketRange(this.maxSize);
    this.negative = new BucketRange(this.maxSize);
    this._scale = this.maxScale;
  }

  get scale(): number {
    return this._scale;
  }

  get count(): number {
    return this._count;
  }

  /** Records one measurement; NaN and ±Infinity are ignored (they map into no bucket). */
  record(value: number): void {
    if (!Number.isFinite(value)) return;
    this._count++;
    this._sum += value;
    if (value === 0) {
      // -0 included; it counts as 0 in min and max.
      this._zeroCount++;
      if (this._min > 0) this._min = 0;
      if (this._max < 0) this._max = 0;
      return;
    }
    if (value < this._min) this._min = value;
    if (value > this._max) this._max = value;

    let range: BucketRange;
    let magnitude: number;
    if (value > 0) {
      range = this.positive;
      magnitude = value;
    } else {
      range = this.negative;
      magnitude = -value;
    }
    let index = mapToIndex(magnitude, this._scale);
    if (range.length > 0 && (index < range.start || index > range.end)) {
      const change = changeToFit(Math.min(range.start, index), Math.max(range.end, index), this.maxSize);
      if (change > 0) {
        this.downscale(change);
        // Shifting the index (rather than mapping again) keeps it inside the range just sized.
        index >>= change;
      }
    }
    range.add(index, 1);
  }

  /** Adds `other`'s measurements into this one, at the highest scale that fits both. */
  merge(other: ExponentialHistogramAccumulator): void {
    if (other._count === 0) return;
    const common = Math.min(this._scale, other._scale);
    const target =
      common -
      Math.max(
        this.fitChange(this.positive, other.positive, other._scale, common),
        this.fitChange(this.negative, other.negative, other._scale, common),
      );
    this.downscale(this._scale - target);
    const otherChange = other._scale - target;
    this.addRange(this.positive, other.positive, otherChange);
    this.addRange(this.negative, other.negative, otherChange);
    this._count += other._count;
    this._sum += other._sum;
    this._zeroCount += other._zeroCount;
    if (other._min < this._min) this._min = other._min;
    if (other._max > this._max) this._max = other._max;
  }

  /** Empties the histogram (delta temporality) and returns to maxScale; keeps its storage. */
  reset(): void {
    this.positive.clear();
    this.negative.clear();
    this._scale = this.maxScale;
    this._count = 0;
    this._sum = 0;
    this._zeroCount = 0;
    this._min = Infinity;
    this._max = -Infinity;
  }

  /** A data point with its own copies of the bucket counts. */
  toPoint(attributes: Attributes, startTime: HrTime, time: HrTime, options: { includeSum: boolean }): ExponentialHistogramDataPoint {
    const minMax = this.recordMinMax && this._count > 0;
    return {
      attributes,
      startTime,
      time,
      count: this._count,
      sum: options.includeSum ? this._sum : undefined,
      min: minMax ? this._min : undefined,
      max: minMax ? this._max : undefined,
      scale: this._scale,
      zeroCount: this._zeroCount,
      zeroThreshold: 0,
      positive: this.positive.toBuckets(),
      negative: this.negative.toBuckets(),
    };
  }

  /** Halvings below `common` needed for `mine` and `theirs` (at `theirScale`) to share maxSize buckets. */
  private fitChange(mine: BucketRange, theirs: BucketRange, theirScale: number, common: number): number {
    let low = Infinity;
    let high = -Infinity;
    if (mine.length > 0) {
      const shift = this._scale - common;
      low = mine.start >> shift;
      high = mine.end >> shift;
    }
    if (theirs.length > 0) {
      const shift = theirScale - common;
      low = Math.min(low, theirs.start >> shift);
      high = Math.max(high, theirs.end >> shift);
    }
    return low > high ? 0 : changeToFit(low, high, this.maxSize);
  }

  private addRange(into: BucketRange, from: BucketRange, change: number): void {
    for (let j = 0; j < from.length; j++) {
      const n = from.counts[from.position(j)]!;
      if (n > 0) into.add((from.start + j) >> change, n);
    }
  }

  private downscale(change: number): void {
    if (change <= 0) return;
    this.positive.downscale(change);
    this.negative.downscale(change);
    this._scale -= change;
  }
}
