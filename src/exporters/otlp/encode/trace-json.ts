/**
 * ExportTraceServiceRequest in OTLP/JSON (see json-common.ts for the rules), written straight from
 * the span objects into one buffer.
 */
import type { ReadableSpan, SpanEvent, SpanLink, SpanStatus } from '../../../trace/types';
import { groupByResourceAndScope, isZeroTime, type ResourceLike, type ScopeLike } from './common';
import {
  acquireJsonWriter,
  finishJsonBuffer,
  finishJsonString,
  type JsonWriter,
  writeJsonAttributes,
  writeJsonCount,
  writeJsonResource,
  writeJsonArray,
  writeJsonScope,
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

/** Writes the ExportTraceServiceRequest for `spans` (`{}` when there are none). */
export function writeJsonTraceRequest(j: JsonWriter, spans: readonly ReadableSpan[]): void {
  j.ascii('{');
  let first = true;
  for (const [resource, byScope] of groupByResourceAndScope(spans)) {
    j.ascii(first ? '"resourceSpans":[{"resource":' : ',{"resource":');
    first = false;
    writeJsonResource(j, resource as ResourceLike);
    j.ascii(',"scopeSpans":[');
    for (const [scope, list] of byScope) {
      j.comma();
      j.ascii('{"scope":');
      writeJsonScope(j, scope as ScopeLike);
      j.ascii(',"spans":[');
      for (let i = 0; i < list.length; i++) {
        if (i > 0) j.ascii(',');
        writeJsonSpan(j, list[i]!);
      }
      j.ascii(']');
      if (scope.schemaUrl) {
        j.ascii(',"schemaUrl":');
        j.str(scope.schemaUrl);
      }
      j.ascii('}');
    }
    j.ascii(']');
    if (resource.schemaUrl) {
      j.ascii(',"schemaUrl":');
      j.str(resource.schemaUrl);
    }
    j.ascii('}');
  }
  j.ascii(first ? '}' : ']}');
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
