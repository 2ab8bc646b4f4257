import { readFileSync } from 'node:fs';
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, IncomingHttpStatusHeader, SecureClientSessionOptions } from 'node:http2';
import { isIP } from 'node:net';
import { VERSION } from '../../version';
import { decodeRpcStatus } from './encode';
import { isCertificateError, type SendResult, type Transport } from './http-transport';
import type { OtlpOptions, OtlpSignal } from './options';

export const GRPC_PATHS: Record<OtlpSignal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

/** The gRPC status codes the OTLP specification calls transient. RESOURCE_EXHAUSTED only with RetryInfo. */
const RETRYABLE = new Set([1, 4, 10, 11, 14, 15]);
const DEADLINE_EXCEEDED = 4;
const RESOURCE_EXHAUSTED = 8;
const UNAVAILABLE = 14;

const STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

/** The gRPC code of an HTTP status, for an answer without grpc-status (a proxy's), as gRPC's HTTP mapping says. */
function codeOfHttpStatus(status: number): number {
  if (status === 400) return 13; // INTERNAL
  if (status === 401) return 16; // UNAUTHENTICATED
  if (status === 403) return 7; // PERMISSION_DENIED
  if (status === 404) return 12; // UNIMPLEMENTED
  if (status === 429 || status === 502 || status === 503 || status === 504) return UNAVAILABLE;
  return 2; // UNKNOWN
}

/** Metadata keys gRPC allows in text form; "-bin" keys need binary values, which settings cannot give. */
const METADATA_KEY = /^[0-9a-z_.-]+$/;
/** Printable ASCII, as gRPC requires of text metadata values. */
const METADATA_VALUE = /^[\x20-\x7e]*$/;

const failure = (message: string): SendResult => ({ ok: false, retryable: false, error: new Error(message) });

/**
 * OTLP over gRPC: unary calls on Node's own HTTP/2 client, loaded on the first send and only when
 * this protocol is chosen. Messages are the encoder's bytes in gRPC's length-prefixed framing. The
 * endpoint's scheme decides TLS: http:// is plaintext, https:// uses TLS with the configured
 * certificates.
 *
 * Not @grpc/grpc-js: its channel keeps the event loop alive while a call waits for a connection or
 * an answer, so a program whose collector was gone ended only after every pending batch had timed
 * out, one export timeout each, far past the shutdown deadline. Here, as in the HTTP transport, the
 * session is unref'd (at shutdown the flush holds the process, within its deadline), and a lost
 * connection is made again on the next send, not after a reconnect backoff of its own.
 */
export class GrpcTransport implements Transport {
  private session: ClientHttp2Session | undefined;
  private http2: typeof import('node:http2') | undefined;
  private closed = false;
  private connectOptions: SecureClientSessionOptions | undefined;
  private readonly path: string;
  private readonly url: URL;
  private readonly origin: string;

  constructor(
    private readonly options: OtlpOptions,
    signal: OtlpSignal,
  ) {
    this.path = GRPC_PATHS[signal];
    this.url = new URL(options.url);
    this.origin = `${this.url.protocol === 'https:' ? 'https' : 'http'}://${this.url.host}`;
  }

  /**
   * The session's TLS options, read once (a collector that comes and goes makes a connection at
   * every return). The scheme decides, as the specification says: OTEL_EXPORTER_OTLP_INSECURE
   * applies only to an endpoint without one (which the configuration never lets through). It must
   * not turn an https:// endpoint into plaintext; the exit hand-off uses TLS for https:// too.
   */
  private tlsOptions(): SecureClientSessionOptions {
    if (this.url.protocol !== 'https:') return {};
    const o = this.options;
    const host = this.url.hostname.replace(/^\[|\]$/g, '');
    return {
      ...(o.certificate ? { ca: readFileSync(o.certificate) } : {}),
      ...(o.clientKey ? { key: readFileSync(o.clientKey) } : {}),
      ...(o.clientCertificate ? { cert: readFileSync(o.clientCertificate) } : {}),
      // SNI takes host names only (Node warns about an IP address given as one).
      ...(isIP(host) ? {} : { servername: host }),
    };
  }

  private connect(): ClientHttp2Session {
    const current = this.session;
    if (current && !current.closed && !current.destroyed) return current;
    const http2 = (this.http2 ??= require('node:http2') as typeof import('node:http2'));
    const session = http2.connect(this.origin, (this.connectOptions ??= this.tlsOptions()));
    // A session's error also fails its streams, which report it; unhandled here, it would throw.
    session.on('error', () => undefined);
    session.on('close', () => {
      if (this.session === session) this.session = undefined;
    });
    session.unref();
    this.session = session;
    return session;
  }

