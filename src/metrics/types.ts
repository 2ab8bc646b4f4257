/**
 * The metrics data model (OpenTelemetry metrics data model, OTLP metrics/v1): what a collection
 * produces and what exporters (OTLP, console, Prometheus) read. Plain data, no behaviour.
 */
import type { Attributes, ExportResult, HrTime, InstrumentationScope, Resource } from '../trace/types';

/** OTLP's AggregationTemporality values. */
export const Temporality = { DELTA: 1, CUMULATIVE: 2 } as const;
export type Temporality = (typeof Temporality)[keyof typeof Temporality];

export type InstrumentType =
  | 'counter'
  | 'upDownCounter'
  | 'histogram'
  | 'gauge'
  | 'observableCounter'
  | 'observableUpDownCounter'
  | 'observableGauge';

export interface MetricDescriptor {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly type: InstrumentType;
  /** Integers are exported as int64 (as_int), doubles as double (as_double). */
  readonly valueType: 'int' | 'double';
}

export interface NumberDataPoint {
  readonly attributes: Attributes;
  readonly startTime: HrTime;
  readonly time: HrTime;
  readonly value: number;
}

export interface HistogramDataPoint {
  readonly attributes: Attributes;
  readonly startTime: HrTime;
  readonly time: HrTime;
  readonly count: number;
  /** Unset for instruments that may record negative values (the specification says so). */
  readonly sum: number | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
  /** Upper bounds, ascending; `bucketCounts` has one more entry (the +Inf bucket). */
  readonly boundaries: readonly number[];
  readonly bucketCounts: readonly number[];
}

export interface ExponentialBuckets {
  /** The index of the first bucket: bucket i covers (base^(offset+i), base^(offset+i+1)]. */
  readonly offset: number;
  readonly bucketCounts: readonly number[];
}

export interface ExponentialHistogramDataPoint {
  readonly attributes: Attributes;
  readonly startTime: HrTime;
  readonly time: HrTime;
  readonly count: number;
  readonly sum: number | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
  /** base = 2^(2^-scale). */
  readonly scale: number;
  readonly zeroCount: number;
  readonly zeroThreshold: number;
  readonly positive: ExponentialBuckets;
  readonly negative: ExponentialBuckets;
}

export type MetricData =
  | {
      readonly descriptor: MetricDescriptor;
      readonly kind: 'sum';
      readonly temporality: Temporality;
      readonly isMonotonic: boolean;
      readonly points: readonly NumberDataPoint[];
    }
  | {
      readonly descriptor: MetricDescriptor;
      readonly kind: 'gauge';
      readonly points: readonly NumberDataPoint[];
    }
  | {
      readonly descriptor: MetricDescriptor;
      readonly kind: 'histogram';
      readonly temporality: Temporality;
      readonly points: readonly HistogramDataPoint[];
    }
  | {
      readonly descriptor: MetricDescriptor;
      readonly kind: 'exponentialHistogram';
      readonly temporality: Temporality;
      readonly points: readonly ExponentialHistogramDataPoint[];
    };

export interface ScopeMetrics {
  readonly scope: InstrumentationScope;
  readonly metrics: readonly MetricData[];
}

/** One collection: everything the meters of one provider (one resource) hold. */
export interface ResourceMetrics {
  readonly resource: Resource;
  readonly scopeMetrics: readonly ScopeMetrics[];
}

export interface MetricExporter {
  export(batch: ResourceMetrics, done: (result: ExportResult) => void): void;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}
