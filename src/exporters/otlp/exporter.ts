import type { Diag } from '../../diag';
import { redactUrl } from '../../diag/redact';
import { describe } from '../../instrumentation/registry';
import type { Exporter } from '../../processing/types';
import type { ExportResult } from '../../trace/types';
import { decodePartialSuccess, decodePartialSuccessJson, decodeRpcStatus, decodeRpcStatusJson } from './encode';
import type { ExitRequest } from './exit-handoff';
import { GRPC_PATHS } from './grpc-transport';
import type { SendResult, Transport } from './http-transport';
import type { OtlpOptions } from './options';

export interface OtlpExporterOptions<T> {
  readonly options: OtlpOptions;
  readonly transport: Transport;
  readonly encode: (items: readonly T[]) => Uint8Array;
  /**
   * The protobuf encoding over several turns: a generator that pauses between slices of a batch
   * and returns the body. Used by export(); `encode` stays for the exit hand-off.
   */
  readonly encodeSliced?: (items: readonly T[]) => Iterator<void, Uint8Array>;
  /** "span", "log record", "metric data point": for diagnostics. */
  readonly noun: string;
  readonly diag: Diag;
  /** Runs `fn` with tracing suppressed, so that the exporter's own requests are never traced. */
  readonly suppressed: <R>(fn: () => R) => R;
  /** Backoff before retry n (1-based), ms; exposed for tests. */
  readonly backoffMs?: (attempt: number) => number;
}

/** Exponential backoff with full jitter: 1 s, 1.5 s, 2.25 s … capped at 5 s, each scaled by a random 0.5–1. */
export function defaultBackoff(attempt: number): number {
  const base = Math.min(5000, 1000 * 1.5 ** (attempt - 1));
  return base * (0.5 + Math.random() / 2);
}

/** The least wait before a retry a collector asked for with a delay of 0. */
export const MIN_RETRY_DELAY_MS = 100;

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * The OTLP exporter for one signal over HTTP: encodes a batch, sends it, retries the statuses and
 * network errors the specification calls transient with exponential backoff and jitter (a
 * Retry-After wins), all within the export timeout; reports failures and partial success once per
 * streak, never per batch, and never with header values. While shutting down it does not retry
 * connection failures: a collector that is gone must not delay the program's exit.
 */
export class OtlpExporter<T> implements Exporter<T> {
  private failures = 0;
  private lost = 0;
  private partial = false;
  private shuttingDown = false;
  private readonly json: boolean;
  private readonly where: string;

  constructor(private readonly o: OtlpExporterOptions<T>) {
    this.json = o.options.protocol === 'http/json';
    this.where = redactUrl(o.options.url);
  }

  /**
   * Encodes and sends from the event loop's next turn: the batch processor calls this inside the
   * onEnd that filled a batch, which is the program's span.end() or log call on its request path,
   * and encoding a whole batch does not belong there. With a sliced encoder, a big batch is encoded
   * a slice per turn, so that requests arriving meanwhile wait for a slice (~0.1 ms), not for the
   * whole batch (~1 ms for 512 spans): the difference shows in a server's p99 latency.
   */
  export(items: readonly T[], done: (result: ExportResult) => void): void {
    const sliced = this.json ? undefined : this.o.encodeSliced;
    let steps: Iterator<void, Uint8Array> | undefined;
    const step = () => {
      let body: Uint8Array;
      try {
        if (sliced) {
          steps ??= sliced(items);
          const next = steps.next();
          if (!next.done) {
            setImmediate(step);
            return;
          }
          body = next.value;
        } else {
          body = this.o.encode(items);
        }
      } catch (e) {
        this.o.diag.once(`encode-${this.o.noun}`, 'warn', `could not encode ${this.o.noun}s: ${describe(e)}`);
        done({ code: 1, error: e instanceof Error ? e : new Error(String(e)) });
        return;
      }
      this.sendWithRetry(body, items.length).then(done, (e: unknown) => done({ code: 1, error: e instanceof Error ? e : new Error(String(e)) }));
    };
    setImmediate(step);
  }

