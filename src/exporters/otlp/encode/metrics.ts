/**
 * ExportMetricsServiceRequest in binary protobuf, written straight from one collection
 * (opentelemetry-proto collector/metrics/v1/metrics_service.proto and metrics/v1/metrics.proto).
 * Fields are written in field-number order, as the official encoders do, and default values are
 * omitted as proto3 does, except the proto3 `optional` fields (a histogram's sum, min and max),
 * which are written whenever they are set, zero included.
 *
 * - A number point is as_int (sfixed64) when the descriptor's value type is 'int' and the value an
 *   integer of the int64 range, otherwise as_double (an 'int' instrument never gives anything else,
 *   but a stray NaN or fraction is better sent as it is than as a made-up integer).
 * - A metric's data (gauge, sum, histogram, exponential histogram) is a oneof member: written even
 *   when it has no points. An exponential histogram's positive and negative buckets are written
 *   only when they hold something (an offset or counts); absent means empty to a receiver.
 * - Scopes without metrics are left out, and a collection without any metric is an empty request.
 */
import type {
  ExponentialBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  MetricData,
  MetricDescriptor,
  NumberDataPoint,
  ResourceMetrics,
  ScopeMetrics,
} from '../../../metrics/types';
import {
  acquireWriter,
  finishWriter,
  isZeroTime,
  type ResourceLike,
  type ScopeLike,
  tag,
  writeAttributes,
  writeHrTime,
  writeResource,
  writeScope,
  writeString,
} from './common';
import type { Writer } from './writer';

// ExportMetricsServiceRequest, ResourceMetrics, ScopeMetrics
const T_RESOURCE_METRICS = tag(1, 2);
const T_RM_RESOURCE = tag(1, 2);
const T_RM_SCOPE_METRICS = tag(2, 2);
const T_RM_SCHEMA_URL = tag(3, 2);
const T_SM_SCOPE = tag(1, 2);
const T_SM_METRICS = tag(2, 2);
const T_SM_SCHEMA_URL = tag(3, 2);

// Metric
const T_NAME = tag(1, 2);
const T_DESCRIPTION = tag(2, 2);
const T_UNIT = tag(3, 2);
const T_GAUGE = tag(5, 2);
const T_SUM = tag(7, 2);
const T_HISTOGRAM = tag(9, 2);
const T_EXPONENTIAL_HISTOGRAM = tag(10, 2);

// Gauge, Sum, Histogram, ExponentialHistogram
const T_DATA_POINTS = tag(1, 2);
const T_TEMPORALITY = tag(2, 0);
const T_IS_MONOTONIC = tag(3, 0);

// NumberDataPoint
const T_NP_START_TIME = tag(2, 1);
const T_NP_TIME = tag(3, 1);
const T_NP_AS_DOUBLE = tag(4, 1);
const T_NP_AS_INT = tag(6, 1);
const T_NP_ATTRIBUTES = tag(7, 2);

// HistogramDataPoint
const T_HP_START_TIME = tag(2, 1);
const T_HP_TIME = tag(3, 1);
const T_HP_COUNT = tag(4, 1);
const T_HP_SUM = tag(5, 1);
const T_HP_BUCKET_COUNTS = tag(6, 2);
const T_HP_EXPLICIT_BOUNDS = tag(7, 2);
const T_HP_ATTRIBUTES = tag(9, 2);
const T_HP_MIN = tag(11, 1);
const T_HP_MAX = tag(12, 1);

// ExponentialHistogramDataPoint, Buckets
const T_EP_ATTRIBUTES = tag(1, 2);
const T_EP_START_TIME = tag(2, 1);
const T_EP_TIME = tag(3, 1);
const T_EP_COUNT = tag(4, 1);
const T_EP_SUM = tag(5, 1);
const T_EP_SCALE = tag(6, 0);
const T_EP_ZERO_COUNT = tag(7, 1);
const T_EP_POSITIVE = tag(8, 2);
const T_EP_NEGATIVE = tag(9, 2);
const T_EP_MIN = tag(12, 1);
const T_EP_MAX = tag(13, 1);
const T_EP_ZERO_THRESHOLD = tag(14, 1);
const T_B_OFFSET = tag(1, 0);
const T_B_BUCKET_COUNTS = tag(2, 2);

const TWO_63 = 2 ** 63;

/** Whether a number point of this descriptor is written as as_int. */
export function isIntValue(descriptor: MetricDescriptor, value: number): boolean {
  return descriptor.valueType === 'int' && Number.isInteger(value) && value >= -TWO_63 && value < TWO_63;
}

