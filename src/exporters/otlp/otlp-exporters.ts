/**
 * The OTLP exporters of each signal for the configured protocol. This module (encoders and their
 * own protobuf writer, transports) is loaded on the first export (lazy.ts): a file of its own in
 * the bundles, next to the preload. node:http2 is loaded only by a gRPC exporter's first export.
 */
import type { Diag } from '../../diag';
import type { ReadableLogRecord } from '../../logs/types';
import type { ResourceMetrics } from '../../metrics/types';
import type { ReadableSpan } from '../../trace/types';
import {
  encodeLogsRequest,
  encodeLogsRequestJsonBuffer,
  encodeLogsRequestSliced,
  encodeMetricsRequest,
  encodeMetricsRequestJsonBuffer,
  encodeTraceRequest,
  encodeTraceRequestJsonBuffer,
  encodeTraceRequestSliced,
} from './encode';
import { OtlpExporter } from './exporter';
import { GrpcTransport } from './grpc-transport';
import { HttpTransport } from './http-transport';
import type { OtlpOptions } from './options';

type Suppressed = <R>(fn: () => R) => R;

/** An exporter of one signal: the transport of the protocol, and the encoder of its body. */
function otlpExporter<T>(
  options: OtlpOptions,
  diag: Diag,
  suppressed: Suppressed,
  noun: string,
  encode: {
    readonly protobuf: (items: readonly T[]) => Uint8Array;
    readonly json: (items: readonly T[]) => Uint8Array;
    /** The protobuf encoding a slice per turn of the event loop, for batches of many items. */
    readonly sliced?: (items: readonly T[]) => Iterator<void, Uint8Array>;
  },
): OtlpExporter<T> {
  const json = options.protocol === 'http/json';
  return new OtlpExporter<T>({
    options,
    transport:
      options.protocol === 'grpc'
        ? new GrpcTransport(options, options.signal)
        : new HttpTransport(options, json ? 'application/json' : 'application/x-protobuf'),
    encode: json ? encode.json : encode.protobuf,
    ...(encode.sliced && !json ? { encodeSliced: encode.sliced } : {}),
    noun,
    diag,
    suppressed,
  });
}

export function createOtlpSpanExporter(options: OtlpOptions, diag: Diag, suppressed: Suppressed): OtlpExporter<ReadableSpan> {
  return otlpExporter(options, diag, suppressed, 'span', {
    protobuf: encodeTraceRequest,
    json: encodeTraceRequestJsonBuffer,
    sliced: (spans) => encodeTraceRequestSliced(spans),
  });
}

export function createOtlpLogExporter(options: OtlpOptions, diag: Diag, suppressed: Suppressed): OtlpExporter<ReadableLogRecord> {
  return otlpExporter(options, diag, suppressed, 'log record', {
    protobuf: encodeLogsRequest,
    json: encodeLogsRequestJsonBuffer,
    sliced: (records) => encodeLogsRequestSliced(records),
  });
}

/** Metrics: each item is one collection, sent as one request. */
export function createOtlpMetricExporter(options: OtlpOptions, diag: Diag, suppressed: Suppressed): OtlpExporter<ResourceMetrics> {
  return otlpExporter<ResourceMetrics>(options, diag, suppressed, 'metric collection', {
    protobuf: (items) => encodeMetricsRequest(items[0]!),
    json: (items) => encodeMetricsRequestJsonBuffer(items[0]!),
  });
}
