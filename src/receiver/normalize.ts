/**
 * From decoded requests to received items: one entry per span, metric or log record, with its
 * resource, scope and protocol; attributes as plain objects; enum names added.
 */
import { spanKindName, statusCodeName, temporalityName } from './common';
import type {
  OtlpExponentialHistogramDataPoint,
  OtlpHistogramDataPoint,
  Attributes,
  OtlpAnyValue,
  OtlpExemplar,
  OtlpInstrumentationScope,
  OtlpKeyValue,
  OtlpLogsRequest,
  OtlpMetric,
  OtlpMetricsRequest,
  OtlpNumberDataPoint,
  OtlpResource,
  OtlpTracesRequest,
  Protocol,
  ReceivedBuckets,
  ReceivedExemplar,
  ReceivedLogRecord,
  ReceivedMetric,
  ReceivedNumberDataPoint,
  ReceivedResource,
  ReceivedScope,
  ReceivedSpan,
  Value,
} from './types';

/** An AnyValue as a JS value (see {@link Value}). */
export function anyValueToJs(v: OtlpAnyValue): Value {
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return v.intValue;
  if ('doubleValue' in v) return v.doubleValue;
  if ('bytesValue' in v) return v.bytesValue;
  if ('arrayValue' in v) return v.arrayValue.values.map(anyValueToJs);
  if ('kvlistValue' in v) return attributesToObject(v.kvlistValue.values);
  return null;
}

/** Key-value pairs as a plain object; a repeated key keeps its last value. */
export function attributesToObject(list: readonly OtlpKeyValue[]): Attributes {
  const out: Attributes = {};
  for (const { key, value } of list) {
    if (key === '__proto__') {
      Object.defineProperty(out, key, { value: anyValueToJs(value), enumerable: true, writable: true, configurable: true });
    } else out[key] = anyValueToJs(value);
  }
  return out;
}

function resourceOf(resource: OtlpResource, schemaUrl: string): ReceivedResource {
  return {
    attributes: attributesToObject(resource.attributes),
    droppedAttributesCount: resource.droppedAttributesCount,
    entityRefs: resource.entityRefs.map((r) => ({ ...r, idKeys: [...r.idKeys], descriptionKeys: [...r.descriptionKeys] })),
    schemaUrl,
  };
}

function scopeOf(scope: OtlpInstrumentationScope, schemaUrl: string): ReceivedScope {
  return {
    name: scope.name,
    version: scope.version,
    attributes: attributesToObject(scope.attributes),
    droppedAttributesCount: scope.droppedAttributesCount,
    schemaUrl,
  };
}

export function flattenTraces(data: OtlpTracesRequest, protocol: Protocol): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of data.resourceSpans) {
    const resource = resourceOf(rs.resource, rs.schemaUrl);
    for (const ss of rs.scopeSpans) {
      const scope = scopeOf(ss.scope, ss.schemaUrl);
      for (const s of ss.spans) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId,
          traceState: s.traceState,
          flags: s.flags,
          name: s.name,
          kind: s.kind,
          kindName: spanKindName(s.kind),
          startTimeUnixNano: s.startTimeUnixNano,
          endTimeUnixNano: s.endTimeUnixNano,
          attributes: attributesToObject(s.attributes),
          droppedAttributesCount: s.droppedAttributesCount,
          events: s.events.map((e) => ({
            timeUnixNano: e.timeUnixNano,
            name: e.name,
            attributes: attributesToObject(e.attributes),
            droppedAttributesCount: e.droppedAttributesCount,
          })),
          droppedEventsCount: s.droppedEventsCount,
          links: s.links.map((l) => ({
            traceId: l.traceId,
            spanId: l.spanId,
            traceState: l.traceState,
            attributes: attributesToObject(l.attributes),
            droppedAttributesCount: l.droppedAttributesCount,
            flags: l.flags,
          })),
          droppedLinksCount: s.droppedLinksCount,
          status: { code: s.status.code, codeName: statusCodeName(s.status.code), message: s.status.message },
          resource,
          scope,
          protocol,
        });
      }
    }
  }
  return out;
}

function numberValue(p: OtlpNumberDataPoint | OtlpExemplar): Pick<ReceivedNumberDataPoint, 'value' | 'valueType'> {
  if (p.asInt !== undefined) return { value: p.asInt, valueType: 'int' };
  if (p.asDouble !== undefined) return { value: p.asDouble, valueType: 'double' };
  return { value: null, valueType: 'none' };
}

function exemplarsOf(list: readonly OtlpExemplar[]): ReceivedExemplar[] {
  return list.map((e) => ({
    filteredAttributes: attributesToObject(e.filteredAttributes),
    timeUnixNano: e.timeUnixNano,
    ...numberValue(e),
    traceId: e.traceId,
    spanId: e.spanId,
  }));
}