/**
 * A count or integer value as the 64-bit fields carry it: truncated toward zero, 0 for NaN and
 * ±Infinity (the aggregations give integers; this only keeps a stray value from turning into
 * garbage, and the JSON encoder applies the same rule).
 */
export function int64(v: number): number {
  if (Number.isInteger(v)) return v;
  return Number.isFinite(v) ? Math.trunc(v) : 0;
}

/**
 * Writes an integer as a (s)fixed64 value, two's complement for negative numbers (beyond 64 bits
 * it wraps). The words are exact for every integer a double holds: `>>> 0` takes the value modulo
 * 2^32, and the division by 2^32 is exact.
 */
function fixed64(w: Writer, v: number): void {
  v = int64(v);
  w.fixed64(v >>> 0, Math.floor(v / 4294967296) >>> 0);
}

/** Writes a uint64 varint (one bucket count). */
function uint64(w: Writer, v: number): void {
  if (v >= 0 && v <= 0xffffffff) w.uint32(v);
  else w.uint64(int64(v));
}

function writeTimes(w: Writer, startTag: number, timeTag: number, p: { readonly startTime: NumberDataPoint['startTime']; readonly time: NumberDataPoint['time'] }): void {
  if (!isZeroTime(p.startTime)) writeHrTime(w, startTag, p.startTime);
  if (!isZeroTime(p.time)) writeHrTime(w, timeTag, p.time);
}

function writeNumberPoint(w: Writer, descriptor: MetricDescriptor, p: NumberDataPoint): void {
  w.uint32(T_DATA_POINTS).fork();
  writeTimes(w, T_NP_START_TIME, T_NP_TIME, p);
  // as_double and as_int are oneof members: written even when zero
  const v = p.value;
  if (isIntValue(descriptor, v)) {
    w.uint32(T_NP_AS_INT);
    fixed64(w, v);
  } else {
    w.uint32(T_NP_AS_DOUBLE).double(v);
  }
  writeAttributes(w, T_NP_ATTRIBUTES, p.attributes);
  w.ldelim();
}

function writeHistogramPoint(w: Writer, p: HistogramDataPoint): void {
  w.uint32(T_DATA_POINTS).fork();
  writeTimes(w, T_HP_START_TIME, T_HP_TIME, p);
  if (p.count) {
    w.uint32(T_HP_COUNT);
    fixed64(w, p.count);
  }
  if (p.sum !== undefined) w.uint32(T_HP_SUM).double(p.sum);
  const counts = p.bucketCounts;
  if (counts.length > 0) {
    // packed: the length is known up front, no fork needed
    w.uint32(T_HP_BUCKET_COUNTS).uint32(counts.length * 8);
    for (let i = 0; i < counts.length; i++) fixed64(w, counts[i]!);
  }
  const bounds = p.boundaries;
  if (bounds.length > 0) {
    w.uint32(T_HP_EXPLICIT_BOUNDS).uint32(bounds.length * 8);
    for (let i = 0; i < bounds.length; i++) w.double(bounds[i]!);
  }
  writeAttributes(w, T_HP_ATTRIBUTES, p.attributes);
  if (p.min !== undefined) w.uint32(T_HP_MIN).double(p.min);
  if (p.max !== undefined) w.uint32(T_HP_MAX).double(p.max);
  w.ldelim();
}

function writeBuckets(w: Writer, fieldTag: number, b: ExponentialBuckets): void {
  const counts = b.bucketCounts;
  if (b.offset === 0 && counts.length === 0) return;
  w.uint32(fieldTag).fork();
  if (b.offset) w.uint32(T_B_OFFSET).sint32(b.offset);
  if (counts.length > 0) {
    w.uint32(T_B_BUCKET_COUNTS).fork();
    for (let i = 0; i < counts.length; i++) uint64(w, counts[i]!);
    w.ldelim();
  }
  w.ldelim();
}

function writeExponentialHistogramPoint(w: Writer, p: ExponentialHistogramDataPoint): void {
  w.uint32(T_DATA_POINTS).fork();
  writeAttributes(w, T_EP_ATTRIBUTES, p.attributes);
  writeTimes(w, T_EP_START_TIME, T_EP_TIME, p);
  if (p.count) {
    w.uint32(T_EP_COUNT);
    fixed64(w, p.count);
  }
  if (p.sum !== undefined) w.uint32(T_EP_SUM).double(p.sum);
  if (p.scale) w.uint32(T_EP_SCALE).sint32(p.scale);
  if (p.zeroCount) {
    w.uint32(T_EP_ZERO_COUNT);
    fixed64(w, p.zeroCount);
  }
  writeBuckets(w, T_EP_POSITIVE, p.positive);
  writeBuckets(w, T_EP_NEGATIVE, p.negative);
  if (p.min !== undefined) w.uint32(T_EP_MIN).double(p.min);
  if (p.max !== undefined) w.uint32(T_EP_MAX).double(p.max);
  if (p.zeroThreshold) w.uint32(T_EP_ZERO_THRESHOLD).double(p.zeroThreshold);
  w.ldelim();
}

