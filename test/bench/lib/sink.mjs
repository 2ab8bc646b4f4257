// A minimal OTLP/HTTP sink for benchmarks: accepts every POST, reads the body, answers 200 with an
// empty export response in the request's own content type (an empty protobuf message is zero
// bytes; JSON gets {}), and counts requests and bytes per path. It decodes nothing, so its cost
// is the same whichever subject is sending and stays small next to the server under load.
import http from 'node:http';

export async function startSink() {
  const counts = new Map();
  const server = http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (d) => (bytes += d.length));
    req.on('end', () => {
      const c = counts.get(req.url) ?? { requests: 0, bytes: 0 };
      c.requests++;
      c.bytes += bytes;
      counts.set(req.url, c);
      const json = String(req.headers['content-type'] ?? '').includes('json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : '');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  return {
    endpoint,
    /** Counts since the last call, per path ("/v1/traces" …), then reset. */
    take() {
      const out = Object.fromEntries(counts);
      counts.clear();
      return out;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}
