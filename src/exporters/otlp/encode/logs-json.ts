/**
 * ExportLogsServiceRequest in OTLP/JSON (see json-common.ts for the rules), written straight from
 * the record objects into one buffer.
 */
import type { ReadableLogRecord } from '../../../logs/types';
import { isZeroTime, type ResourceLike, type ScopeLike } from './common';
import {
  acquireJsonWriter,
  finishJsonBuffer,
  finishJsonString,
  type JsonWriter,
  writeJsonAnyValue,
  writeJsonAttributes,
  writeJsonCount,
  writeJsonGroupedRequest,
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

/** Writes the request for `records` (`{}` when there are none). */
export function writeJsonLogsRequest(j: JsonWriter, records: readonly ReadableLogRecord[]): void {
  writeJsonGroupedRequest(
    j,
    records as readonly (ReadableLogRecord & { resource: ResourceLike; instrumentationScope: ScopeLike })[],
    { groups: 'resourceLogs', scopes: 'scopeLogs', items: 'logRecords' },
    writeJsonLogRecord,
  );
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
