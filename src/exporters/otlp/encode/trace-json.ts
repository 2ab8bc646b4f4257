/**
 * ExportTraceServiceRequest in OTLP/JSON (see json-common.ts for the rules), written straight from
 * the span objects into one buffer.
 */
import type { ReadableSpan, SpanEvent, SpanLink, SpanStatus } from '../../../trace/types';
import { isZeroTime, type ResourceLike, type ScopeLike } from './common';
import {
  acquireJsonWriter,
  finishJsonBuffer,
  finishJsonString,
  type JsonWriter,
  writeJsonAttributes,
  writeJsonCount,
  writeJsonGroupedRequest,
  writeJsonArray,
} from './json-common';
import { spanFlags } from './trace';

function writeEvent(j: JsonWriter, event: SpanEvent): void {
  j.ascii('{');
  if (!isZeroTime(event.time)) {
    j.member('"timeUnixNano":');
    j.hrTime(event.time);
  }
  if (event.name) {
    j.member('"name":');
    j.str(event.name);
  }
  writeJsonAttributes(j, '"attributes":', event.attributes);
  writeJsonCount(j, '"droppedAttributesCount":', event.droppedAttributesCount);
  j.ascii('}');
}

function writeLink(j: JsonWriter, link: SpanLink): void {
  const ctx = link.context;
  j.ascii('{"traceId":');
  j.hexId(ctx.traceId);
  j.ascii(',"spanId":');
  j.hexId(ctx.spanId);
  const traceState = ctx.traceState?.serialize();
  if (traceState) {
    j.ascii(',"traceState":');
    j.str(traceState);
  }
  writeJsonAttributes(j, '"attributes":', link.attributes);
  writeJsonCount(j, '"droppedAttributesCount":', link.droppedAttributesCount);
  writeJsonCount(j, '"flags":', spanFlags(ctx.traceFlags, ctx.isRemote));
  j.ascii('}');
}

function writeStatus(j: JsonWriter, status: SpanStatus): void {
  const code = status.code;
  const message = status.message;
  if (!code && !message) return;
  j.ascii(',"status":{');
  if (message) {
    j.member('"message":');
    j.str(message);
  }
  writeJsonCount(j, '"code":', code);
  j.ascii('}');
}

/** Writes one Span object. */
export function writeJsonSpan(j: JsonWriter, span: ReadableSpan): void {
  const ctx = span.spanContext();
  j.ascii('{"traceId":');
  j.hexId(ctx.traceId);
  j.ascii(',"spanId":');
  j.hexId(ctx.spanId);
  const traceState = ctx.traceState?.serialize();
  if (traceState) {
    j.ascii(',"traceState":');
    j.str(traceState);
  }
  if (span.parentSpanId) {
    j.ascii(',"parentSpanId":');
    j.hexId(span.parentSpanId);
  }
  writeJsonCount(j, '"flags":', spanFlags(ctx.traceFlags, span.parentIsRemote));
  if (span.name) {
    j.ascii(',"name":');
    j.str(span.name);
  }
  if (span.kind !== undefined && span.kind !== null) {
    j.ascii(',"kind":');
    j.uint(span.kind + 1);
  }
  if (!isZeroTime(span.startTime)) {
    j.ascii(',"startTimeUnixNano":');
    j.hrTime(span.startTime);
  }
  if (!isZeroTime(span.endTime)) {
    j.ascii(',"endTimeUnixNano":');
    j.hrTime(span.endTime);
  }
  writeJsonAttributes(j, '"attributes":', span.attributes);
  writeJsonCount(j, '"droppedAttributesCount":', span.droppedAttributesCount);
  writeJsonArray(j, ',"events":[', span.events, writeEvent);
  writeJsonCount(j, '"droppedEventsCount":', span.droppedEventsCount);
  writeJsonArray(j, ',"links":[', span.links, writeLink);
  writeJsonCount(j, '"droppedLinksCount":', span.droppedLinksCount);
  writeStatus(j, span.status);
  j.ascii('}');
}

/** Writes the request for `spans` (`{}` when there are none). */
export function writeJsonTraceRequest(j: JsonWriter, spans: readonly ReadableSpan[]): void {
  writeJsonGroupedRequest(
    j,
    spans as readonly (ReadableSpan & { resource: ResourceLike; instrumentationScope: ScopeLike })[],
    { groups: 'resourceSpans', scopes: 'scopeSpans', items: 'spans' },
    writeJsonSpan,
  );
}

/** The OTLP/JSON ExportTraceServiceRequest as UTF-8 bytes (the body of an OTLP/HTTP JSON request). */
export function encodeTraceRequestJsonBuffer(spans: readonly ReadableSpan[]): Buffer {
  const j = acquireJsonWriter();
  writeJsonTraceRequest(j, spans);
  return finishJsonBuffer(j);
}

/** The OTLP/JSON ExportTraceServiceRequest as a string. */
export function encodeTraceRequestJson(spans: readonly ReadableSpan[]): string {
  const j = acquireJsonWriter();
  writeJsonTraceRequest(j, spans);
  return finishJsonString(j);
}
