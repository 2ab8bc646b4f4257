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
