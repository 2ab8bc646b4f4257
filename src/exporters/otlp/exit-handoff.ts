/**
 * The last export, from the 'exit' event. Once a program calls process.exit() (or dies of an
 * uncaught exception), no asynchronous work can run on its thread: the encoded batches are handed
 * to a worker thread that sends them, while this thread blocks in Atomics.wait until the worker is
 * done or the deadline passes. A refused connection fails in milliseconds; a collector that
 * accepts and never answers costs at most the deadline.
 */

export interface ExitRequest {
  readonly protocol: 'http/protobuf' | 'http/json' | 'grpc';
  readonly url: string;
  /** For gRPC: the service method path. */
  readonly grpcPath?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: string;
  readonly gzip: boolean;
  readonly body: Uint8Array;
  readonly tls?: { readonly ca?: string; readonly key?: string; readonly cert?: string };
  /** How many items the body holds, for the report. */
  readonly count: number;
  readonly noun: string;
}

export const OUTCOME = { PENDING: 0, SENT: 1, FAILED: 2 } as const;

/**
 * Runs in the worker. Self-contained on purpose: it is passed to the worker as source text, which
 * works the same from tsc's output and from the bundles.
 */
function exitWorker(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { workerData } = require('node:worker_threads') as { workerData: { requests: ExitRequest[]; shared: SharedArrayBuffer } };
  const fs = require('node:fs') as typeof import('node:fs');
  const state = new Int32Array(workerData.shared);
  let left = workerData.requests.length;
  const finish = (i: number, outcome: number) => {
    if (Atomics.load(state, 1 + i) !== 0) return;
    Atomics.store(state, 1 + i, outcome);
    if (--left === 0) {
      Atomics.store(state, 0, 1);
      Atomics.notify(state, 0);
    }
  };
  const tlsOf = (r: ExitRequest) => ({
    ...(r.tls?.ca ? { ca: fs.readFileSync(r.tls.ca) } : {}),
    ...(r.tls?.key ? { key: fs.readFileSync(r.tls.key) } : {}),
    ...(r.tls?.cert ? { cert: fs.readFileSync(r.tls.cert) } : {}),
  });
  workerData.requests.forEach((r, i) => {
    try {
      let body = Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength);
      const headers: Record<string, string | number> = { ...r.headers };
      if (r.protocol === 'grpc') {
        const http2 = require('node:http2') as typeof import('node:http2');
        const url = new URL(r.url);
        const client = http2.connect(url.origin, tlsOf(r));
        client.on('error', () => finish(i, 2));
        const frame = Buffer.alloc(5 + body.length);
        frame.writeUInt32BE(body.length, 1);
        body.copy(frame, 5);
        const stream = client.request({
          ':method': 'POST',
          ':path': r.grpcPath ?? '/',
          'content-type': 'application/grpc',
          te: 'trailers',
          ...headers,
        });
        let status: unknown;
        stream.on('trailers', (t) => (status = t['grpc-status']));
        stream.on('response', (h) => {
          if (h['grpc-status'] !== undefined) status = h['grpc-status'];
        });
        stream.on('error', () => finish(i, 2));
        stream.on('close', () => {
          finish(i, String(status) === '0' ? 1 : 2);
          client.close();
        });
        stream.resume();
        stream.end(frame);
        return;
      }
      if (r.gzip) {
        body = (require('node:zlib') as typeof import('node:zlib')).gzipSync(body);
        headers['Content-Encoding'] = 'gzip';
      }
      headers['Content-Type'] = r.contentType;
      headers['Content-Length'] = body.length;
      const mod = (r.url.startsWith('https:') ? require('node:https') : require('node:http')) as typeof import('node:https');
      const req = mod.request(r.url, { method: 'POST', headers, ...tlsOf(r) }, (res) => {
        res.resume();
        res.on('end', () => finish(i, res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300 ? 1 : 2));
        res.on('error', () => finish(i, 2));
      });
      req.on('error', () => finish(i, 2));
      req.end(body);
    } catch {
      finish(i, 2);
    }
  });
}

/**
 * Sends `requests` from a worker thread and blocks until all are answered or `deadlineMs` passes.
 * Returns the outcome of each (OUTCOME.SENT, FAILED, or PENDING when the deadline came first).
 */
export function handOffAtExit(requests: readonly ExitRequest[], deadlineMs: number): number[] {
  if (requests.length === 0) return [];
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  const shared = new SharedArrayBuffer(4 * (1 + requests.length));
  const state = new Int32Array(shared);
  const worker = new Worker(`(${exitWorker.toString()})()`, {
    eval: true,
    workerData: { requests, shared },
    // The worker needs none of the program's preloads (ours would do nothing off the main thread).
    execArgv: [],
    env: {},
    stdout: true,
    stderr: true,
  });
  worker.unref();
  const end = Date.now() + deadlineMs;
  while (Atomics.load(state, 0) === 0) {
    const left = end - Date.now();
    if (left <= 0 || Atomics.wait(state, 0, 0, left) === 'timed-out') break;
  }
  return requests.map((_, i) => Atomics.load(state, 1 + i));
}
