/**
 * ExportMetricsServiceRequest in OTLP/JSON (see json-common.ts for the rules), written straight
 * from one collection into one buffer. What is written, and when, is the protobuf encoder's (see
 * metrics.ts): 64-bit integers (times, counts, bucket counts, asInt) are decimal strings, enums
 * (aggregationTemporality) numbers, doubles numbers or "NaN"/"Infinity"/"-Infinity".
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
import { isZeroTime, type ResourceLike, type ScopeLike } from './common';
import {
  acquireJsonWriter,
  finishJsonBuffer,
  finishJsonString,
  type JsonWriter,
  writeJsonAttributes,
  writeJsonResource,
  writeJsonScope,
} from './json-common';
import { hasMetrics, int64, isIntValue } from './metrics';

/**
 * Writes an integer as the quoted decimal digits its (s)fixed64 or uint64 field carries (see
 * `int64` in metrics.ts): exact beyond 2^53 too, where String() would round to the shortest form
 * (2^62 → "4611686018427388000").
 */
function writeInt64(j: JsonWriter, v: number, signed = false): void {
  if (Number.isSafeInteger(v) && (v >= 0 || signed)) {
    j.ascii(`"${v}"`);
    return;
  }
  const b = BigInt(int64(v));
  j.ascii(`"${signed ? BigInt.asIntN(64, b) : BigInt.asUintN(64, b)}"`);
}

function writeJsonTimes(j: JsonWriter, p: { readonly startTime: NumberDataPoint['startTime']; readonly time: NumberDataPoint['time'] }): void {
  if (!isZeroTime(p.startTime)) {
    j.member('"startTimeUnixNano":');
    j.hrTime(p.startTime);
  }
  if (!isZeroTime(p.time)) {
    j.member('"timeUnixNano":');
    j.hrTime(p.time);
  }
}

function writeJsonNumberPoint(j: JsonWriter, descriptor: MetricDescriptor, p: NumberDataPoint): void {
  j.ascii('{');
  writeJsonTimes(j, p);
  const v = p.value;
  if (isIntValue(descriptor, v)) {
    j.member('"asInt":');
    writeInt64(j, v, true);
  } else {
    j.member('"asDouble":');
    j.double(v);
  }
  writeJsonAttributes(j, '"attributes":', p.attributes);
  j.ascii('}');
}

function writeJsonHistogramPoint(j: JsonWriter, p: HistogramDataPoint): void {
  j.ascii('{');
  writeJsonTimes(j, p);
  if (p.count) {
    j.member('"count":');
    writeInt64(j, p.count);
  }
  if (p.sum !== undefined) {
    j.member('"sum":');
    j.double(p.sum);
  }
  const counts = p.bucketCounts;
  if (counts.length > 0) {
    j.member('"bucketCounts":[');
    for (let i = 0; i < counts.length; i++) {
      if (i > 0) j.ascii(',');
      writeInt64(j, counts[i]!);
    }
    j.ascii(']');
  }
  const bounds = p.boundaries;
  if (bounds.length > 0) {
    j.member('"explicitBounds":[');
    for (let i = 0; i < bounds.length; i++) {
      if (i > 0) j.ascii(',');
      j.double(bounds[i]!);
    }
    j.ascii(']');
  }
  writeJsonAttributes(j, '"attributes":', p.attributes);
  if (p.min !== undefined) {
    j.member('"min":');
    j.double(p.min);
  }
  if (p.max !== undefined) {
    j.member('"max":');
    j.double(p.max);
  }
  j.ascii('}');
}

function writeJsonBuckets(j: JsonWriter, key: string, b: ExponentialBuckets): void {
  const counts = b.bucketCounts;
  if (b.offset === 0 && counts.length === 0) return;
  j.member(key);
  j.ascii('{');
  if (b.offset) {
    j.ascii('"offset":');
    // sint32, as protobufjs writes it
    j.ascii(String(b.offset | 0));
  }
  if (counts.length > 0) {
    j.member('"bucketCounts":[');
    for (let i = 0; i < counts.length; i++) {
      if (i > 0) j.ascii(',');
      writeInt64(j, counts[i]!);
    }
    j.ascii(']');
  }
  j.ascii('}');
}

function writeJsonExponentialHistogramPoint(j: JsonWriter, p: ExponentialHistogramDataPoint): void {
  j.ascii('{');
  writeJsonAttributes(j, '"attributes":', p.attributes);
  writeJsonTimes(j, p);
  if (p.count) {
    j.member('"count":');
    writeInt64(j, p.count);
  }
  if (p.sum !== undefined) {
    j.member('"sum":');
    j.double(p.sum);
  }
  if (p.scale) {
    j.member('"scale":');
    j.ascii(String(p.scale | 0));
  }
  if (p.zeroCount) {
    j.member('"zeroCount":');
    writeInt64(j, p.zeroCount);
  }
  writeJsonBuckets(j, '"positive":', p.positive);
  writeJsonBuckets(j, '"negative":', p.negative);
  if (p.min !== undefined) {
    j.member('"min":');
    j.double(p.min);
  }
  if (p.max !== undefined) {
    j.member('"max":');
    j.double(p.max);
  }
  if (p.zeroThreshold) {
    j.member('"zeroThreshold":');
    j.double(p.zeroThreshold);
  }
  j.ascii('}');
}