/** Writes one Metric message as ScopeMetrics.metrics (field 2). */
export function writeMetric(w: Writer, metric: MetricData): void {
  const d = metric.descriptor;
  w.uint32(T_SM_METRICS).fork();
  if (d.name) {
    w.uint32(T_NAME);
    writeString(w, d.name);
  }
  if (d.description) {
    w.uint32(T_DESCRIPTION);
    writeString(w, d.description);
  }
  if (d.unit) {
    w.uint32(T_UNIT);
    writeString(w, d.unit);
  }
  switch (metric.kind) {
    case 'gauge': {
      w.uint32(T_GAUGE).fork();
      const points = metric.points;
      for (let i = 0; i < points.length; i++) writeNumberPoint(w, d, points[i]!);
      w.ldelim();
      break;
    }
    case 'sum': {
      w.uint32(T_SUM).fork();
      const points = metric.points;
      for (let i = 0; i < points.length; i++) writeNumberPoint(w, d, points[i]!);
      if (metric.temporality) w.uint32(T_TEMPORALITY).uint32(metric.temporality);
      if (metric.isMonotonic) w.uint32(T_IS_MONOTONIC).uint32(1);
      w.ldelim();
      break;
    }
    case 'histogram': {
      w.uint32(T_HISTOGRAM).fork();
      const points = metric.points;
      for (let i = 0; i < points.length; i++) writeHistogramPoint(w, points[i]!);
      if (metric.temporality) w.uint32(T_TEMPORALITY).uint32(metric.temporality);
      w.ldelim();
      break;
    }
    case 'exponentialHistogram': {
      w.uint32(T_EXPONENTIAL_HISTOGRAM).fork();
      const points = metric.points;
      for (let i = 0; i < points.length; i++) writeExponentialHistogramPoint(w, points[i]!);
      if (metric.temporality) w.uint32(T_TEMPORALITY).uint32(metric.temporality);
      w.ldelim();
      break;
    }
    default:
    // an unknown kind: the metric goes out without data rather than failing the whole request
  }
  w.ldelim();
}

/** Whether the collection holds at least one metric (otherwise nothing is written). */
export function hasMetrics(batch: ResourceMetrics): boolean {
  const scopes = batch.scopeMetrics;
  for (let i = 0; i < scopes.length; i++) if (scopes[i]!.metrics.length > 0) return true;
  return false;
}

function writeScopeMetrics(w: Writer, sm: ScopeMetrics): void {
  const metrics = sm.metrics;
  if (metrics.length === 0) return;
  w.uint32(T_RM_SCOPE_METRICS).fork();
  writeScope(w, T_SM_SCOPE, sm.scope as ScopeLike);
  for (let i = 0; i < metrics.length; i++) writeMetric(w, metrics[i]!);
  if (sm.scope.schemaUrl) {
    w.uint32(T_SM_SCHEMA_URL);
    writeString(w, sm.scope.schemaUrl);
  }
  w.ldelim();
}

/** Writes the ExportMetricsServiceRequest for one collection into `w`. */
export function writeMetricsRequest(w: Writer, batch: ResourceMetrics): void {
  if (!hasMetrics(batch)) return;
  w.uint32(T_RESOURCE_METRICS).fork();
  writeResource(w, T_RM_RESOURCE, batch.resource as ResourceLike);
  const scopes = batch.scopeMetrics;
  for (let i = 0; i < scopes.length; i++) writeScopeMetrics(w, scopes[i]!);
  if (batch.resource.schemaUrl) {
    w.uint32(T_RM_SCHEMA_URL);
    writeString(w, batch.resource.schemaUrl);
  }
  w.ldelim();
}

/** The binary protobuf ExportMetricsServiceRequest (the body of OTLP/HTTP and OTLP/gRPC). */
export function encodeMetricsRequest(batch: ResourceMetrics): Uint8Array {
  const w = acquireWriter();
  writeMetricsRequest(w, batch);
  return finishWriter(w);
}
