// A minimal OTLP/HTTP sink for benchmarks: accepts every POST, reads the body, answers 200 with an
// empty export response in the request's own content type (an empty protobuf message is zero
// bytes; JSON gets {}), and counts requests and bytes per path, and the spans of protobuf trace
// requests (by walking the message's framing, decoding nothing). Its cost is the same whichever
// subject is sending and stays small next to the server under load.
import http from 'node:http';

/** Reads a varint at `i`; returns [value, next index], or undefined past the end. */
function varint(b, i) {
  let v = 0;
  let shift = 0;
  while (i < b.length) {
    const byte = b[i++];
    v += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [v, i];
    shift += 7;
  }
  return undefined;
}

/**
 * Calls `onField(field, start, end)` for each length-delimited field of the message in b[start,
 * end), skipping the others. Returns false on malformed input.
 */
function fields(b, start, end, onField) {
  let i = start;
  while (i < end) {
    const t = varint(b, i);
    if (!t) return false;
    const [key, next] = t;
    i = next;
    const wire = key & 7;
    if (wire === 0) {
      const v = varint(b, i);
      if (!v) return false;
      i = v[1];
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const l = varint(b, i);
      if (!l) return false;
      const from = l[1];
      i = from + l[0];
      if (i > end) return false;
      onField(key >>> 3, from, i);
    } else return false;
  }
  return true;
}

/**
 * Spans in a protobuf ExportTraceServiceRequest, counted by walking its length-delimited fields
 * (resource_spans = 1, scope_spans = 2, spans = 2) without decoding anything else.
 */
export function countSpans(body) {
  let spans = 0;
  fields(body, 0, body.length, (f, s1, e1) => {
    if (f !== 1) return;
    fields(body, s1, e1, (g, s2, e2) => {
      if (g !== 2) return;
      fields(body, s2, e2, (h) => {
        if (h === 2) spans++;
      });
    });
  });
  return spans;
}

export async function startSink() {
  const counts = new Map();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const json = String(req.headers['content-type'] ?? '').includes('json');
      const c = counts.get(req.url) ?? { requests: 0, bytes: 0 };
      c.requests++;
      c.bytes += body.length;
      if (req.url === '/v1/traces' && !json && !req.headers['content-encoding']) c.spans = (c.spans ?? 0) + countSpans(body);
      counts.set(req.url, c);
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
