/**
 * ExportLogsServiceRequest in binary protobuf, written straight from the record objects
 * (opentelemetry-proto collector/logs/v1/logs_service.proto and logs/v1/logs.proto). Default
 * values are omitted as proto3 does.
 */
import type { ReadableLogRecord } from '../../../logs/types';
import {
  encodeGroupedRequest,
  encodeGroupedRequestSliced,
  isZeroTime,
  type ResourceLike,
  type ScopeLike,
  tag,
  writeAnyValue,
  writeGroupedRequest,
  writeAttributes,
  writeHexId,
  writeHrTime,
  writeString,
} from './common';
import type { Writer } from './writer';

// ScopeLogs.log_records (the request around it: writeGroupedRequest)
const T_SL_LOG_RECORDS = tag(2, 2);

// LogRecord
const T_TIME = tag(1, 1);
const T_SEVERITY_NUMBER = tag(2, 0);
const T_SEVERITY_TEXT = tag(3, 2);
const T_BODY = tag(5, 2);
const T_ATTRIBUTES = tag(6, 2);
const T_DROPPED_ATTRIBUTES = tag(7, 0);
const T_FLAGS = tag(8, 5);
const T_TRACE_ID = tag(9, 2);
const T_SPAN_ID = tag(10, 2);
const T_OBSERVED_TIME = tag(11, 1);
const T_EVENT_NAME = tag(12, 2);

/** Writes one LogRecord message as ScopeLogs.log_records (field 2). */
export function writeLogRecord(w: Writer, record: ReadableLogRecord): void {
  w.uint32(T_SL_LOG_RECORDS).fork();
  if (record.timestamp && !isZeroTime(record.timestamp)) writeHrTime(w, T_TIME, record.timestamp);
  if (record.severityNumber) w.uint32(T_SEVERITY_NUMBER).uint32(record.severityNumber);
  if (record.severityText) {
    w.uint32(T_SEVERITY_TEXT);
    writeString(w, record.severityText);
  }
  if (record.body !== undefined && record.body !== null) {
    w.uint32(T_BODY).fork();
    writeAnyValue(w, record.body);
    w.ldelim();
  }
  writeAttributes(w, T_ATTRIBUTES, record.attributes);
  if (record.droppedAttributesCount) w.uint32(T_DROPPED_ATTRIBUTES).uint32(record.droppedAttributesCount);
  const sc = record.spanContext;
  if (sc) {
    if (sc.traceFlags & 0xff) w.uint32(T_FLAGS).fixed32(sc.traceFlags & 0xff);
    writeHexId(w, T_TRACE_ID, sc.traceId);
    writeHexId(w, T_SPAN_ID, sc.spanId);
  }
  if (!isZeroTime(record.observedTimestamp)) writeHrTime(w, T_OBSERVED_TIME, record.observedTimestamp);
  if (record.eventName) {
    w.uint32(T_EVENT_NAME);
    writeString(w, record.eventName);
  }
  w.ldelim();
}

/** Writes the ExportLogsServiceRequest for `records` into `w`. */
export function writeLogsRequest(w: Writer, records: readonly ReadableLogRecord[]): void {
  writeGroupedRequest(w, records as readonly (ReadableLogRecord & { resource: ResourceLike; instrumentationScope: ScopeLike })[], writeLogRecord);
}

/** The binary protobuf ExportLogsServiceRequest (the body of OTLP/HTTP and OTLP/gRPC). */
export function encodeLogsRequest(records: readonly ReadableLogRecord[]): Uint8Array {
  return encodeGroupedRequest(records as readonly (ReadableLogRecord & { resource: ResourceLike; instrumentationScope: ScopeLike })[], writeLogRecord);
}

/** encodeLogsRequest a slice of records at a time: resume it until it returns the body. */
export function encodeLogsRequestSliced(records: readonly ReadableLogRecord[], slice?: number): Generator<void, Uint8Array> {
  return encodeGroupedRequestSliced(records as readonly (ReadableLogRecord & { resource: ResourceLike; instrumentationScope: ScopeLike })[], writeLogRecord, slice);
}
