import type { ReadableLogRecord } from '../logs/types';
import type { MetricExporter, ResourceMetrics } from '../metrics/types';
import type { Exporter } from '../processing/types';
import { hrToIso, durationMs } from '../trace/time';
import type { ExportResult, ReadableSpan, SpanExporter } from '../trace/types';

const KINDS = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS = ['UNSET', 'OK', 'ERROR'];

/** The console exporter's view of a span: plain JSON, snake_case keys, times in ISO 8601 with nanoseconds. */
export function spanToJson(span: ReadableSpan): Record<string, unknown> {
  const ctx = span.spanContext();
  return {
    name: span.name,
    context: { trace_id: ctx.traceId, span_id: ctx.spanId, trace_flags: ctx.traceFlags, trace_state: ctx.traceState?.serialize() ?? '' },
    kind: KINDS[span.kind] ?? String(span.kind),
    parent_id: span.parentSpanId ?? null,
    start_time: hrToIso(span.startTime),
    end_time: hrToIso(span.endTime),
    duration_ms: Math.round(durationMs(span.startTime, span.endTime) * 1000) / 1000,
    status: span.status.message
      ? { status_code: STATUS[span.status.code], description: span.status.message }
      : { status_code: STATUS[span.status.code] },
    attributes: span.attributes,
    events: span.events.map((e) => ({ name: e.name, timestamp: hrToIso(e.time), attributes: e.attributes })),
    links: span.links.map((l) => ({
      context: { trace_id: l.context.traceId, span_id: l.context.spanId, trace_state: l.context.traceState?.serialize() ?? '' },
      attributes: l.attributes,
    })),
    resource: { attributes: span.resource.attributes, schema_url: span.resource.schemaUrl ?? '' },
    scope: { name: span.instrumentationScope.name, version: span.instrumentationScope.version ?? '' },
  };
}

/**
 * Writes one JSON object per span, one per line, to stderr, so that the program's own stdout stays
 * clean. Synchronous: what has ended has been written, whatever way the program exits.
 */
export class ConsoleSpanExporter implements SpanExporter {
  constructor(private readonly write: (text: string) => void = (t) => process.stderr.write(t)) {}

  export(spans: readonly ReadableSpan[], done: (result: ExportResult) => void): void {
    try {
      let text = '';
      for (const span of spans) text += `${JSON.stringify(spanToJson(span))}\n`;
      this.write(text);
      done({ code: 0 });
    } catch (e) {
      done({ code: 1, error: e instanceof Error ? e : new Error(String(e)) });
    }
  }

  async shutdown(): Promise<void> {}
}

/** The console exporter's view of a log record: plain JSON, snake_case keys, ISO 8601 times. */
export function logRecordToJson(record: ReadableLogRecord): Record<string, unknown> {
  const sc = record.spanContext;
  return {
    timestamp: record.timestamp ? hrToIso(record.timestamp) : null,
    observed_timestamp: hrToIso(record.observedTimestamp),
    severity_number: record.severityNumber,
    severity_text: record.severityText ?? '',
    body: record.body ?? null,
    attributes: record.attributes,
    dropped_attributes_count: record.droppedAttributesCount,
    trace_id: sc?.traceId ?? null,
    span_id: sc?.spanId ?? null,
    trace_flags: sc?.traceFlags ?? 0,
    ...(record.eventName ? { event_name: record.eventName } : {}),
    resource: { attributes: record.resource.attributes, schema_url: record.resource.schemaUrl ?? '' },
    scope: { name: record.instrumentationScope.name, version: record.instrumentationScope.version ?? '' },
  };
}

/** Byte arrays in a record (AnyValue bytes) as base64, as OTLP/JSON writes them. */
function jsonValue(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') : value;
}

/**
 * Writes one JSON object per log record, one per line, to stderr (never through `console`, which
 * the console bridge turns into records). Synchronous, like the span exporter.
 */
export class ConsoleLogExporter implements Exporter<ReadableLogRecord> {
  constructor(private readonly write: (text: string) => void = (t) => process.stderr.write(t)) {}

  export(records: readonly ReadableLogRecord[], done: (result: ExportResult) => void): void {
    try {
      let text = '';
      for (const record of records) text += `${JSON.stringify(logRecordToJson(record), jsonValue)}\n`;
      this.write(text);
      done({ code: 0 });
    } catch (e) {
      done({ code: 1, error: e instanceof Error ? e : new Error(String(e)) });
    }
  }

  async shutdown(): Promise<void> {}
}

const KIND_NAMES = { sum: 'sum', gauge: 'gauge', histogram: 'histogram', exponentialHistogram: 'exponential_histogram' } as const;

/**
 * Writes one JSON object per metric of each collection, one per line, to stderr: name,
 * description, unit, kind, temporality, monotonic, data points with ISO 8601 times, and scope.
 */
export class ConsoleMetricExporter implements MetricExporter {
  constructor(private readonly write: (text: string) => void = (t) => process.stderr.write(t)) {}

  export(batch: ResourceMetrics, done: (result: ExportResult) => void): void {
    try {
      let text = '';
      for (const { scope, metrics } of batch.scopeMetrics) {
        for (const m of metrics) {
          const points = (m.points as readonly { startTime: [number, number]; time: [number, number] }[]).map((p) => ({
            ...p,
            startTime: undefined,
            time: undefined,
            start_time: hrToIso(p.startTime),
            end_time: hrToIso(p.time),
          }));
          text += `${JSON.stringify({
            metric: m.descriptor.name,
            description: m.descriptor.description,
            unit: m.descriptor.unit,
            kind: KIND_NAMES[m.kind],
            ...('temporality' in m ? { temporality: m.temporality === 1 ? 'delta' : 'cumulative' } : {}),
            ...(m.kind === 'sum' ? { monotonic: m.isMonotonic } : {}),
            data_points: points,
            scope: { name: scope.name, version: scope.version ?? '' },
          })}\n`;
        }
      }
      if (text) this.write(text);
      done({ code: 0 });
    } catch (e) {
      done({ code: 1, error: e instanceof Error ? e : new Error(String(e)) });
    }
  }

  async shutdown(): Promise<void> {}
}