  /** For the exit hand-off: the request that `export` would send for these items. */
  exitRequest(items: readonly T[]): ExitRequest {
    const o = this.o.options;
    const tls = {
      ...(o.certificate ? { ca: o.certificate } : {}),
      ...(o.clientKey ? { key: o.clientKey } : {}),
      ...(o.clientCertificate ? { cert: o.clientCertificate } : {}),
    };
    return {
      protocol: o.protocol,
      url: o.url,
      ...(o.protocol === 'grpc' ? { grpcPath: GRPC_PATHS[o.signal] } : {}),
      headers: o.headers,
      contentType: this.json ? 'application/json' : 'application/x-protobuf',
      gzip: o.compression === 'gzip',
      body: this.o.encode(items),
      ...(Object.keys(tls).length ? { tls } : {}),
      count: items.length,
      noun: this.o.noun,
    };
  }

  /** Where this exporter sends, credentials removed: for diagnostics. */
  get destination(): string {
    return this.where;
  }

  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    this.o.transport.close();
    if (this.failures) {
      this.o.diag.warn(`${this.lost} ${this.o.noun}(s) could not be exported to ${this.where} in all`);
    }
  }

  /** From now on, fail fast instead of retrying (the process is exiting). */
  beginShutdown(): void {
    this.shuttingDown = true;
  }

  private async sendWithRetry(body: Uint8Array, count: number): Promise<ExportResult> {
    const deadline = Date.now() + this.o.options.timeoutMs;
    const backoff = this.o.backoffMs ?? defaultBackoff;
    for (let attempt = 1; ; attempt++) {
      const left = deadline - Date.now();
      let result: SendResult;
      try {
        result = await this.o.suppressed(() => this.o.transport.send(body, Math.max(1, left)));
      } catch (e) {
        // A transport that throws (Node refusing a configured header, say) is a failure like any
        // other: reported once per streak below, not lost in a rejected promise.
        result = { ok: false, retryable: false, error: e instanceof Error ? e : new Error(String(e)) };
      }
      if (result.ok) {
        this.succeeded(result);
        return { code: 0 };
      }
      const networkError = result.status === undefined;
      const retry = result.retryable && !(this.shuttingDown && networkError);
      // A Retry-After (or RetryInfo) of 0, or one already past, would retry in a tight loop until
      // the timeout: a collector saying "now" gets at least MIN_RETRY_DELAY_MS.
      const delay = result.retryAfterMs !== undefined ? Math.max(MIN_RETRY_DELAY_MS, result.retryAfterMs) : backoff(attempt);
      if (!retry || Date.now() + delay >= deadline) {
        const error = new Error(this.reason(result));
        this.failed(error, count);
        return { code: 1, error };
      }
      await sleep(delay);
    }
  }

  private reason(result: SendResult): string {
    if (result.error) return result.error.message;
    const status = result.body && result.body.length ? (this.json ? decodeRpcStatusJson(result.body) : decodeRpcStatus(result.body)) : undefined;
    return `HTTP ${result.status}${status?.message ? `: ${status.message}` : ''}`;
  }

  private succeeded(result: SendResult): void {
    if (this.failures) {
      this.o.diag.info(`exports of ${this.o.noun}s to ${this.where} succeed again (${this.failures} batch(es) failed)`);
      this.failures = 0;
      this.lost = 0;
    }
    const body = result.body;
    const partial = body && body.length ? (this.json ? decodePartialSuccessJson(body) : decodePartialSuccess(body)) : undefined;
    if (partial && (partial.rejected > 0 || partial.message)) {
      if (!this.partial) {
        this.partial = true;
        this.o.diag.warn(
          `the collector at ${this.where} accepted a batch only in part: ${partial.rejected} ${this.o.noun}(s) rejected` +
            `${partial.message ? `: ${partial.message}` : ''} (said once until a batch is accepted whole)`,
        );
      }
    } else {
      this.partial = false;
    }
  }

  private failed(error: Error, count: number): void {
    this.lost += count;
    if (this.failures++ === 0) {
      this.o.diag.warn(
        `cannot export ${this.o.noun}s to ${this.where}: ${error.message}; ${count} ${this.o.noun}(s) dropped ` +
          '(said once until exports succeed again)',
      );
    }
  }
}
