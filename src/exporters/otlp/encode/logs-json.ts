/**
 * ExportLogsServiceRequest in OTLP/JSON (see json-common.ts for the rules), written straight from
 * the record objects into one buffer.
 */
import type { ReadableLogRecord } from '../../../logs/types';
import { groupByResourceAndScope, isZeroTime, type ResourceLike, type ScopeLike } from './common';
import {
  acquireJsonWriter,
  finishJsonBuffer,
  finishJsonString,
  type JsonWriter,
  writeJsonAnyValue,
  writeJsonAttributes,
  writeJsonCount,
  writeJsonResource,
  writeJsonScope,
} from './json-common';

/** Writes one LogRecord object. */
export function writeJsonLogRecord(j: JsonWriter, record: ReadableLogRecord): void {
  j.ascii('{');
  if (record.timestamp && !isZeroTime(record.timestamp)) {
    j.member('"timeUnixNano":');
    j.hrTime(record.timestamp);
  }
  if (!isZeroTime(record.observedTimestamp)) {
    j.member('"observedTimeUnixNano":');
    j.hrTime(record.observedTimestamp);
  }
  writeJsonCount(j, '"severityNumber":', record.severityNumber);
  if (record.severityText) {
    j.member('"severityText":');
    j.str(record.severityText);
  }
  if (record.body !== undefined && record.body !== null) {
    j.member('"body":');
    writeJsonAnyValue(j, record.body);
  }
  writeJsonAttributes(j, '"attributes":', record.attributes);
  writeJsonCount(j, '"droppedAttributesCount":', record.droppedAttributesCount);
  const sc = record.spanContext;
  if (sc) {
    writeJsonCount(j, '"flags":', sc.traceFlags & 0xff);
    j.member('"traceId":');
    j.hexId(sc.traceId);
    j.ascii(',"spanId":');
    j.hexId(sc.spanId);
  }
  if (record.eventName) {
    j.member('"eventName":');
    j.str(record.eventName);
  }
  j.ascii('}');
}

/** Writes the ExportLogsServiceRequest for `records` (`{}` when there are none). */
export function writeJsonLogsRequest(j: JsonWriter, records: readonly ReadableLogRecord[]): void {
  j.ascii('{');
  let first = true;
  for (const [resource, byScope] of groupByResourceAndScope(records)) {
    j.ascii(first ? '"resourceLogs":[{"resource":' : ',{"resource":');
    first = false;
    writeJsonResource(j, resource as ResourceLike);
    j.ascii(',"scopeLogs":[');
    for (const [scope, list] of byScope) {
      j.comma();
      j.ascii('{"scope":');
      writeJsonScope(j, scope as ScopeLike);
      j.ascii(',"logRecords":[');
      for (let i = 0; i < list.length; i++) {
        if (i > 0) j.ascii(',');
        writeJsonLogRecord(j, list[i]!);
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

/** The OTLP/JSON ExportLogsServiceRequest as UTF-8 bytes (the body of an OTLP/HTTP JSON request). */
export function encodeLogsRequestJsonBuffer(records: readonly ReadableLogRecord[]): Buffer {
  const j = acquireJsonWriter();
  writeJsonLogsRequest(j, records);
  return finishJsonBuffer(j);
}

/** The OTLP/JSON ExportLogsServiceRequest as a string. */
export function encodeLogsRequestJson(records: readonly ReadableLogRecord[]): string {
  const j = acquireJsonWriter();
  writeJsonLogsRequest(j, records);
  return finishJsonString(j);
}
