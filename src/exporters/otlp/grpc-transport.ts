import { readFileSync } from 'node:fs';
import type { Client, Metadata, ServiceError } from '@grpc/grpc-js';
import { VERSION } from '../../version';
import { decodeRpcStatus } from './encode';
import type { SendResult, Transport } from './http-transport';
import type { OtlpOptions, OtlpSignal } from './options';

export const GRPC_PATHS: Record<OtlpSignal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

/** The gRPC status codes the OTLP specification calls transient. RESOURCE_EXHAUSTED only with RetryInfo. */
const RETRYABLE = new Set([1, 4, 10, 11, 14, 15]);
const RESOURCE_EXHAUSTED = 8;

/**
 * OTLP over gRPC with @grpc/grpc-js, loaded on the first send and only when this protocol is
 * chosen. Messages are the encoder's bytes, passed through as they are. The endpoint's scheme
 * decides TLS: http:// is plaintext, https:// uses TLS with the configured certificates.
 */
export class GrpcTransport implements Transport {
  private client: Client | undefined;
  private grpc: typeof import('@grpc/grpc-js') | undefined;
  private readonly path: string;

  constructor(
    private readonly options: OtlpOptions,
    signal: OtlpSignal,
  ) {
    this.path = GRPC_PATHS[signal];
  }

  private setup(): Client {
    if (this.client) return this.client;
    const grpc = (this.grpc = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js'));
    const url = new URL(this.options.url);
    // The scheme decides, as the specification says: OTEL_EXPORTER_OTLP_INSECURE applies only to
    // an endpoint without one (which the configuration never lets through). It must not turn an
    // https:// endpoint into plaintext; the exit hand-off uses TLS for https:// too.
    const secure = url.protocol === 'https:';
    const credentials = secure
      ? grpc.credentials.createSsl(
          this.options.certificate ? readFileSync(this.options.certificate) : null,
          this.options.clientKey ? readFileSync(this.options.clientKey) : null,
          this.options.clientCertificate ? readFileSync(this.options.clientCertificate) : null,
        )
      : grpc.credentials.createInsecure();
    const port = url.port || (secure ? '443' : '80');
    const channelOptions: Record<string, string | number> = {
      'grpc.primary_user_agent': `ts-otel-run/${VERSION}`,
    };
    if (this.options.compression === 'gzip') channelOptions['grpc.default_compression_algorithm'] = 2;
    this.client = new grpc.Client(`${url.hostname}:${port}`, credentials, channelOptions);
    return this.client;
  }

  send(body: Uint8Array, timeoutMs: number): Promise<SendResult> {
    let client: Client;
    try {
      client = this.setup();
    } catch (e) {
      return Promise.resolve({ ok: false, retryable: false, error: e instanceof Error ? e : new Error(String(e)) });
    }
    const grpc = this.grpc!;
    const metadata: Metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(this.options.headers)) {
      try {
        metadata.set(k.toLowerCase(), v);
      } catch {
        // grpc-js refuses some keys and values (a "-bin" key with a text value, a newline), and
        // its message would quote the value: a credential, often. Name the key only.
        return Promise.resolve({ ok: false, retryable: false, error: new Error(`header '${k}' cannot be sent as gRPC metadata`) });
      }
    }
    return new Promise((resolve) => {
      // grpc-js throws at once on a closed channel ("Channel has been shut down"): an export after
      // close() is a plain failure, not a rejected promise.
      try {
        client.makeUnaryRequest(
          this.path,
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.from(body.buffer, body.byteOffset, body.byteLength),
          metadata,
          { deadline: Date.now() + timeoutMs },
          (error: ServiceError | null, response?: Buffer) => {
            if (!error) {
              resolve({ ok: true, retryable: false, status: 0, ...(response ? { body: response } : {}) });
              return;
            }
            const details = error.metadata?.get('grpc-status-details-bin')?.[0];
            const rpc = details instanceof Buffer ? decodeRpcStatus(details) : undefined;
            const retryable = RETRYABLE.has(error.code) || (error.code === RESOURCE_EXHAUSTED && rpc?.retryDelayMs !== undefined);
            resolve({
              ok: false,
              retryable,
              // UNAVAILABLE is what a connection that cannot be made gives: treated as a network error
              // (no status), which is retried, except while shutting down.
              ...(error.code === 14 ? {} : { status: error.code }),
              ...(rpc?.retryDelayMs !== undefined ? { retryAfterMs: rpc.retryDelayMs } : {}),
              error: new Error(`gRPC ${grpc.status[error.code] ?? error.code}: ${error.details || error.message}`),
            });
          },
        );
      } catch (e) {
        resolve({ ok: false, retryable: false, error: e instanceof Error ? e : new Error(String(e)) });
      }
    });
  }

  close(): void {
    this.client?.close();
  }
}
