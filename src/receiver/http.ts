/**
 * OTLP/HTTP: POST /v1/traces, /v1/metrics, /v1/logs with an application/x-protobuf or
 * application/json body, optionally gzip-compressed.
 *
 * Answers: 200 with an empty Export*ServiceResponse in the request's encoding; otherwise a
 * google.rpc.Status in the request's encoding (JSON when the encoding is unknown): 400 malformed
 * payload, 404 unknown path, 405 other method than POST, 413 body (or its decompressed form)
 * larger than maxBodyBytes, 415 unsupported content type or encoding, 500 when the onData
 * callback failed.
 */
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import { DecodeError } from './common';
import { decodeJsonRequest } from './json';
import { decodeProtobufRequest, EMPTY_EXPORT_RESPONSE, encodeRpcStatus } from './protobuf';
import type { Headers, OtlpRequest, Protocol, RejectedRequest, Signal } from './types';

export interface HttpServerOptions {
  maxBodyBytes: number;
  /** Stores a decoded request; a rejection becomes a 500. */
  accept(signal: Signal, protocol: Protocol, headers: Headers, data: OtlpRequest): Promise<void>;
  /** Records a request answered with an error. */
  reject(rejected: RejectedRequest): void;
}

const PATHS: Readonly<Record<string, Signal>> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' };

export const REQUEST_NAMES: Readonly<Record<Signal, string>> = {
  traces: 'ExportTraceServiceRequest',
  metrics: 'ExportMetricsServiceRequest',
  logs: 'ExportLogsServiceRequest',
};

/** google.rpc.Code values used in error bodies. */
const RPC_CODE: Readonly<Record<number, number>> = {
  400: 3, // INVALID_ARGUMENT
  404: 5, // NOT_FOUND
  405: 12, // UNIMPLEMENTED
  413: 8, // RESOURCE_EXHAUSTED
  415: 3, // INVALID_ARGUMENT
  500: 13, // INTERNAL
};

/** Bodies beyond the limit are read and discarded up to this much, so that the client sees the 413. */
const MAX_DISCARD_BYTES = 64 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Lower-case names; repeated headers joined with ', '. */
function headersOf(req: http.IncomingMessage): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** The protocol named by a Content-Type, `undefined` when absent or unsupported. */
function protocolOf(contentType: string | undefined): Protocol | undefined {
  if (contentType === undefined) return undefined;
  const [type, ...params] = contentType.split(';');
  const t = type!.trim().toLowerCase();
  if (t === 'application/x-protobuf') return 'http/protobuf';
  if (t === 'application/json') {
    for (const p of params) {
      const [name, value] = p.split('=');
      if (name?.trim().toLowerCase() === 'charset') {
        const cs = value?.trim().replace(/^"|"$/g, '').toLowerCase();
        if (cs !== 'utf-8' && cs !== 'utf8') return undefined;
      }
    }
    return 'http/json';
  }
  return undefined;
}

