import type { Diag } from '../../diag';
import type { ReadableSpan } from '../../trace/types';
import { encodeTraceRequest, encodeTraceRequestJsonBuffer } from './encode';
import { OtlpExporter } from './exporter';
import { GrpcTransport } from './grpc-transport';
import { HttpTransport } from './http-transport';
import type { OtlpOptions } from './options';

/** The OTLP span exporter for the configured protocol. */
export function createOtlpSpanExporter(
  options: OtlpOptions,
  diag: Diag,
  suppressed: <R>(fn: () => R) => R,
): OtlpExporter<ReadableSpan> {
  const json = options.protocol === 'http/json';
  return new OtlpExporter<ReadableSpan>({
    options,
    transport:
      options.protocol === 'grpc'
        ? new GrpcTransport(options, 'traces')
        : new HttpTransport(options, json ? 'application/json' : 'application/x-protobuf'),
    encode: json ? encodeTraceRequestJsonBuffer : encodeTraceRequest,
    noun: 'span',
    diag,
    suppressed,
  });
}
