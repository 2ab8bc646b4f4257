import { readFileSync } from 'node:fs';
import type { Agent, ClientRequest, IncomingMessage } from 'node:http';
import { VERSION } from '../../version';
import type { OtlpOptions } from './options';

export interface SendResult {
  readonly ok: boolean;
  /** Worth another try: a retryable status, or a network error. */
  readonly retryable: boolean;
  readonly status?: number;
  /** From a Retry-After header. */
  readonly retryAfterMs?: number;
  readonly body?: Buffer;
  readonly error?: Error;
}

export interface Transport {
  send(body: Uint8Array, timeoutMs: number): Promise<SendResult>;
  close(): void;
}

/** The HTTP statuses the OTLP specification says to retry. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/** Retry-After: delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP-date form starts with a day name. Date.parse alone is lenient: it reads "1.5" or
  // "-5" as dates in 2001, which would mean "retry now".
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The server's certificate failed verification (Node's codes from OpenSSL, and the host name check). */
export function isCertificateError(e: Error): boolean {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /CERT|UNABLE_TO_(GET|VERIFY)/.test(code);
}

/**
 * OTLP over HTTP (protobuf or JSON). Node's http and https modules are loaded on the first send,
 * never at start-up. Sockets are unref'd: an export in flight never keeps a program alive (at
 * shutdown the flush holds the process, within its deadline). The caller runs `send` with tracing
 * suppressed, so the instrumentation never traces these requests.
 */
export class HttpTransport implements Transport {
  private agent: Agent | undefined;
  private request: ((url: URL, options: object, cb: (res: IncomingMessage) => void) => ClientRequest) | undefined;
  private readonly url: URL;

  constructor(
    private readonly options: OtlpOptions,
    private readonly contentType: string,
  ) {
    this.url = new URL(options.url);
  }

  private setup(): void {
    if (this.request) return;
    const https = this.url.protocol === 'https:';
    const mod = (https ? require('node:https') : require('node:http')) as typeof import('node:https');
    const tls: Record<string, Buffer> = {};
    if (https) {
      if (this.options.certificate) tls.ca = readFileSync(this.options.certificate);
      if (this.options.clientKey) tls.key = readFileSync(this.options.clientKey);
      if (this.options.clientCertificate) tls.cert = readFileSync(this.options.clientCertificate);
    }
    this.agent = new mod.Agent({ keepAlive: true, maxSockets: 4, ...tls });
    this.request = mod.request as unknown as typeof this.request;
  }

  async send(body: Uint8Array, timeoutMs: number): Promise<SendResult> {
    try {
      this.setup();
    } catch (e) {
      return { ok: false, retryable: false, error: e instanceof Error ? e : new Error(String(e)) };
    }
    let payload: Uint8Array = body;
    const headers: Record<string, string | number> = {
      ...this.options.headers,
      'Content-Type': this.contentType,
      'User-Agent': `ts-otel-run/${VERSION}`,
    };
    if (this.options.compression === 'gzip') {
      const { gzip } = require('node:zlib') as typeof import('node:zlib');
      payload = await new Promise<Buffer>((resolve, reject) => gzip(body, (e, out) => (e ? reject(e) : resolve(out))));
      headers['Content-Encoding'] = 'gzip';
    }
    headers['Content-Length'] = payload.byteLength;

    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const settle = (r: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      let req: ClientRequest;
      try {
        req = this.request!(this.url, { method: 'POST', headers, agent: this.agent }, onResponse);
      } catch (e) {
        // Node refuses a header name or value (a configured header with a newline, say): not
        // worth a retry. Its message names the header, never the value.
        resolve({ ok: false, retryable: false, error: e instanceof Error ? e : new Error(String(e)) });
        return;
      }
      function onResponse(res: IncomingMessage): void {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => settle({ ok: false, retryable: true, error: e }));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const retryAfter = parseRetryAfter(res.headers['retry-after'] as string | undefined);
          settle({
            ok: status >= 200 && status < 300,
            retryable: RETRYABLE_STATUS.has(status),
            status,
            body: Buffer.concat(chunks),
            ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
          });
        });
      }
      const timer = setTimeout(() => {
        req.destroy(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      req.on('socket', (socket) => socket.unref());
      // A certificate the client does not trust will not be trusted on the next try either: not
      // retried, so the warning names it (retries used to end in "no answer within 1 ms" instead).
      req.on('error', (e) => settle({ ok: false, retryable: !isCertificateError(e), error: e }));
      req.end(payload);
    });
  }

  close(): void {
    this.agent?.destroy();
  }
}
