/**
 * The embedded OTLP receiver: a gRPC server and an HTTP server (each optional) sharing one store
 * of what arrived, with helpers to wait for data and to describe it.
 */
import * as http from 'node:http';
import type * as net from 'node:net';
import type * as grpc from '@grpc/grpc-js';
import { bindGrpc, closeGrpc, createGrpcServer } from './grpc';
import { createHttpServer } from './http';
import { flattenLogs, flattenMetrics, flattenTraces } from './normalize';
import type {
  Headers,
  OtlpLogsRequest,
  OtlpMetricsRequest,
  OtlpRequest,
  OtlpTracesRequest,
  Protocol,
  ReceivedLogRecord,
  ReceivedMetric,
  ReceivedRequest,
  ReceivedSpan,
  RejectedRequest,
  RequestMeta,
  Signal,
} from './types';

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
export const DEFAULT_WAIT_TIMEOUT_MS = 10_000;

export interface ReceiverOptions {
  /** Interface both servers listen on; default '127.0.0.1'. */
  host?: string;
  /** gRPC port; default 0 (any free port); `false` starts no gRPC server. */
  grpcPort?: number | false;
  /** HTTP port; default 0 (any free port); `false` starts no HTTP server. */
  httpPort?: number | false;
  /**
   * Largest request accepted, in bytes, before and after decompression; default 32 MiB. Larger
   * ones get HTTP 413 or gRPC RESOURCE_EXHAUSTED.
   */
  maxBodyBytes?: number;
  /**
   * Called for each accepted request, after it is stored and before it is answered. A promise is
   * awaited; a failure (throw or rejection) answers the request with HTTP 500 or gRPC INTERNAL
   * (the request stays stored).
   */
  onData?: (signal: Signal, data: OtlpRequest, meta: RequestMeta) => void | Promise<void>;
}

export interface WaitForOptions {
  /** Default 10 000 ms. */
  timeoutMs?: number;
  /** What is awaited, for the timeout message. */
  description?: string;
}

type Truthy<T> = Exclude<T, false | null | undefined | 0 | '' | 0n>;

export interface Receiver {
  readonly host: string;
  /** undefined when the gRPC server was not started. */
  readonly grpcPort: number | undefined;
  /** undefined when the HTTP server was not started. */
  readonly httpPort: number | undefined;
  /**
   * Base URLs for exporters: gRPC `http://host:port` (OTEL_EXPORTER_OTLP_ENDPOINT with protocol
   * grpc), HTTP `http://host:port` (the exporters append /v1/<signal>).
   */
  readonly endpoints: { readonly grpc: string | undefined; readonly http: string | undefined };
  /** Accepted requests in arrival order, decoded (a copy of the list). */
  readonly requests: readonly ReceivedRequest[];
  /** Requests answered with an error, in arrival order (a copy of the list). */
  readonly rejected: readonly RejectedRequest[];
  /** Every span received so far, in arrival order. */
  spans(): ReceivedSpan[];
  /** Every metric received so far (one entry per metric of each request), in arrival order. */
  metrics(): ReceivedMetric[];
  /** Every log record received so far, in arrival order. */
  logRecords(): ReceivedLogRecord[];
  /**
   * Resolves with the predicate's value as soon as it is truthy: it is evaluated now and after
   * each arriving request. A predicate that throws counts as not yet satisfied. Rejects after
   * `timeoutMs` (or when the receiver is closed) with a message describing what was received.
   */
  waitFor<T>(predicate: (receiver: Receiver) => T, options?: WaitForOptions): Promise<Truthy<T>>;
  /** A short human-readable account of what was received and rejected so far. */
  summary(): string;
  /** Forgets everything received and rejected so far. */
  clear(): void;
  /**
   * Closes both servers at once, open connections included; pending waitFor calls reject. Never
   * hangs: resolves within a few seconds whatever the clients do. Idempotent.
   */
  close(): Promise<void>;
}

interface Waiter {
  check(): void;
  abort(reason: string): void;
}

