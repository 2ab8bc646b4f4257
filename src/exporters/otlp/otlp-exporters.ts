/**
 * The OTLP exporters of each signal for the configured protocol. This module (encoders,
 * protobufjs, transports) is loaded on the first export (lazy.ts): a file of its own in the
 * bundles, next to the preload.
 */
import type { Diag } from '../../diag';
import type { ReadableLogRecord } from '../../logs/types';
import type { ResourceMetrics } from '../../metrics/types';
import type { ReadableSpan } from '../../trace/types';
import {
  encodeLogsRequest,
  encodeLogsRequestJsonBuffer,
  encodeMetricsRequest,
  encodeMetricsRequestJsonBuffer,
  encodeTraceRequest,
  encodeTraceRequestJsonBuffer,
} from './encode';
import { OtlpExporter } from './exporter';
import { GrpcTransport } from './grpc-transport';
import { HttpTransport, type Transport } from './http-transport';
import type { OtlpOptions } from './options';

function transportFor(options: OtlpOptions): Transport {
  return options.protocol === 'grpc'
    ? new GrpcTransport(options, options.signal)
    : new HttpTransport(options, options.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf');
}

export function createOtlpSpanExporter(options: OtlpOptions, diag: Diag, suppressed: <R>(fn: () => R) => R): OtlpExporter<ReadableSpan> {
  return new OtlpExporter<ReadableSpan>({
    options,
    transport: transportFor(options),
    encode: options.protocol === 'http/json' ? encodeTraceRequestJsonBuffer : encodeTraceRequest,
    noun: 'span',
    diag,
    suppressed,
  });
}

export function createOtlpLogExporter(options: OtlpOptions, diag: Diag, suppressed: <R>(fn: () => R) => R): OtlpExporter<ReadableLogRecord> {
  return new OtlpExporter<ReadableLogRecord>({
    options,
    transport: transportFor(options),
    encode: options.protocol === 'http/json' ? encodeLogsRequestJsonBuffer : encodeLogsRequest,
    noun: 'log record',
    diag,
    suppressed,
  });
}

/** Metrics: each item is one collection, sent as one request. */
export function createOtlpMetricExporter(options: OtlpOptions, diag: Diag, suppressed: <R>(fn: () => R) => R): OtlpExporter<ResourceMetrics> {
  const encode = options.protocol === 'http/json' ? encodeMetricsRequestJsonBuffer : encodeMetricsRequest;
  return new OtlpExporter<ResourceMetrics>({
    options,
    transport: transportFor(options),
    encode: (items) => encode(items[0]!),
    noun: 'metric collection',
    diag,
    suppressed,
  });
}