export function createHttpServer(options: HttpServerOptions): http.Server {
  const { maxBodyBytes } = options;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const path = target.split('?', 1)[0]!;
    const signal = PATHS[path];
    const headers = headersOf(req);
    const contentType = req.headers['content-type'];
    const protocol = protocolOf(contentType);

    const fail = (status: number, message: string, extraHeaders: Record<string, string> = {}) => {
      options.reject({
        transport: 'http',
        signal,
        protocol,
        target: `${req.method} ${target}`,
        headers,
        status,
        message,
        receivedAt: Date.now(),
      });
      const code = RPC_CODE[status] ?? 2;
      if (protocol === 'http/protobuf') {
        send(res, status, 'application/x-protobuf', encodeRpcStatus(code, message), extraHeaders);
      } else {
        send(res, status, 'application/json', Buffer.from(JSON.stringify({ code, message })), extraHeaders);
      }
    };

    try {
      if (signal === undefined) {
        await discardBody(req);
        return fail(404, `no OTLP endpoint at ${path}: use POST /v1/traces, /v1/metrics or /v1/logs`);
      }
      if (req.method !== 'POST') {
        await discardBody(req);
        return fail(405, `method ${req.method} is not allowed on ${path}: use POST`, { Allow: 'POST' });
      }
      if (protocol === undefined) {
        await discardBody(req);
        return fail(
          415,
          contentType === undefined
            ? 'missing Content-Type: use application/x-protobuf or application/json'
            : `unsupported Content-Type ${JSON.stringify(contentType)}: use application/x-protobuf or application/json`,
        );
      }
      const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
      if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== '') {
        await discardBody(req);
        return fail(415, `unsupported Content-Encoding ${JSON.stringify(encoding)}: use gzip or none`);
      }

      let body = await readBody(req, maxBodyBytes);
      if (encoding === 'gzip') body = await gunzip(body, maxBodyBytes);

      let data: OtlpRequest;
      try {
        data = protocol === 'http/json' ? decodeJsonRequest(signal, body) : decodeProtobufRequest(signal, body);
      } catch (e) {
        const why = e instanceof DecodeError ? e.message : `decoder failure: ${e instanceof Error ? e.message : String(e)}`;
        throw new HttpError(400, `invalid ${protocol === 'http/json' ? 'OTLP/JSON' : 'OTLP/protobuf'} ${REQUEST_NAMES[signal]}: ${why}`);
      }
      try {
        await options.accept(signal, protocol, headers, data);
      } catch (e) {
        throw new HttpError(500, `the receiver's onData callback failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (protocol === 'http/json') send(res, 200, 'application/json', Buffer.from('{}'));
      else send(res, 200, 'application/x-protobuf', EMPTY_EXPORT_RESPONSE);
    } catch (e) {
      if (res.headersSent || res.destroyed) return;
      if (e instanceof HttpError) {
        fail(e.status, e.message, e.status === 413 && !req.complete ? { Connection: 'close' } : {});
      } else if (!req.destroyed) {
        fail(500, `internal error: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  const server = http.createServer((req, res) => {
    res.on('error', () => {});
    req.on('error', () => {});
    handle(req, res).catch(() => res.destroy());
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

function send(
  res: http.ServerResponse,
  status: number,
  contentType: string,
  body: Buffer,
  extraHeaders: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': String(body.length), ...extraHeaders });
  res.end(body);
}

/**
 * The request body, at most `limit` bytes; beyond that, the rest is read and discarded (up to
 * MAX_DISCARD_BYTES, so that the client reads the answer instead of a reset) and a 413 raised.
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const tooLarge = (size: string) =>
      new HttpError(413, `request body of ${size} is larger than the receiver's limit of ${limit} bytes`);
    if (Number.isFinite(declared) && declared > limit) {
      if (declared - limit > MAX_DISCARD_BYTES) return reject(tooLarge(`${declared} bytes`));
      discardBody(req).then(() => reject(tooLarge(`${declared} bytes`)), reject);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (over) {
        if (size - limit > MAX_DISCARD_BYTES) {
          req.pause();
          reject(tooLarge(`more than ${limit + MAX_DISCARD_BYTES} bytes`));
        }
        return;
      }
      if (size > limit) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (over ? reject(tooLarge(`${size} bytes`)) : resolve(Buffer.concat(chunks, size))));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}

/** Reads and drops what remains of the body (up to MAX_DISCARD_BYTES), so the connection stays usable. */
function discardBody(req: http.IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.complete) return resolve();
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DISCARD_BYTES) {
        req.pause();
        resolve();
      }
    });
    req.on('end', () => resolve());
    req.on('close', () => resolve());
    req.on('error', () => resolve());
  });
}

function gunzip(body: Buffer, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zlib.gunzip(body, { maxOutputLength: Math.max(1, limit) }, (err, out) => {
      if (!err) return resolve(out);
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        reject(new HttpError(413, `gzip body decompresses to more than the receiver's limit of ${limit} bytes`));
      } else {
        reject(new HttpError(400, `invalid gzip body: ${err.message}`));
      }
    });
  });
}