class OtlpReceiver implements Receiver {
  grpcPort: number | undefined;
  httpPort: number | undefined;
  grpcServer: grpc.Server | undefined;
  httpServer: http.Server | undefined;
  private readonly received: ReceivedRequest[] = [];
  private readonly rejections: RejectedRequest[] = [];
  private readonly spanList: ReceivedSpan[] = [];
  private readonly metricList: ReceivedMetric[] = [];
  private readonly logList: ReceivedLogRecord[] = [];
  private readonly waiters = new Set<Waiter>();
  private closing: Promise<void> | undefined;

  constructor(
    readonly host: string,
    private readonly onData: ReceiverOptions['onData'],
  ) {}

  get endpoints() {
    const h = urlHost(this.host);
    return {
      grpc: this.grpcPort === undefined ? undefined : `http://${h}:${this.grpcPort}`,
      http: this.httpPort === undefined ? undefined : `http://${h}:${this.httpPort}`,
    };
  }

  get requests(): readonly ReceivedRequest[] {
    return this.received.slice();
  }

  get rejected(): readonly RejectedRequest[] {
    return this.rejections.slice();
  }

  spans(): ReceivedSpan[] {
    return this.spanList.slice();
  }

  metrics(): ReceivedMetric[] {
    return this.metricList.slice();
  }

  logRecords(): ReceivedLogRecord[] {
    return this.logList.slice();
  }

  /** Stores a decoded request, wakes the waiters, then runs onData. */
  readonly accept = async (signal: Signal, protocol: Protocol, headers: Headers, data: OtlpRequest): Promise<void> => {
    const receivedAt = Date.now();
    switch (signal) {
      case 'traces':
        this.received.push({ signal, protocol, headers, data: data as OtlpTracesRequest, receivedAt });
        append(this.spanList, flattenTraces(data as OtlpTracesRequest, protocol));
        break;
      case 'metrics':
        this.received.push({ signal, protocol, headers, data: data as OtlpMetricsRequest, receivedAt });
        append(this.metricList, flattenMetrics(data as OtlpMetricsRequest, protocol));
        break;
      case 'logs':
        this.received.push({ signal, protocol, headers, data: data as OtlpLogsRequest, receivedAt });
        append(this.logList, flattenLogs(data as OtlpLogsRequest, protocol));
        break;
    }
    this.notify();
    if (this.onData) await this.onData(signal, data, { protocol, headers });
  };

  readonly reject = (rejected: RejectedRequest): void => {
    this.rejections.push(rejected);
    this.notify();
  };

  private notify(): void {
    for (const w of [...this.waiters]) w.check();
  }

  waitFor<T>(predicate: (receiver: Receiver) => T, options: WaitForOptions = {}): Promise<Truthy<T>> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
    const what = options.description ? ` for ${options.description}` : '';
    return new Promise<Truthy<T>>((resolve, reject) => {
      let lastError: unknown;
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        check: () => {
          let value: T;
          try {
            value = predicate(this);
          } catch (e) {
            lastError = e;
            return;
          }
          if (value) {
            finish();
            resolve(value as Truthy<T>);
          }
        },
        abort: (reason) => {
          finish();
          reject(new Error(`waitFor${what}: ${reason}. ${this.summary()}${describeLastError(lastError)}`));
        },
      };
      const finish = () => {
        if (timer) clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
      waiter.check();
      if (!this.waiters.has(waiter)) return;
      if (this.closing) return waiter.abort('the receiver is closed');
      timer = setTimeout(() => waiter.abort(`not satisfied within ${timeoutMs} ms`), timeoutMs);
    });
  }

  summary(): string {
    const count = (signal: Signal) => this.received.filter((r) => r.signal === signal).length;
    const parts = [
      `${plural(count('traces'), 'trace request')} with ${plural(this.spanList.length, 'span')}${names(
        this.spanList.map((s) => s.name),
      )}`,
      `${plural(count('metrics'), 'metrics request')} with ${plural(this.metricList.length, 'metric')}${names(
        this.metricList.map((m) => m.name),
      )}`,
      `${plural(count('logs'), 'logs request')} with ${plural(this.logList.length, 'log record')}${names(
        this.logList.map((l) => logLabel(l)),
      )}`,
    ];
    let text = `Received so far: ${parts.join('; ')}.`;
    if (this.rejections.length) {
      const shown = this.rejections.slice(-3).map((r) => `${r.target} → ${r.status}: ${truncate(r.message, 200)}`);
      text += ` Rejected ${plural(this.rejections.length, 'request')}${
        this.rejections.length > shown.length ? ', the last ones' : ''
      }: ${shown.join('; ')}.`;
    }
    return text;
  }

  clear(): void {
    this.received.length = 0;
    this.rejections.length = 0;
    this.spanList.length = 0;
    this.metricList.length = 0;
    this.logList.length = 0;
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    for (const w of [...this.waiters]) w.abort('the receiver was closed');
    const tasks: Promise<void>[] = [];
    if (this.grpcServer) tasks.push(closeGrpc(this.grpcServer));
    if (this.httpServer) tasks.push(closeHttp(this.httpServer));
    this.closing = Promise.all(tasks).then(() => undefined);
    return this.closing;
  }
}

