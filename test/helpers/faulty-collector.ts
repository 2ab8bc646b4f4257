/**
 * A fault-injecting OTLP collector on loopback, for the reliability tests (test/e2e/faults.test.ts).
 *
 * It speaks OTLP/HTTP (protobuf and JSON) on one port and OTLP/gRPC on another, and can be switched
 * at runtime between the faults a real collector shows:
 *
 *   ok                  accepts; decodes with the project's receiver decoders and counts what came
 *   refuse              the ports are closed (nothing listens) and open connections are reset
 *   blackhole           accepts connections, reads, never answers
 *   slow                answers (as ok) after `ms`
 *   status              HTTP 429/503 (with or without Retry-After) or 400; over gRPC
 *                       RESOURCE_EXHAUSTED (+RetryInfo), UNAVAILABLE (+RetryInfo), INVALID_ARGUMENT
 *   partial             accepts, answers a partial success: `rejected` items and a message
 *   flap                down (as refuse) for `downMs`, then up (as ok); again and again with `upMs`
 *   close-mid-response  starts the answer, then destroys the connection
 *   tls-untrusted       TLS with the self-signed certificate given at start (see makeTestCertificate)
 *
 * Each port is a small TCP front that forwards to internal servers (plain or TLS), so that the
 * transport-level faults (refuse, blackhole, flap, TLS) are the same for HTTP and gRPC, and so that
 * what a client sends on a TLS port can be checked to be a TLS handshake and nothing in clear. A
 * mode change drops every open connection, as a collector restarting with a new behaviour would.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { Writer } from 'protobufjs/minimal';
import { decodeJsonRequest } from '../../src/receiver/json';
import { flattenLogs, flattenMetrics, flattenTraces } from '../../src/receiver/normalize';
import { decodeProtobufRequest, encodeRpcStatus } from '../../src/receiver/protobuf';
import { serviceDefinition } from '../../src/receiver/grpc';
import type { OtlpLogsRequest, OtlpMetricsRequest, OtlpTracesRequest, Protocol, ReceivedLogRecord, ReceivedSpan, Signal } from '../../src/receiver/types';

export type FaultMode =
  | { readonly kind: 'ok' }
  | { readonly kind: 'refuse' }
  | { readonly kind: 'blackhole' }
  | { readonly kind: 'slow'; readonly ms: number }
  | { readonly kind: 'status'; readonly status: 429 | 503 | 400; readonly retryAfterS?: number }
  | { readonly kind: 'partial'; readonly rejected: number; readonly message: string }
  | { readonly kind: 'flap'; readonly downMs: number; readonly upMs?: number }
  | { readonly kind: 'close-mid-response' }
  | { readonly kind: 'tls-untrusted' };

export type FaultKind = FaultMode['kind'];

/** One request that reached the collector's OTLP layer (refused and black-holed ones never do). */
export interface Attempt {
  readonly transport: 'http' | 'grpc';
  readonly signal: Signal;
  readonly mode: FaultKind;
  /** sha1 of the (decompressed) body: the same body twice is a retry. */
  readonly hash: string;
  readonly at: number;
}

export interface Counts {
  readonly spans: number;
  readonly logRecords: number;
  readonly dataPoints: number;
}

