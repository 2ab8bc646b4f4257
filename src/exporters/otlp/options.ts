import type { Config } from '../../config/settings';

export { redactUrl } from '../../diag/redact';

export type OtlpSignal = 'traces' | 'metrics' | 'logs';
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

export interface OtlpOptions {
  readonly signal: OtlpSignal;
  readonly protocol: OtlpProtocol;
  /** Where batches are sent: the full URL for HTTP, the server's URL for gRPC. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly compression: 'gzip' | 'none';
  readonly certificate?: string;
  readonly clientKey?: string;
  readonly clientCertificate?: string;
  readonly insecure: boolean;
}

const DEFAULT_HTTP = 'http://localhost:4318';
const DEFAULT_GRPC = 'http://localhost:4317';

/** `http://host:4318` + traces → `http://host:4318/v1/traces`; an existing base path is kept. */
export function appendSignalPath(base: string, signal: OtlpSignal): string {
  const u = new URL(base);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/v1/${signal}`;
  return u.toString();
}

/**
 * The exporter options for one signal, by the specification's rules: a per-signal variable wins
 * over the general one; the general endpoint gets `/v1/<signal>` appended for HTTP while a
 * per-signal endpoint is used as it is; gRPC uses the endpoint as it is; per-signal headers are
 * merged over the general ones.
 */
export function otlpOptions(config: Config, signal: OtlpSignal): OtlpOptions {
  const S = signal.toUpperCase() as 'TRACES' | 'METRICS' | 'LOGS';
  const perSignal = <F extends string>(field: F) =>
    (config as unknown as Record<string, unknown>)[`OTEL_EXPORTER_OTLP_${S}_${field}`];
  const protocol = (perSignal('PROTOCOL') ?? config.OTEL_EXPORTER_OTLP_PROTOCOL) as OtlpProtocol;
  const insecure = (perSignal('INSECURE') ?? config.OTEL_EXPORTER_OTLP_INSECURE) as boolean;
  // An endpoint given as host:port: plaintext or TLS by OTEL_EXPORTER_OTLP_INSECURE for gRPC (as
  // the specification says), plaintext for HTTP. An endpoint with a scheme is used as it says.
  const withScheme = (e: string | undefined) =>
    e === undefined || /^[a-z][a-z0-9+.-]*:\/\//i.test(e) ? e : `${protocol === 'grpc' && !insecure ? 'https' : 'http'}://${e}`;
  const signalEndpoint = withScheme(perSignal('ENDPOINT') as string | undefined);
  const general = withScheme(config.OTEL_EXPORTER_OTLP_ENDPOINT);
  let url: string;
  if (signalEndpoint) url = signalEndpoint;
  else if (protocol === 'grpc') url = general ?? DEFAULT_GRPC;
  else url = appendSignalPath(general ?? DEFAULT_HTTP, signal);

  const certificate = (perSignal('CERTIFICATE') ?? config.OTEL_EXPORTER_OTLP_CERTIFICATE) as string | undefined;
  const clientKey = (perSignal('CLIENT_KEY') ?? config.OTEL_EXPORTER_OTLP_CLIENT_KEY) as string | undefined;
  const clientCertificate = (perSignal('CLIENT_CERTIFICATE') ?? config.OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE) as
    | string
    | undefined;
  return {
    signal,
    protocol,
    url,
    headers: {
      ...config.OTEL_EXPORTER_OTLP_HEADERS,
      ...(perSignal('HEADERS') as Record<string, string> | undefined),
    },
    timeoutMs: (perSignal('TIMEOUT') ?? config.OTEL_EXPORTER_OTLP_TIMEOUT) as number,
    compression: (perSignal('COMPRESSION') ?? config.OTEL_EXPORTER_OTLP_COMPRESSION) as 'gzip' | 'none',
    insecure,
    ...(certificate ? { certificate } : {}),
    ...(clientKey ? { clientKey } : {}),
    ...(clientCertificate ? { clientCertificate } : {}),
  };
}
