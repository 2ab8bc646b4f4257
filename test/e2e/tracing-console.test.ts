import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { app, cleanEnv, launcher, run } from '../helpers/run';
import { consoleSpans } from '../helpers/console-spans';
import { serviceSkip } from '../helpers/services';

/** Spans from the http instrumentation, through the console exporter, for every way a program ends. */


const spans = consoleSpans;

const consoleEnv = () => cleanEnv({ OTEL_TRACES_EXPORTER: 'console' });

describe('http spans through the console exporter', () => {
  it('a server and a client span per request, with the stable HTTP attributes', async () => {
    const r = await launcher(['--service_name', 'shop', 'node', app('serve-and-exit.cjs'), '3', 'natural'], { env: consoleEnv() });
    assert.equal(r.code, 0, r.stderr);
    const all = spans(r.stderr);
    const servers = all.filter((s) => s.kind === 'SERVER');
    const clients = all.filter((s) => s.kind === 'CLIENT');
    assert.equal(servers.length, 3);
    assert.equal(clients.length, 3);
    const server = servers.find((s) => s.attributes['url.path'] === '/r1')!;
    assert.equal(server.name, 'GET');
    assert.equal(server.scope.name, 'http');
    assert.equal(server.status.status_code, 'UNSET');
    assert.equal(server.attributes['http.request.method'], 'GET');
    assert.equal(server.attributes['http.response.status_code'], 200);
    assert.equal(server.attributes['url.scheme'], 'http');
    assert.equal(server.attributes['server.address'], '127.0.0.1');
    assert.equal(typeof server.attributes['server.port'], 'number');
    assert.equal(server.attributes['client.address'], '127.0.0.1');
    assert.equal(server.attributes['network.protocol.version'], '1.1');
    assert.equal(server.resource.attributes['service.name'], 'shop');
    const client = clients.find((s) => String(s.attributes['url.full']).endsWith('/r1'))!;
    assert.match(String(client.attributes['url.full']), /^http:\/\/127\.0\.0\.1:\d+\/r1$/);
    assert.equal(client.attributes['http.response.status_code'], 200);
    assert.equal(client.attributes['server.port'], server.attributes['server.port']);
  });

  it('fetch: exactly one client span per call (undici), parent of the server span', async () => {
    const r = await launcher(['node', app('fetch-self.cjs'), '3'], { env: consoleEnv() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '200 ok /f0\n200 ok /f1\n200 ok /f2\n');
    const all = spans(r.stderr);
    const clients = all.filter((s) => s.kind === 'CLIENT');
    const servers = all.filter((s) => s.kind === 'SERVER');
    assert.equal(clients.length, 3);
    assert.ok(clients.every((c) => c.scope.name === 'undici'));
    assert.equal(servers.length, 3);
    for (const server of servers) {
      const client = clients.find((c) => c.context.span_id === server.parent_id);
      assert.ok(client, 'the server span is the child of the fetch span');
      assert.equal(client.context.trace_id, server.context.trace_id);
    }
  });

  it('express: the server span is named by its route, under the fetch span that called it', async () => {
    const r = await launcher(['node', app('express-app.cjs')], { env: consoleEnv() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '200 {"id":"42"}\n');
    const server = spans(r.stderr).find((s) => s.kind === 'SERVER')!;
    assert.equal(server.name, 'GET /users/:id');
    assert.equal(server.attributes['http.route'], '/users/:id');
    const client = spans(r.stderr).find((s) => s.kind === 'CLIENT')!;
    assert.equal(server.parent_id, client.context.span_id);
  });

  it('--excluded_urls leaves health checks out, server and client', async () => {
    const r = await launcher(['--excluded_urls', '/health$', 'node', app('http-server.js')], { env: consoleEnv() });
    assert.equal(r.code, 0, r.stderr);
    const all = spans(r.stderr);
    assert.equal(all.length, 4);
    assert.ok(all.every((s) => !String(s.attributes['url.path'] ?? s.attributes['url.full']).endsWith('/health')));
  });

  it('the program’s stdout is what it is without the launcher', async () => {
    const plain = await run(process.execPath, [app('http-server.js')], { env: cleanEnv({ PORT: '0' }) });
    const traced = await launcher(['node', app('http-server.js')], { env: consoleEnv() });
    const normalize = (s: string) => s.replace(/:\d+/g, ':PORT');
    assert.equal(normalize(traced.stdout), normalize(plain.stdout));
    assert.equal(spans(traced.stderr).length, 6);
  });

  it('process.exit(0) right after the last response loses nothing', async () => {
    const r = await launcher(['node', app('serve-and-exit.cjs'), '20', 'exit'], { env: consoleEnv() });
    assert.equal(r.code, 0);
    const all = spans(r.stderr);
    assert.equal(all.filter((s) => s.kind === 'SERVER').length, 20);
    assert.equal(all.filter((s) => s.kind === 'CLIENT').length, 20);
  });

  it('an uncaught exception in a handler: the server span records it, the crash is the program’s own', async () => {
    const plain = await run(process.execPath, [app('serve-and-exit.cjs'), '2', 'throw'], { env: cleanEnv() });
    const r = await launcher(['node', app('serve-and-exit.cjs'), '2', 'throw'], { env: consoleEnv() });
    assert.equal(r.code, plain.code);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error: crash in handler/);
    const failed = spans(r.stderr).find((s) => s.kind === 'SERVER' && s.attributes['url.path'] === '/r1')!;
    assert.equal(failed.status.status_code, 'ERROR');
    assert.equal(failed.status.description, 'crash in handler');
    const event = failed.events.find((e) => e.name === 'exception')!;
    assert.equal(event.attributes['exception.type'], 'Error');
    assert.equal(event.attributes['exception.message'], 'crash in handler');
    assert.match(String(event.attributes['exception.stacktrace']), /serve-and-exit\.cjs/);
  });

  it('SIGTERM to a program without a handler: spans are written, then it dies by SIGTERM', async () => {
    let sent = false;
    const r = await launcher(['node', app('serve-and-exit.cjs'), '4', 'wait'], {
      env: consoleEnv(),
      onStdout(text, child) {
        if (!sent && text.includes('ready')) {
          sent = true;
          child.kill('SIGTERM');
        }
      },
    });
    assert.equal(r.signal, 'SIGTERM');
    assert.equal(spans(r.stderr).filter((s) => s.kind === 'SERVER').length, 4);
  });

  it('OTEL_NODE_DISABLED_INSTRUMENTATIONS and _ENABLED_ switch the http instrumentation off', async () => {
    for (const flags of [['--node_disabled_instrumentations', 'http'], ['--node_enabled_instrumentations', '@opentelemetry/api']]) {
      const r = await launcher([...flags, '--log_level', 'debug', 'node', app('serve-and-exit.cjs'), '2', 'natural'], { env: consoleEnv() });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(spans(r.stderr).length, 0, flags.join(' '));
      assert.match(r.stderr, /skipped instrumentation http: (in OTEL_NODE_DISABLED_INSTRUMENTATIONS|not in OTEL_NODE_ENABLED_INSTRUMENTATIONS)/);
      assert.doesNotMatch(r.stderr, /patched http@/);
    }
  });

  it('the exporter of a program that traces nothing prints nothing', async () => {
    const r = await launcher(['node', '-e', 'console.log("quiet")'], { env: consoleEnv() });
    assert.equal(r.stdout, 'quiet\n');
    assert.equal(r.stderr, '');
  });
});

describe('web frameworks in an ES module program, through the launcher', () => {
  for (const framework of ['express', 'fastify', 'koa']) {
    it(`${framework}: named routes, a streamed response, a thrown error (500), a 404 that is not an error`, async () => {
      const r = await launcher(['node', app('frameworks.mjs'), framework], { env: consoleEnv() });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^\/users\/42 200 /m);
      assert.match(r.stdout, /^\/stream 200 24$/m);
      assert.match(r.stdout, /^\/boom 500 /m);
      assert.match(r.stdout, /^\/missing 404 /m);
      const servers = spans(r.stderr).filter((s) => s.kind === 'SERVER');
      const byPath = (p: string) => servers.find((s) => s.attributes['url.path'] === p)!;
      assert.equal(byPath('/users/42').name, 'GET /users/:id');
      assert.equal(byPath('/users/42').attributes['http.route'], '/users/:id');
      assert.equal(byPath('/stream').name, 'GET /stream');
      assert.equal(byPath('/stream').attributes['http.response.status_code'], 200);
      const boom = byPath('/boom');
      assert.equal(boom.status.status_code, 'ERROR');
      assert.equal(boom.attributes['error.type'], 'TypeError');
      assert.equal(boom.events.find((e) => e.name === 'exception')?.attributes['exception.message'], 'boom');
      const missing = byPath('/missing');
      assert.equal(missing.status.status_code, 'UNSET');
      assert.equal(missing.attributes['http.response.status_code'], 404);
      // Exactly one client span per fetch, each the parent of its server span.
      const clients = spans(r.stderr).filter((s) => s.kind === 'CLIENT');
      assert.equal(clients.length, 4);
      for (const server of servers) assert.ok(clients.some((c) => c.context.span_id === server.parent_id));
    });
  }
});