/** Writes `"dataPoints":[…]` (nothing when there are none) inside a data object. */
function writeJsonPoints<P>(j: JsonWriter, points: readonly P[], write: (j: JsonWriter, p: P) => void): void {
  if (points.length === 0) return;
  j.ascii('"dataPoints":[');
  for (let i = 0; i < points.length; i++) {
    if (i > 0) j.ascii(',');
    write(j, points[i]!);
  }
  j.ascii(']');
}

function writeJsonNumberPoints(j: JsonWriter, d: MetricDescriptor, points: readonly NumberDataPoint[]): void {
  if (points.length === 0) return;
  j.ascii('"dataPoints":[');
  for (let i = 0; i < points.length; i++) {
    if (i > 0) j.ascii(',');
    writeJsonNumberPoint(j, d, points[i]!);
  }
  j.ascii(']');
}

function writeJsonTemporality(j: JsonWriter, temporality: number): void {
  if (temporality) {
    j.member('"aggregationTemporality":');
    j.uint(temporality);
  }
}

/** Writes one Metric object. */
export function writeJsonMetric(j: JsonWriter, metric: MetricData): void {
  const d = metric.descriptor;
  j.ascii('{');
  if (d.name) {
    j.ascii('"name":');
    j.str(d.name);
  }
  if (d.description) {
    j.member('"description":');
    j.str(d.description);
  }
  if (d.unit) {
    j.member('"unit":');
    j.str(d.unit);
  }
  switch (metric.kind) {
    case 'gauge':
      j.member('"gauge":{');
      writeJsonNumberPoints(j, d, metric.points);
      j.ascii('}');
      break;
    case 'sum':
      j.member('"sum":{');
      writeJsonNumberPoints(j, d, metric.points);
      writeJsonTemporality(j, metric.temporality);
      if (metric.isMonotonic) j.member('"isMonotonic":true');
      j.ascii('}');
      break;
    case 'histogram':
      j.member('"histogram":{');
      writeJsonPoints(j, metric.points, writeJsonHistogramPoint);
      writeJsonTemporality(j, metric.temporality);
      j.ascii('}');
      break;
    case 'exponentialHistogram':
      j.member('"exponentialHistogram":{');
      writeJsonPoints(j, metric.points, writeJsonExponentialHistogramPoint);
      writeJsonTemporality(j, metric.temporality);
      j.ascii('}');
      break;
    default:
  }
  j.ascii('}');
}

function writeJsonScopeMetrics(j: JsonWriter, sm: ScopeMetrics): void {
  const metrics = sm.metrics;
  if (metrics.length === 0) return;
  j.comma();
  j.ascii('{"scope":');
  writeJsonScope(j, sm.scope as ScopeLike);
  j.ascii(',"metrics":[');
  for (let i = 0; i < metrics.length; i++) {
    if (i > 0) j.ascii(',');
    writeJsonMetric(j, metrics[i]!);
  }
  j.ascii(']');
  if (sm.scope.schemaUrl) {
    j.ascii(',"schemaUrl":');
    j.str(sm.scope.schemaUrl);
  }
  j.ascii('}');
}

/** Writes the ExportMetricsServiceRequest for one collection (`{}` when it holds no metric). */
export function writeJsonMetricsRequest(j: JsonWriter, batch: ResourceMetrics): void {
  if (!hasMetrics(batch)) {
    j.ascii('{}');
    return;
  }
  j.ascii('{"resourceMetrics":[{"resource":');
  writeJsonResource(j, batch.resource as ResourceLike);
  j.ascii(',"scopeMetrics":[');
  const scopes = batch.scopeMetrics;
  for (let i = 0; i < scopes.length; i++) writeJsonScopeMetrics(j, scopes[i]!);
  j.ascii(']');
  if (batch.resource.schemaUrl) {
    j.ascii(',"schemaUrl":');
    j.str(batch.resource.schemaUrl);
  }
  j.ascii('}]}');
}

/** The OTLP/JSON ExportMetricsServiceRequest as UTF-8 bytes (the body of an OTLP/HTTP JSON request). */
export function encodeMetricsRequestJsonBuffer(batch: ResourceMetrics): Buffer {
  const j = acquireJsonWriter();
  writeJsonMetricsRequest(j, batch);
  return finishJsonBuffer(j);
}

/** The OTLP/JSON ExportMetricsServiceRequest as a string. */
export function encodeMetricsRequestJson(batch: ResourceMetrics): string {
  const j = acquireJsonWriter();
  writeJsonMetricsRequest(j, batch);
  return finishJsonString(j);
}
