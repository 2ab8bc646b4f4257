import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { cleanEnv, REGISTER_CJS, REGISTER_ESM, run } from '../helpers/run';
import { consoleSpans, type ConsoleSpan } from '../helpers/console-spans';

/**
 * The http instrumentation in programs of their own, loaded the way users load it (`--import` /
 * `--require` of the register entry), with spans written by the console exporter on stderr. Needs
 * the bundles: `npm run build`.
 */

const FIXTURES = resolve(__dirname, '..', '..', '..', 'test', 'instrumentations', 'fixtures');
const fixture = (name: string) => join(FIXTURES, name);


const spans = consoleSpans;

const consoleEnv = () =>
  cleanEnv({ OTEL_TRACES_EXPORTER: 'console', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' });

const test = (name: string, fn: () => Promise<void>) => it(name, { timeout: 30_000 }, fn);

before(() => {
  assert.ok(existsSync(REGISTER_ESM) && existsSync(REGISTER_CJS), 'the bundles are missing: run `npm run build`');
});

/** One server span and one client span, the server's a child of the client's. */
function pairOf(all: ConsoleSpan[], path: string): { server: ConsoleSpan; client: ConsoleSpan } {
  const servers = all.filter((s) => s.kind === 'SERVER');
  const clients = all.filter((s) => s.kind === 'CLIENT');
  assert.equal(servers.length, 1, JSON.stringify(all));
  assert.equal(clients.length, 1, JSON.stringify(all));
  const server = servers[0]!;
  const client = clients[0]!;
  assert.equal(server.attributes['url.path'], path);
  assert.match(String(client.attributes['url.full']), new RegExp(`^https?://127\\.0\\.0\\.1:\\d+${path.replace(/\?/g, '\\?')}`));
  assert.equal(server.parent_id, client.context.span_id);
  assert.equal(server.context.trace_id, client.context.trace_id);
  return { server, client };
}

describe('ES modules', () => {
  test('named imports from node:http are instrumented', async () => {
    const r = await run(process.execPath, ['--import', REGISTER_ESM, fixture('esm-named.mjs')], { env: consoleEnv() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '200 named /esm-named?x=1 with traceparent\n');
    const { server, client } = pairOf(spans(r.stderr), '/esm-named');
    assert.equal(server.attributes['url.query'], 'x=1');
    assert.equal(server.name, 'GET');
    assert.equal(client.attributes['http.response.status_code'], 200);
  });

  test('the default import of http is instrumented', async () => {
    const r = await run(process.execPath, ['--import', REGISTER_ESM, fixture('esm-default.mjs')], { env: consoleEnv() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '200 default /esm-default with traceparent\n');
    pairOf(spans(r.stderr), '/esm-default');
  });

  test('named imports from node:https are instrumented', async () => {
    const r = await run(process.execPath, ['--import', REGISTER_ESM, fixture('esm-https.mjs')], { env: consoleEnv() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '200 https /esm-https with traceparent\n');
    const { server, client } = pairOf(spans(r.stderr), '/esm-https');
    assert.equal(server.attributes['url.scheme'], 'https');
    assert.match(String(client.attributes['url.full']), /^https:\/\//);
  });

  test('without the register entry the same programs print the same, with no trace headers', async () => {
    for (const [name, expected] of [
      ['esm-named.mjs', '200 named /esm-named?x=1 without traceparent\n'],
      ['esm-default.mjs', '200 default /esm-default without traceparent\n'],
    ] as const) {
      const r = await run(process.execPath, [fixture(name)], { env: consoleEnv() });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, expected);
      assert.equal(r.stderr, '');
    }
  });
});

describe('an error the program does not handle', () => {
  test('a client error with no listener is still thrown as an unhandled error event', async () => {
    const plain = await run(process.execPath, [fixture('unhandled-client-error.cjs')], { env: consoleEnv() });
    const traced = await run(process.execPath, ['--require', REGISTER_CJS, fixture('unhandled-client-error.cjs')], {
      env: consoleEnv(),
    });
    assert.equal(plain.code, 1, plain.stderr);
    assert.equal(traced.code, plain.code, traced.stderr);
    assert.equal(traced.signal, plain.signal);
    for (const r of [plain, traced]) {
      assert.match(r.stderr, /Error: connect ECONNREFUSED 127\.0\.0\.1:\d+/);
      assert.match(r.stderr, /Emitted 'error' event on ClientRequest instance/);
    }
    // The instrumentation was there: the request's span ended with the error before it was thrown.
    const client = spans(traced.stderr).filter((s) => s.kind === 'CLIENT');
    assert.equal(client.length, 1, traced.stderr);
    assert.equal(client[0]!.status.status_code, 'ERROR');
    assert.equal(client[0]!.attributes['error.type'], 'ECONNREFUSED');
  });
});