describe('HTTP settings through the launcher, CommonJS and ES modules', () => {
  for (const fixture of ['web-policy.cjs', 'web-policy.mjs']) {
    it(`${fixture}: excluded URLs, captured and sanitized headers, redacted URLs, a followed redirect, an aborted request`, async () => {
      const r = await launcher(
        [
          '--excluded_urls',
          '/health$',
          '--instrumentation_http_capture_headers_client_request',
          'x-request-id,authorization',
          '--instrumentation_http_capture_headers_server_response',
          'x-served-by,set-cookie',
          'node',
          app(fixture),
        ],
        { env: consoleEnv() },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'done\n');
      const all = spans(r.stderr);
      const text = r.stderr;
      for (const secret of ['s3cret-sig', 't0ken', 'pa55word', 'secret-cookie']) assert.ok(!text.includes(secret), secret);
      assert.ok(all.every((s) => !String(s.attributes['url.full'] ?? s.attributes['url.path']).includes('/health')));
      const data = all.find((s) => s.kind === 'CLIENT' && String(s.attributes['url.full']).includes('/data'))!;
      assert.match(String(data.attributes['url.full']), /\/data\?Signature=REDACTED&page=2$/);
      assert.deepEqual(data.attributes['http.request.header.x-request-id'], ['req-1']);
      assert.deepEqual(data.attributes['http.request.header.authorization'], ['REDACTED']);
      const dataServer = all.find((s) => s.kind === 'SERVER' && s.attributes['url.path'] === '/data')!;
      assert.equal(dataServer.attributes['url.query'], 'Signature=REDACTED&page=2');
      assert.deepEqual(dataServer.attributes['http.response.header.x-served-by'], ['fixture']);
      assert.deepEqual(dataServer.attributes['http.response.header.set-cookie'], ['REDACTED']);
      // The redirect: one client span for the fetch, two server spans under it.
      const redirect = all.filter((s) => s.kind === 'CLIENT' && String(s.attributes['url.full']).endsWith('/old'));
      assert.equal(redirect.length, 1);
      assert.equal(redirect[0]!.attributes['http.request.resend_count'], 1);
      assert.equal(all.filter((s) => s.kind === 'SERVER' && s.parent_id === redirect[0]!.context.span_id).length, 2);
      const priv = all.find((s) => s.kind === 'CLIENT' && String(s.attributes['url.full']).endsWith('/private'))!;
      assert.match(String(priv.attributes['url.full']), /^http:\/\/127\.0\.0\.1:\d+\/private$/);
      // The aborted request: the client span ends as an error.
      const slow = all.find((s) => s.kind === 'CLIENT' && String(s.attributes['url.full']).endsWith('/slow'))!;
      assert.equal(slow.status.status_code, 'ERROR');
    });
  }
});

describe('database spans through the launcher', () => {
  for (const fixture of ['pg-app.cjs', 'pg-app.mjs']) {
    it(`${fixture}: the request's queries are its children, sanitized, with the error's SQLSTATE`, async (t) => {
      const skip = await serviceSkip('PostgreSQL', 5432);
      if (skip) return t.skip(skip);
      const r = await launcher(['node', app(fixture)], { env: consoleEnv() });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '42\n');
      const all = spans(r.stderr);
      const server = all.find((s) => s.kind === 'SERVER')!;
      const queries = all.filter((s) => s.attributes['db.system.name'] === 'postgresql');
      assert.equal(queries.length, 2);
      for (const q of queries) assert.equal(q.parent_id, server.context.span_id);
      assert.equal(queries[0]!.attributes['db.query.text'], 'SELECT $1::int + ? AS n, ? AS s');
      assert.ok(!r.stderr.includes('literal') && !r.stderr.includes('"41"'));
      assert.equal(queries[1]!.attributes['db.response.status_code'], '42P01');
      assert.equal(queries[1]!.status.status_code, 'ERROR');
    });
  }
});