/**
 * `target.push(...items)` without the spread, which passes every item as an argument: a request of
 * a few hundred KiB can hold 150 000 empty spans, more arguments than the stack takes (a
 * RangeError, which answered a valid request with 500).
 */
function append<T>(target: T[], items: readonly T[]): void {
  for (let i = 0; i < items.length; i++) target.push(items[i] as T);
}

function describeLastError(e: unknown): string {
  if (e === undefined) return '';
  return ` The predicate last threw: ${e instanceof Error ? e.message : String(e)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** ` [a, b, c, … and 4 more]` of the distinct names, or ''. */
function names(list: string[]): string {
  const distinct = [...new Set(list)];
  if (distinct.length === 0) return '';
  const shown = distinct.slice(0, 10).map((n) => JSON.stringify(truncate(n, 60)));
  return ` [${shown.join(', ')}${distinct.length > shown.length ? `, … and ${distinct.length - shown.length} more` : ''}]`;
}

function logLabel(l: ReceivedLogRecord): string {
  if (l.eventName) return l.eventName;
  if (typeof l.body === 'string') return l.body;
  return l.body === null ? '(no body)' : JSON.stringify(l.body) ?? String(l.body);
}

/** The host as it goes in a URL: wildcard addresses become loopback, IPv6 gets brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  if (host.includes(':') && !host.startsWith('[')) return `[${host}]`;
  return host;
}

function closeHttp(server: http.Server, graceMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeAllConnections();
  });
}

function listenHttp(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`cannot start the OTLP/HTTP receiver on ${host}:${port}: ${err.message}`));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function checkPort(name: string, port: number | false | undefined): number | false {
  if (port === undefined) return 0;
  if (port === false) return false;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`${name} must be a port number (0 for any free port) or false, got ${String(port)}`);
  }
  return port;
}

/** Starts the receiver; resolves once every requested server is listening. */
export async function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const host = options.host ?? '127.0.0.1';
  const grpcPort = checkPort('grpcPort', options.grpcPort);
  const httpPort = checkPort('httpPort', options.httpPort);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new TypeError(`maxBodyBytes must be a positive integer, got ${String(maxBodyBytes)}`);
  }
  const receiver = new OtlpReceiver(host, options.onData);
  const deps = { maxBodyBytes, accept: receiver.accept, reject: receiver.reject };
  try {
    if (grpcPort !== false) {
      receiver.grpcServer = createGrpcServer(deps);
      receiver.grpcPort = await bindGrpc(receiver.grpcServer, host, grpcPort);
    }
    if (httpPort !== false) {
      receiver.httpServer = createHttpServer(deps);
      receiver.httpPort = await listenHttp(receiver.httpServer, host, httpPort);
    }
  } catch (e) {
    await receiver.close();
    throw e;
  }
  return receiver;
}
