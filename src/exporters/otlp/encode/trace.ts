/**
 * ExportTraceServiceRequest in binary protobuf, written straight from the span objects into one
 * Writer (opentelemetry-proto collector/trace/v1/trace_service.proto and trace/v1/trace.proto).
 * Default values are omitted as proto3 does (empty strings, zero counts, UNSET status without a
 * message, zero flags and times).
 */
import type { ReadableSpan, SpanEvent, SpanLink, SpanStatus } from '../../../trace/types';
import {
  encodeGroupedRequest,
  encodeGroupedRequestSliced,
  isZeroTime,
  type ResourceLike,
  type ScopeLike,
  tag,
  writeAttributes,
  writeGroupedRequest,
  writeHexId,
  writeHrTime,
  writeString,
} from './common';
import type { Writer } from './writer';

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;
/** Span.flags bit 8: whether the parent's (or a link's) remoteness is known. */
export const SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK = HAS_IS_REMOTE;
/** Span.flags bit 9: the parent (or the linked span) is remote. */
export const SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK = IS_REMOTE;

/**
 * The OTLP flags: W3C trace flags in the low 8 bits; bits 8 and 9 when `isRemote` is known (a
 * boolean), none of them when it is undefined.
 */
export function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  const flags = traceFlags & 0xff;
  if (isRemote === undefined) return flags;
  return isRemote ? flags | HAS_IS_REMOTE | IS_REMOTE : flags | HAS_IS_REMOTE;
}

// ScopeSpans.spans (the request around it: writeGroupedRequest)
const T_SS_SPANS = tag(2, 2);

// Span
const T_TRACE_ID = tag(1, 2);
const T_SPAN_ID = tag(2, 2);
const T_TRACE_STATE = tag(3, 2);
const T_PARENT_SPAN_ID = tag(4, 2);
const T_NAME = tag(5, 2);
const T_KIND = tag(6, 0);
const T_START = tag(7, 1);
const T_END = tag(8, 1);
const T_ATTRIBUTES = tag(9, 2);
const T_DROPPED_ATTRIBUTES = tag(10, 0);
const T_EVENTS = tag(11, 2);
const T_DROPPED_EVENTS = tag(12, 0);
const T_LINKS = tag(13, 2);
const T_DROPPED_LINKS = tag(14, 0);
const T_STATUS = tag(15, 2);
const T_FLAGS = tag(16, 5);

// Span.Event
const T_EVENT_TIME = tag(1, 1);
const T_EVENT_NAME = tag(2, 2);
const T_EVENT_ATTRIBUTES = tag(3, 2);
const T_EVENT_DROPPED = tag(4, 0);

// Span.Link
const T_LINK_TRACE_ID = tag(1, 2);
const T_LINK_SPAN_ID = tag(2, 2);
const T_LINK_TRACE_STATE = tag(3, 2);
const T_LINK_ATTRIBUTES = tag(4, 2);
const T_LINK_DROPPED = tag(5, 0);
const T_LINK_FLAGS = tag(6, 5);

// Status
const T_STATUS_MESSAGE = tag(2, 2);
const T_STATUS_CODE = tag(3, 0);

function writeEvent(w: Writer, event: SpanEvent): void {
  w.uint32(T_EVENTS).fork();
  if (!isZeroTime(event.time)) writeHrTime(w, T_EVENT_TIME, event.time);
  if (event.name) {
    w.uint32(T_EVENT_NAME);
    writeString(w, event.name);
  }
  writeAttributes(w, T_EVENT_ATTRIBUTES, event.attributes);
  if (event.droppedAttributesCount) w.uint32(T_EVENT_DROPPED).uint32(event.droppedAttributesCount);
  w.ldelim();
}