const numberPoints = (list: readonly OtlpNumberDataPoint[]): ReceivedNumberDataPoint[] =>
  list.map((p) => ({
    attributes: attributesToObject(p.attributes),
    startTimeUnixNano: p.startTimeUnixNano,
    timeUnixNano: p.timeUnixNano,
    ...numberValue(p),
    exemplars: exemplarsOf(p.exemplars),
    flags: p.flags,
  }));

const buckets = (b: { offset: number; bucketCounts: (number | string)[] }): ReceivedBuckets => ({
  offset: b.offset,
  bucketCounts: [...b.bucketCounts],
});

/** The fields explicit and exponential histogram points share. */
function histogramPoint(p: OtlpHistogramDataPoint | OtlpExponentialHistogramDataPoint) {
  return {
    attributes: attributesToObject(p.attributes),
    startTimeUnixNano: p.startTimeUnixNano,
    timeUnixNano: p.timeUnixNano,
    count: p.count,
    sum: p.sum ?? null,
    min: p.min ?? null,
    max: p.max ?? null,
    exemplars: exemplarsOf(p.exemplars),
    flags: p.flags,
  };
}

function metricOf(m: OtlpMetric, resource: ReceivedResource, scope: ReceivedScope, protocol: Protocol): ReceivedMetric {
  const base = {
    name: m.name,
    description: m.description,
    unit: m.unit,
    metadata: attributesToObject(m.metadata),
    resource,
    scope,
    protocol,
  };
  if (m.gauge) return { ...base, type: 'gauge', dataPoints: numberPoints(m.gauge.dataPoints) };
  if (m.sum) {
    return {
      ...base,
      type: 'sum',
      aggregationTemporality: m.sum.aggregationTemporality,
      aggregationTemporalityName: temporalityName(m.sum.aggregationTemporality),
      isMonotonic: m.sum.isMonotonic,
      dataPoints: numberPoints(m.sum.dataPoints),
    };
  }
  if (m.histogram) {
    return {
      ...base,
      type: 'histogram',
      aggregationTemporality: m.histogram.aggregationTemporality,
      aggregationTemporalityName: temporalityName(m.histogram.aggregationTemporality),
      dataPoints: m.histogram.dataPoints.map((p) => ({
        ...histogramPoint(p),
        bucketCounts: [...p.bucketCounts],
        explicitBounds: [...p.explicitBounds],
      })),
    };
  }
  if (m.exponentialHistogram) {
    return {
      ...base,
      type: 'exponentialHistogram',
      aggregationTemporality: m.exponentialHistogram.aggregationTemporality,
      aggregationTemporalityName: temporalityName(m.exponentialHistogram.aggregationTemporality),
      dataPoints: m.exponentialHistogram.dataPoints.map((p) => ({
        ...histogramPoint(p),
        scale: p.scale,
        zeroCount: p.zeroCount,
        zeroThreshold: p.zeroThreshold,
        positive: buckets(p.positive),
        negative: buckets(p.negative),
      })),
    };
  }
  if (m.summary) {
    return {
      ...base,
      type: 'summary',
      dataPoints: m.summary.dataPoints.map((p) => ({
        attributes: attributesToObject(p.attributes),
        startTimeUnixNano: p.startTimeUnixNano,
        timeUnixNano: p.timeUnixNano,
        count: p.count,
        sum: p.sum,
        quantileValues: p.quantileValues.map((q) => ({ quantile: q.quantile, value: q.value })),
        flags: p.flags,
      })),
    };
  }
  return { ...base, type: 'empty', dataPoints: [] };
}

export function flattenMetrics(data: OtlpMetricsRequest, protocol: Protocol): ReceivedMetric[] {
  const out: ReceivedMetric[] = [];
  for (const rm of data.resourceMetrics) {
    const resource = resourceOf(rm.resource, rm.schemaUrl);
    for (const sm of rm.scopeMetrics) {
      const scope = scopeOf(sm.scope, sm.schemaUrl);
      for (const m of sm.metrics) out.push(metricOf(m, resource, scope, protocol));
    }
  }
  return out;
}

export function flattenLogs(data: OtlpLogsRequest, protocol: Protocol): ReceivedLogRecord[] {
  const out: ReceivedLogRecord[] = [];
  for (const rl of data.resourceLogs) {
    const resource = resourceOf(rl.resource, rl.schemaUrl);
    for (const sl of rl.scopeLogs) {
      const scope = scopeOf(sl.scope, sl.schemaUrl);
      for (const l of sl.logRecords) {
        out.push({
          timeUnixNano: l.timeUnixNano,
          observedTimeUnixNano: l.observedTimeUnixNano,
          severityNumber: l.severityNumber,
          severityText: l.severityText,
          body: anyValueToJs(l.body),
          attributes: attributesToObject(l.attributes),
          droppedAttributesCount: l.droppedAttributesCount,
          flags: l.flags,
          traceId: l.traceId,
          spanId: l.spanId,
          eventName: l.eventName,
          resource,
          scope,
          protocol,
        });
      }
    }
  }
  return out;
}