  async send(body: Uint8Array, timeoutMs: number): Promise<SendResult> {
    if (this.closed) return failure('gRPC channel has been shut down');
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.options.headers)) {
      const key = k.toLowerCase();
      // Named, never quoted: a header's value is a credential, often.
      if (!METADATA_KEY.test(key) || key.endsWith('-bin') || !METADATA_VALUE.test(v)) {
        return failure(`header '${k}' cannot be sent as gRPC metadata`);
      }
      metadata[key] = v;
    }
    let payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const gzip = this.options.compression === 'gzip';
    if (gzip) {
      const zlib = require('node:zlib') as typeof import('node:zlib');
      payload = await new Promise<Buffer>((resolve, reject) => zlib.gzip(payload, (e, out) => (e ? reject(e) : resolve(out))));
    }
    // The length-prefixed message: a compressed flag, the length (big-endian), the bytes.
    const frame = Buffer.allocUnsafe(5 + payload.length);
    frame[0] = gzip ? 1 : 0;
    frame.writeUInt32BE(payload.length, 1);
    payload.copy(frame, 5);

    let session: ClientHttp2Session;
    let stream: ClientHttp2Stream;
    try {
      session = this.connect();
      stream = session.request({
        ':method': 'POST',
        ':path': this.path,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': `${Math.min(99_999_999, Math.max(1, Math.ceil(timeoutMs)))}m`,
        'grpc-accept-encoding': 'identity',
        ...(gzip ? { 'grpc-encoding': 'gzip' } : {}),
        'user-agent': `ts-otel-run/${VERSION}`,
        ...metadata,
      });
    } catch (e) {
      return { ok: false, retryable: true, error: new Error(`gRPC UNAVAILABLE: ${e instanceof Error ? e.message : String(e)}`) };
    }
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const settle = (r: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => {
        settle(this.failed(DEADLINE_EXCEEDED, `no answer within ${timeoutMs} ms`));
        stream.close(this.http2!.constants.NGHTTP2_CANCEL);
      }, timeoutMs);
      timer.unref();

      let httpStatus: number | undefined;
      let grpcStatus: string | undefined;
      let grpcMessage: string | undefined;
      let details: string | undefined;
      const chunks: Buffer[] = [];
      const read = (h: IncomingHttpHeaders & IncomingHttpStatusHeader) => {
        if (h[':status'] !== undefined) httpStatus = Number(h[':status']);
        if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
        if (h['grpc-message'] !== undefined) grpcMessage = String(h['grpc-message']);
        if (h['grpc-status-details-bin'] !== undefined) details = String(h['grpc-status-details-bin']);
      };
      stream.on('response', read);
      stream.on('trailers', read);
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (e: Error & { cause?: unknown }) => {
        // A connection that cannot be made (or was lost) fails the stream: UNAVAILABLE, a network
        // error (no status), retried except while shutting down; a certificate the client does not
        // trust will not be trusted on the next try either.
        const cause = e.cause instanceof Error ? e.cause : e;
        settle({ ok: false, retryable: !isCertificateError(cause), error: new Error(`gRPC UNAVAILABLE: ${cause.message}`) });
      });
      stream.on('close', () => {
        if (settled) return;
        if (grpcStatus === undefined) {
          if (httpStatus !== undefined && httpStatus !== 200) {
            settle(this.failed(codeOfHttpStatus(httpStatus), `HTTP ${httpStatus} without a gRPC status`));
          } else {
            settle({ ok: false, retryable: true, error: new Error('gRPC UNAVAILABLE: the connection closed before an answer') });
          }
          return;
        }
        const code = Number(grpcStatus);
        if (code === 0) {
          const data = Buffer.concat(chunks);
          // One length-prefixed message (uncompressed: only identity was accepted).
          const len = data.length >= 5 ? data.readUInt32BE(1) : 0;
          settle({ ok: true, retryable: false, status: 0, ...(len > 0 ? { body: data.subarray(5, 5 + len) } : {}) });
          return;
        }
        const rpc = details !== undefined ? decodeRpcStatus(Buffer.from(details, 'base64')) : undefined;
        settle(this.failed(code, decodeMessage(grpcMessage) || `status ${code}`, rpc?.retryDelayMs));
      });
      stream.end(frame);
    });
  }

  /** A call that ended with a gRPC status other than OK. */
  private failed(code: number, message: string, retryDelayMs?: number): SendResult {
    const retryable = RETRYABLE.has(code) || (code === RESOURCE_EXHAUSTED && retryDelayMs !== undefined);
    return {
      ok: false,
      retryable,
      // UNAVAILABLE is also what a connection that cannot be made gives: treated as a network
      // error (no status), which is retried, except while shutting down.
      ...(code === UNAVAILABLE ? {} : { status: code }),
      ...(retryDelayMs !== undefined ? { retryAfterMs: retryDelayMs } : {}),
      error: new Error(`gRPC ${STATUS_NAMES[code] ?? code}: ${message}`),
    };
  }

  close(): void {
    this.closed = true;
    this.session?.close();
    this.session = undefined;
  }
}

/** grpc-message is percent-encoded. */
function decodeMessage(message: string | undefined): string {
  if (message === undefined) return '';
  try {
    return decodeURIComponent(message);
  } catch {
    return message;
  }
}
