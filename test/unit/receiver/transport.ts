/** Clients for the receiver tests: plain HTTP, grpc-js, and raw HTTP/2 gRPC frames. */
import * as grpc from '@grpc/grpc-js';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as zlib from 'node:zlib';
import * as protobuf from 'protobufjs/minimal';
import type { Signal } from '../../../src/receiver';

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface PostOptions {
  method?: string;
  agent?: http.Agent;
  path?: string;
}

/** Sends one request and reads the whole answer. */
export function post(
  base: string,
  path: string,
  body: Buffer | string,
  headers: Record<string, string>,
  options: PostOptions = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    const req = http.request(
      url,
      {
        method: options.method ?? 'POST',
        headers: { 'Content-Length': String(payload.length), ...headers },
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export const PROTOBUF = { 'Content-Type': 'application/x-protobuf' };
export const JSON_TYPE = { 'Content-Type': 'application/json' };

export const gzip = (b: Buffer | string): Buffer => zlib.gzipSync(typeof b === 'string' ? Buffer.from(b) : b);

/**
 * google.rpc.Status decoded by hand here (not with the receiver's own decoder): int32 code = 1,
 * string message = 2.
 */
export function decodeStatus(bytes: Buffer): { code: number; message: string } {
  const r = protobuf.Reader.create(bytes);
  const out = { code: 0, message: '' };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 8) out.code = r.int32();
    else if (tag === 18) out.message = r.string();
    else r.skipType(tag & 7);
  }
  return out;
}

export const GRPC_PATHS: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

export interface GrpcReply {
  error: grpc.ServiceError | null;
  response: Buffer | undefined;
}

export interface GrpcOptions {
  /** Arrays add the key once per value; Buffers go to -bin keys. */
  metadata?: Record<string, string | string[] | Buffer>;
  /** grpc-js channel option grpc.default_compression_algorithm = gzip. */
  gzip?: boolean;
  path?: string;
  /** Reuse a client (the caller closes it). */
  client?: grpc.Client;
}

/** One unary call with grpc-js's generic client and raw Buffer (de)serializers. */
export function grpcExport(endpoint: string, signal: Signal, message: Buffer, options: GrpcOptions = {}): Promise<GrpcReply> {
  const address = endpoint.replace(/^http:\/\//, '');
  const client =
    options.client ??
    new grpc.Client(address, grpc.credentials.createInsecure(), options.gzip ? { 'grpc.default_compression_algorithm': 2 } : {});
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(options.metadata ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) metadata.add(k, one);
  }
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      options.path ?? GRPC_PATHS[signal],
      (b: Buffer) => b,
      (b: Buffer) => b,
      message,
      metadata,
      { deadline: Date.now() + 10_000 },
      (error, response) => {
        if (!options.client) client.close();
        resolve({ error: error ?? null, response });
      },
    );
  });
}

export interface RawGrpcReply {
  grpcStatus: number;
  grpcMessage: string;
  /** The length-prefixed response messages, flags included. */
  body: Buffer;
}

/**
 * A unary gRPC call written frame by frame over HTTP/2, so that the message's compression is
 * certain: with `gzip`, the message is gzip-compressed, flagged as such, and `grpc-encoding: gzip`
 * is sent.
 */
export function grpcRaw(
  port: number,
  path: string,
  message: Buffer,
  options: { gzip?: boolean; /** send `message` flagged as gzip-compressed as it is */ fakeGzip?: boolean } = {},
): Promise<RawGrpcReply> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const compressed = options.gzip || options.fakeGzip;
    const payload = options.gzip ? zlib.gzipSync(message) : message;
    const frame = Buffer.alloc(5 + payload.length);
    frame[0] = compressed ? 1 : 0;
    frame.writeUInt32BE(payload.length, 1);
    payload.copy(frame, 5);
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
    };
    if (compressed) headers['grpc-encoding'] = 'gzip';
    const stream = session.request(headers);
    let status: string | undefined;
    let grpcMessage = '';
    const take = (h: http2.IncomingHttpHeaders) => {
      if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
      if (h['grpc-message'] !== undefined) grpcMessage = decodeURIComponent(String(h['grpc-message']));
    };
    stream.on('response', take);
    stream.on('trailers', take);
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('end', () => {
      session.close();
      resolve({ grpcStatus: Number(status), grpcMessage, body: Buffer.concat(chunks) });
    });
    stream.end(frame);
  });
}