export interface TestCertificate {
  readonly dir: string;
  readonly keyPath: string;
  readonly certPath: string;
  readonly key: Buffer;
  readonly cert: Buffer;
  remove(): void;
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made with openssl; the reason as a string
 * when openssl is missing or fails (the TLS cases are then skipped with it).
 */
export function makeTestCertificate(): TestCertificate | string {
  const dir = mkdtempSync(join(tmpdir(), 'ts-otel-run-faults-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', keyPath, '-out', certPath, '-days', '2',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'pipe' },
    );
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return `openssl could not make a certificate (${(e as Error).message.split('\n')[0]})`;
  }
  return {
    dir,
    keyPath,
    certPath,
    key: readFileSync(keyPath),
    cert: readFileSync(certPath),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const HTTP_PATHS: Readonly<Record<string, Signal>> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' };
const JSON_REJECTED: Readonly<Record<Signal, string>> = { traces: 'rejectedSpans', logs: 'rejectedLogRecords', metrics: 'rejectedDataPoints' };

/** Export*ServiceResponse { partial_success = 1 { int64 rejected_* = 1; string error_message = 2 } }: the same numbers for all three. */
function partialSuccessProtobuf(rejected: number, message: string): Buffer {
  const inner = Writer.create().uint32(0x08).int64(rejected).uint32(0x12).string(message).finish();
  return Buffer.from(Writer.create().uint32(0x0a).bytes(inner).finish());
}

/** google.rpc.Status with a google.rpc.RetryInfo detail, as grpc-status-details-bin carries it. */
function statusWithRetryInfo(code: number, message: string, seconds: number): Buffer {
  const duration = Writer.create().uint32(0x08).int64(seconds).finish();
  const retryInfo = Writer.create().uint32(0x0a).bytes(duration).finish();
  const any = Writer.create().uint32(0x0a).string('type.googleapis.com/google.rpc.RetryInfo').uint32(0x12).bytes(retryInfo).finish();
  return Buffer.from(Writer.create().uint32(0x08).int32(code).uint32(0x12).string(message).uint32(0x1a).bytes(any).finish());
}

interface Front {
  readonly server: net.Server;
  port: number;
  listening: boolean;
}

export class FaultyCollector {
  private mode: FaultMode = { kind: 'ok' };
  private flapTimer: NodeJS.Timeout | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly spanList: ReceivedSpan[] = [];
  private readonly logList: ReceivedLogRecord[] = [];
  private points = 0;
  private readonly attemptList: Attempt[] = [];
  private connectionCount = 0;
  private upAt = 0;
  private cleartextOnTls = 0;
  private httpFront!: Front;
  private grpcFront!: Front;
  private httpPlain!: http.Server;
  private httpTls: https.Server | undefined;
  private grpcPlain!: grpc.Server;
  private grpcTls: grpc.Server | undefined;
  private ports = { httpPlain: 0, httpTls: 0, grpcPlain: 0, grpcTls: 0 };

  private constructor(private readonly tls: TestCertificate | undefined) {}

  /** Starts on 127.0.0.1 with free ports, in `ok` mode. `tls` is needed for `tls-untrusted`. */
  static async start(options: { tls?: TestCertificate } = {}): Promise<FaultyCollector> {
    const c = new FaultyCollector(options.tls);
    await c.listenBackends();
    c.httpFront = await c.makeFront('http');
    c.grpcFront = await c.makeFront('grpc');
    return c;
  }

  /** The endpoint to give OTEL_EXPORTER_OTLP_ENDPOINT for `protocol` (https:// for the TLS mode). */
  endpoint(protocol: 'http/protobuf' | 'http/json' | 'grpc', tls = false): string {
    const port = protocol === 'grpc' ? this.grpcFront.port : this.httpFront.port;
    return `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  }

  get currentMode(): FaultMode {
    return this.mode;
  }

  /** Switches to `mode`: open connections are dropped; resolves once the ports are open or closed as the mode says. */
  async setMode(mode: FaultMode): Promise<void> {
    if (this.flapTimer) clearTimeout(this.flapTimer);
    this.flapTimer = undefined;
    this.mode = mode;
    this.dropConnections();
    if (mode.kind === 'refuse') return this.setListening(false);
    if (mode.kind === 'flap') {
      await this.setListening(false);
      const { downMs, upMs } = mode;
      const up = () => {
        if (this.mode !== mode) return;
        void this.setListening(true).then(() => {
          if (this.mode !== mode || upMs === undefined) return;
          this.flapTimer = setTimeout(down, upMs);
        });
      };
      const down = () => {
        if (this.mode !== mode) return;
        this.dropConnections();
        void this.setListening(false).then(() => {
          if (this.mode === mode) this.flapTimer = setTimeout(up, downMs);
        });
      };
      this.flapTimer = setTimeout(up, downMs);
      return;
    }
    return this.setListening(true);
  }

  spans(): readonly ReceivedSpan[] {
    return this.spanList;
  }

  logRecords(): readonly ReceivedLogRecord[] {
    return this.logList;
  }

  counts(): Counts {
    return { spans: this.spanList.length, logRecords: this.logList.length, dataPoints: this.points };
  }

  /** Every request that reached the OTLP layer, in any mode. */
  attempts(filter: Partial<Pick<Attempt, 'mode' | 'signal' | 'transport'>> = {}): readonly Attempt[] {
    return this.attemptList.filter(
      (a) => (!filter.mode || a.mode === filter.mode) && (!filter.signal || a.signal === filter.signal) && (!filter.transport || a.transport === filter.transport),
    );
  }

  /** Attempts whose body had been sent before: retries. */
  retries(filter: Partial<Pick<Attempt, 'mode' | 'signal'>> = {}): number {
    const seen = new Set<string>();
    let n = 0;
    for (const a of this.attempts(filter)) {
      if (seen.has(a.hash)) n++;
      else seen.add(a.hash);
    }
    return n;
  }

  /** When the ports last opened (Date.now()): when a flap came back up, say. */
  get upSince(): number {
    return this.upAt;
  }

  /** Connections accepted on the fronts, in any mode. */
  get connections(): number {
    return this.connectionCount;
  }

  /** Connections in the TLS mode whose first bytes were not a TLS handshake record. */
  get cleartextOnTlsPort(): number {
    return this.cleartextOnTls;
  }

  /** Resolves with the predicate's first truthy value; rejects after `timeoutMs` with `what`. */
  waitFor<T>(predicate: (c: this) => T, what = 'a condition on the collector', timeoutMs = 10_000): Promise<NonNullable<T>> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const check = () => {
        let value: T;
        try {
          value = predicate(this);
        } catch (e) {
          reject(e);
          return;
        }
        if (value) return resolve(value as NonNullable<T>);
        if (Date.now() - started > timeoutMs) {
          const c = this.counts();
          return reject(
            new Error(`timed out after ${timeoutMs} ms waiting for ${what} (mode ${this.mode.kind}; spans ${c.spans}, log records ${c.logRecords}, points ${c.dataPoints}; attempts ${this.attemptList.length})`),
          );
        }
        setTimeout(check, 20);
      };
      check();
    });
  }

  async close(): Promise<void> {
    if (this.flapTimer) clearTimeout(this.flapTimer);
    this.mode = { kind: 'refuse' };
    for (const t of this.timers) clearTimeout(t);
    this.dropConnections();
    await this.setListening(false);
    for (const s of [this.httpPlain, this.httpTls]) {
      if (!s) continue;
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
    for (const s of [this.grpcPlain, this.grpcTls]) s?.forceShutdown();
  }

  // --- the fronts --------------------------------------------------------------------------

  private async makeFront(kind: 'http' | 'grpc'): Promise<Front> {
    const server = net.createServer((client) => this.onConnection(kind, client));
    const front: Front = { server, port: 0, listening: false };
    const listen = (port: number) =>
      new Promise<boolean>((resolve, reject) => {
        const onError = (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(false) : reject(e));
        server.once('error', onError);
        server.listen(port, '127.0.0.1', () => {
          server.removeListener('error', onError);
          resolve(true);
        });
      });
    // A port below the kernel's range for ephemeral ports (32768-60999 on Linux by default): the
    // refuse and flap modes stop listening and listen again on the same port, and meanwhile no
    // socket given a port by the kernel (another test's server on port 0, a client) can take it.
    let listening = false;
    for (let i = 0; i < 50 && !listening; i++) listening = await listen(20000 + Math.floor(Math.random() * 12000));
    if (!listening) await listen(0);
    front.port = (server.address() as net.AddressInfo).port;
    front.listening = true;
    return front;
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  private onConnection(kind: 'http' | 'grpc', client: net.Socket): void {
    this.connectionCount++;
    this.track(client);
    const mode = this.mode.kind;
    if (mode === 'blackhole') {
      client.resume(); // read and drop, never answer
      return;
    }
    const tls = mode === 'tls-untrusted';
    const port = kind === 'http' ? (tls ? this.ports.httpTls : this.ports.httpPlain) : tls ? this.ports.grpcTls : this.ports.grpcPlain;
    if (!port) {
      client.destroy();
      return;
    }
    const backend = net.connect(port, '127.0.0.1');
    this.track(backend);
    let first = true;
    client.on('data', (chunk: Buffer) => {
      // A TLS connection starts with a handshake record (content type 22). Anything else would be
      // the client talking in clear to a port it was told is TLS.
      if (first && tls && chunk[0] !== 0x16) this.cleartextOnTls++;
      first = false;
      backend.write(chunk);
    });
    backend.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', () => backend.destroy());
    backend.on('close', () => client.destroy());
  }

  private dropConnections(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private async setListening(on: boolean): Promise<void> {
    for (const front of [this.httpFront, this.grpcFront]) {
      if (front.listening === on) continue;
      front.listening = on;
      if (!on) {
        await new Promise<void>((r) => front.server.close(() => r()));
      } else {
        // The same port again: the program keeps its endpoint. Loopback ports are not taken back
        // by the kernel while nothing else asks for one, which in a test run is good enough.
        await new Promise<void>((resolve, reject) => {
          front.server.once('error', reject);
          front.server.listen(front.port, '127.0.0.1', () => {
            front.server.removeListener('error', reject);
            this.upAt = Date.now();
            resolve();
          });
        });
      }
    }
  }

  // --- the OTLP layer ----------------------------------------------------------------------

  private async listenBackends(): Promise<void> {
    const listen = (s: http.Server) =>
      new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port)));
    this.httpPlain = http.createServer((req, res) => this.onHttp(req, res));
    this.ports.httpPlain = await listen(this.httpPlain);
    this.grpcPlain = this.makeGrpcServer();
    this.ports.grpcPlain = await this.bindGrpc(this.grpcPlain, grpc.ServerCredentials.createInsecure());
    if (this.tls) {
      this.httpTls = https.createServer({ key: this.tls.key, cert: this.tls.cert }, (req, res) => this.onHttp(req, res));
      this.httpTls.on('tlsClientError', () => {}); // the untrusted client hangs up: expected
      this.ports.httpTls = await listen(this.httpTls);
      this.grpcTls = this.makeGrpcServer();
      this.ports.grpcTls = await this.bindGrpc(
        this.grpcTls,
        grpc.ServerCredentials.createSsl(null, [{ private_key: this.tls.key, cert_chain: this.tls.cert }], false),
      );
    }
  }

  private bindGrpc(server: grpc.Server, credentials: grpc.ServerCredentials): Promise<number> {
    return new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (e, port) => (e ? reject(e) : resolve(port))));
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Decodes and keeps the items of one accepted request. */
  private store(signal: Signal, protocol: Protocol, body: Buffer): void {
    if (signal === 'traces') {
      const data = (protocol === 'http/json' ? decodeJsonRequest('traces', body) : decodeProtobufRequest('traces', body)) as OtlpTracesRequest;
      this.spanList.push(...flattenTraces(data, protocol));
    } else if (signal === 'logs') {
      const data = (protocol === 'http/json' ? decodeJsonRequest('logs', body) : decodeProtobufRequest('logs', body)) as OtlpLogsRequest;
      this.logList.push(...flattenLogs(data, protocol));
    } else {
      const data = (protocol === 'http/json' ? decodeJsonRequest('metrics', body) : decodeProtobufRequest('metrics', body)) as OtlpMetricsRequest;
      for (const m of flattenMetrics(data, protocol)) this.points += (m as { dataPoints?: unknown[] }).dataPoints?.length ?? 0;
    }
  }

  private record(transport: 'http' | 'grpc', signal: Signal, body: Buffer): FaultKind {
    const mode = this.mode.kind;
    this.attemptList.push({ transport, signal, mode, hash: createHash('sha1').update(body).digest('hex'), at: Date.now() });
    return mode;
  }

  private onHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    const signal = HTTP_PATHS[(req.url ?? '/').split('?')[0]!];
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => {});
    res.on('error', () => {});
    req.on('end', () => {
      if (!signal) {
        res.writeHead(404).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const json = String(req.headers['content-type'] ?? '').startsWith('application/json');
      const protocol: Protocol = json ? 'http/json' : 'http/protobuf';
      const mode = this.mode;
      this.record('http', signal, body);
      const answer = (status: number, payload: Buffer, headers: Record<string, string> = {}) => {
        if (res.destroyed) return;
        res.writeHead(status, { 'Content-Type': json ? 'application/json' : 'application/x-protobuf', 'Content-Length': String(payload.length), ...headers });
        res.end(payload);
      };
      const accept = (extra?: Buffer) => {
        if (res.destroyed) return; // the client gave up first: it counts this batch as failed
        try {
          this.store(signal, protocol, body);
        } catch (e) {
          answer(400, Buffer.from(JSON.stringify({ code: 3, message: String(e) })));
          return;
        }
        answer(200, extra ?? (json ? Buffer.from('{}') : Buffer.alloc(0)));
      };
      switch (mode.kind) {
        case 'slow':
          this.later(mode.ms, () => accept());
          return;
        case 'status': {
          const message = mode.status === 400 ? 'bad request (fault injected)' : 'try later (fault injected)';
          const code = mode.status === 400 ? 3 : mode.status === 429 ? 8 : 14;
          const payload = json ? Buffer.from(JSON.stringify({ code, message })) : encodeRpcStatus(code, message);
          answer(mode.status, payload, mode.retryAfterS !== undefined ? { 'Retry-After': String(mode.retryAfterS) } : {});
          return;
        }
        case 'partial': {
          const payload = json
            ? Buffer.from(JSON.stringify({ partialSuccess: { [JSON_REJECTED[signal]]: String(mode.rejected), errorMessage: mode.message } }))
            : partialSuccessProtobuf(mode.rejected, mode.message);
          accept(payload);
          return;
        }
        case 'close-mid-response':
          // A status line, headers promising 64 bytes, 5 of them, and the connection is gone.
          res.writeHead(200, { 'Content-Type': 'application/x-protobuf', 'Content-Length': '64' });
          res.write(Buffer.alloc(5), () => res.socket?.destroy());
          return;
        default:
          accept();
      }
    });
  }

  private makeGrpcServer(): grpc.Server {
    const server = new grpc.Server();
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      const Export = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const body = call.request;
        const mode = this.mode;
        this.record('grpc', signal, body);
        const accept = (response: Buffer = Buffer.alloc(0)) => {
          if (call.cancelled) return;
          try {
            this.store(signal, 'grpc', body);
          } catch (e) {
            callback({ code: grpc.status.INVALID_ARGUMENT, details: String(e) });
            return;
          }
          callback(null, response);
        };
        switch (mode.kind) {
          case 'slow':
            this.later(mode.ms, () => accept());
            return;
          case 'status': {
            const code = mode.status === 400 ? grpc.status.INVALID_ARGUMENT : mode.status === 429 ? grpc.status.RESOURCE_EXHAUSTED : grpc.status.UNAVAILABLE;
            const details = mode.status === 400 ? 'bad request (fault injected)' : 'try later (fault injected)';
            const metadata = new grpc.Metadata();
            if (mode.retryAfterS !== undefined) metadata.set('grpc-status-details-bin', statusWithRetryInfo(code, details, mode.retryAfterS));
            callback({ code, details, metadata });
            return;
          }
          case 'partial':
            accept(partialSuccessProtobuf(mode.rejected, mode.message));
            return;
          case 'close-mid-response':
            // The response headers go out, then the connection dies before the message and status.
            call.sendMetadata(new grpc.Metadata());
            this.later(30, () => this.dropConnections());
            return;
          default:
            accept();
        }
      };
      server.addService(serviceDefinition(signal), { Export });
    }
    return server;
  }
}
