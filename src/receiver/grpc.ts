/**
 * OTLP/gRPC: the three collector services' unary Export methods, registered with a hand-made
 * service definition whose (de)serializers pass raw Buffers through; the messages are decoded by
 * protobuf.ts. grpc-js itself decompresses `grpc-encoding: gzip` (and deflate) messages and
 * answers RESOURCE_EXHAUSTED for messages, compressed or not, larger than
 * `grpc.max_receive_message_length`; unknown services and methods get UNIMPLEMENTED.
 */
import * as grpc from '@grpc/grpc-js';
import { DecodeError } from './common';
import { REQUEST_NAMES } from './http';
import { decodeProtobufRequest, EMPTY_EXPORT_RESPONSE } from './protobuf';
import type { Headers, OtlpRequest, Protocol, RejectedRequest, Signal } from './types';

export const GRPC_SERVICES: Readonly<Record<Signal, string>> = {
  traces: 'opentelemetry.proto.collector.trace.v1.TraceService',
  metrics: 'opentelemetry.proto.collector.metrics.v1.MetricsService',
  logs: 'opentelemetry.proto.collector.logs.v1.LogsService',
};

export interface GrpcServerOptions {
  maxBodyBytes: number;
  accept(signal: Signal, protocol: Protocol, headers: Headers, data: OtlpRequest): Promise<void>;
  reject(rejected: RejectedRequest): void;
}

const raw = (b: Buffer): Buffer => b;

/** The service definition of one signal's collector service, (de)serializing raw Buffers. */
export function serviceDefinition(signal: Signal): grpc.ServiceDefinition {
  return {
    Export: {
      path: `/${GRPC_SERVICES[signal]}/Export`,
      requestStream: false,
      responseStream: false,
      requestSerialize: raw,
      requestDeserialize: raw,
      responseSerialize: raw,
      responseDeserialize: raw,
      originalName: 'export',
    },
  };
}

/** The call's metadata: binary (-bin) values in base64, repeated keys joined with ', '. */
function headersOf(metadata: grpc.Metadata): Headers {
  const out: Headers = {};
  for (const [k, values] of Object.entries(metadata.toJSON())) {
    out[k] = values.map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : String(v))).join(', ');
  }
  return out;
}

export function createGrpcServer(options: GrpcServerOptions): grpc.Server {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxBodyBytes,
  });
  for (const signal of ['traces', 'metrics', 'logs'] as const) {
    const path = `/${GRPC_SERVICES[signal]}/Export`;
    const Export = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const headers = headersOf(call.metadata);
      const fail = (code: grpc.status, message: string) => {
        options.reject({
          transport: 'grpc',
          signal,
          protocol: 'grpc',
          target: path,
          headers,
          status: code,
          message,
          receivedAt: Date.now(),
        });
        callback({ code, details: message });
      };
      let data: OtlpRequest;
      try {
        data = decodeProtobufRequest(signal, call.request);
      } catch (e) {
        const why = e instanceof DecodeError ? e.message : `decoder failure: ${e instanceof Error ? e.message : String(e)}`;
        return fail(grpc.status.INVALID_ARGUMENT, `invalid ${REQUEST_NAMES[signal]}: ${why}`);
      }
      options.accept(signal, 'grpc', headers, data).then(
        () => callback(null, EMPTY_EXPORT_RESPONSE),
        (e: unknown) =>
          fail(grpc.status.INTERNAL, `the receiver's onData callback failed: ${e instanceof Error ? e.message : String(e)}`),
      )
        .catch(() => {
          // The call went away meanwhile: nobody to answer.
        });
    };
    server.addService(serviceDefinition(signal), { Export });
  }
  return server;
}

/** Binds on host:port with insecure credentials; resolves with the port bound. */
export function bindGrpc(server: grpc.Server, host: string, port: number): Promise<number> {
  const address = host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, bound) => {
      if (err) reject(new Error(`cannot start the OTLP/gRPC receiver on ${address}: ${err.message}`));
      else resolve(bound);
    });
  });
}

/** Ends every call and connection at once; resolves when the listeners are closed (or after `graceMs`). */
export function closeGrpc(server: grpc.Server, graceMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, graceMs);
    timer.unref();
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
    server.forceShutdown();
  });
}