function writeLink(w: Writer, link: SpanLink): void {
  const ctx = link.context;
  w.uint32(T_LINKS).fork();
  writeHexId(w, T_LINK_TRACE_ID, ctx.traceId);
  writeHexId(w, T_LINK_SPAN_ID, ctx.spanId);
  const traceState = ctx.traceState?.serialize();
  if (traceState) {
    w.uint32(T_LINK_TRACE_STATE);
    writeString(w, traceState);
  }
  writeAttributes(w, T_LINK_ATTRIBUTES, link.attributes);
  if (link.droppedAttributesCount) w.uint32(T_LINK_DROPPED).uint32(link.droppedAttributesCount);
  const flags = spanFlags(ctx.traceFlags, ctx.isRemote);
  if (flags !== 0) w.uint32(T_LINK_FLAGS).fixed32(flags);
  w.ldelim();
}

function writeStatus(w: Writer, status: SpanStatus): void {
  const code = status.code;
  const message = status.message;
  if (!code && !message) return;
  w.uint32(T_STATUS).fork();
  if (message) {
    w.uint32(T_STATUS_MESSAGE);
    writeString(w, message);
  }
  if (code) w.uint32(T_STATUS_CODE).uint32(code);
  w.ldelim();
}

/** Writes one Span message as ScopeSpans.spans (field 2). */
export function writeSpan(w: Writer, span: ReadableSpan): void {
  const ctx = span.spanContext();
  w.uint32(T_SS_SPANS).fork();
  writeHexId(w, T_TRACE_ID, ctx.traceId);
  writeHexId(w, T_SPAN_ID, ctx.spanId);
  const traceState = ctx.traceState?.serialize();
  if (traceState) {
    w.uint32(T_TRACE_STATE);
    writeString(w, traceState);
  }
  const parent = span.parentSpanId;
  if (parent) writeHexId(w, T_PARENT_SPAN_ID, parent);
  if (span.name) {
    w.uint32(T_NAME);
    writeString(w, span.name);
  }
  // OTLP's SpanKind is the API's + 1 (0 is SPAN_KIND_UNSPECIFIED)
  const kind = span.kind;
  if (kind !== undefined && kind !== null) w.uint32(T_KIND).uint32(kind + 1);
  if (!isZeroTime(span.startTime)) writeHrTime(w, T_START, span.startTime);
  if (!isZeroTime(span.endTime)) writeHrTime(w, T_END, span.endTime);
  writeAttributes(w, T_ATTRIBUTES, span.attributes);
  if (span.droppedAttributesCount) w.uint32(T_DROPPED_ATTRIBUTES).uint32(span.droppedAttributesCount);
  const events = span.events;
  for (let i = 0; i < events.length; i++) writeEvent(w, events[i]!);
  if (span.droppedEventsCount) w.uint32(T_DROPPED_EVENTS).uint32(span.droppedEventsCount);
  const links = span.links;
  for (let i = 0; i < links.length; i++) writeLink(w, links[i]!);
  if (span.droppedLinksCount) w.uint32(T_DROPPED_LINKS).uint32(span.droppedLinksCount);
  writeStatus(w, span.status);
  const flags = spanFlags(ctx.traceFlags, span.parentIsRemote);
  if (flags !== 0) w.uint32(T_FLAGS).fixed32(flags);
  w.ldelim();
}

/** Writes the ExportTraceServiceRequest for `spans` into `w`. */
export function writeTraceRequest(w: Writer, spans: readonly ReadableSpan[]): void {
  writeGroupedRequest(w, spans as readonly (ReadableSpan & { resource: ResourceLike; instrumentationScope: ScopeLike })[], writeSpan);
}

/** The binary protobuf ExportTraceServiceRequest (the body of OTLP/HTTP and OTLP/gRPC). */
export function encodeTraceRequest(spans: readonly ReadableSpan[]): Uint8Array {
  return encodeGroupedRequest(spans as readonly (ReadableSpan & { resource: ResourceLike; instrumentationScope: ScopeLike })[], writeSpan);
}

/** encodeTraceRequest a slice of spans at a time: resume it until it returns the body. */
export function encodeTraceRequestSliced(spans: readonly ReadableSpan[], slice?: number): Generator<void, Uint8Array> {
  return encodeGroupedRequestSliced(spans as readonly (ReadableSpan & { resource: ResourceLike; instrumentationScope: ScopeLike })[], writeSpan, slice);
}
