/**
 * Aggregations: what one series of an instrument accumulates between collections, and how it
 * becomes a data point. Sum, last value, explicit-bucket histogram, base-2 exponential histogram.
 */
import type { Attributes, HrTime } from '../trace/types';
import { ExponentialHistogramAccumulator } from './exponential';
import type { ExponentialHistogramDataPoint, HistogramDataPoint, NumberDataPoint } from './types';

/** The specification's default explicit bucket boundaries. */
export const DEFAULT_BOUNDARIES: readonly number[] = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

export interface Accumulation {
  record(value: number): void;
  /** Adds `other`'s contents (a delta) into this one (cumulative). */
  merge(other: Accumulation): void;
  reset(): void;
  /** Whether anything was recorded since the last reset. */
  touched: boolean;
}

export class SumAccumulation implements Accumulation {
  value = 0;
  touched = false;
  record(value: number): void {
    this.value += value;
    this.touched = true;
  }
  merge(other: Accumulation): void {
    this.value += (other as SumAccumulation).value;
    this.touched ||= other.touched;
  }
  reset(): void {
    this.value = 0;
    this.touched = false;
  }
  point(attributes: Attributes, startTime: HrTime, time: HrTime): NumberDataPoint {
    return { attributes, startTime, time, value: this.value };
  }
}

export class LastValueAccumulation implements Accumulation {
  value = 0;
  touched = false;
  record(value: number): void {
    this.value = value;
    this.touched = true;
  }
  merge(other: Accumulation): void {
    if (other.touched) this.record((other as LastValueAccumulation).value);
  }
  reset(): void {
    this.touched = false;
  }
  point(attributes: Attributes, startTime: HrTime, time: HrTime): NumberDataPoint {
    return { attributes, startTime, time, value: this.value };
  }
}

export class HistogramAccumulation implements Accumulation {
  readonly counts: number[];
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  touched = false;

  constructor(readonly boundaries: readonly number[]) {
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  record(value: number): void {
    if (Number.isNaN(value)) return;
    // Buckets are (previous bound, bound]; a linear scan beats a binary search for the usual
    // dozen or so boundaries.
    const b = this.boundaries;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.touched = true;
  }

  merge(other: Accumulation): void {
    const o = other as HistogramAccumulation;
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += o.counts[i] ?? 0;
    this.count += o.count;
    this.sum += o.sum;
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
    this.touched ||= o.touched;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.touched = false;
  }

  point(attributes: Attributes, startTime: HrTime, time: HrTime, includeSum: boolean): HistogramDataPoint {
    const any = this.count > 0;
    return {
      attributes,
      startTime,
      time,
      count: this.count,
      sum: includeSum ? this.sum : undefined,
      min: any ? this.min : undefined,
      max: any ? this.max : undefined,
      boundaries: this.boundaries,
      bucketCounts: this.counts.slice(),
    };
  }
}

export class ExponentialAccumulation implements Accumulation {
  private readonly acc: ExponentialHistogramAccumulator;
  touched = false;

  constructor(readonly maxSize: number) {
    this.acc = new ExponentialHistogramAccumulator({ maxSize });
  }

  record(value: number): void {
    this.acc.record(value);
    this.touched = true;
  }

  merge(other: Accumulation): void {
    this.acc.merge((other as ExponentialAccumulation).acc);
    this.touched ||= other.touched;
  }

  reset(): void {
    this.acc.reset();
    this.touched = false;
  }

  point(attributes: Attributes, startTime: HrTime, time: HrTime, includeSum: boolean): ExponentialHistogramDataPoint {
    return this.acc.toPoint(attributes, startTime, time, { includeSum });
  }
}
