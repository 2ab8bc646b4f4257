import { strict as assert } from 'node:assert';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveConfig } from '../../../../src/config/resolve';
import { appendSignalPath, type OtlpSignal, otlpOptions, redactUrl } from '../../../../src/exporters/otlp/options';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'ts-otel-run-otlp-')));
after(() => rmSync(dir, { recursive: true, force: true }));
for (const name of ['ca.pem', 'traces-ca.pem', 'client.key', 'client.crt', 'logs.key']) writeFileSync(join(dir, name), 'pem');

const SIGNALS: OtlpSignal[] = ['traces', 'metrics', 'logs'];

/** A real resolved configuration from these environment variables. */
function config(env: Record<string, string> = {}) {
  const r = resolveConfig({ env, cwd: dir });
  assert.deepEqual(r.problems, [], 'the test environment itself must be valid');
  return r.config;
}

describe('appendSignalPath', () => {
  it('appends /v1/<signal> to a bare origin, with or without a trailing slash', () => {
    assert.equal(appendSignalPath('http://localhost:4318', 'traces'), 'http://localhost:4318/v1/traces');
    assert.equal(appendSignalPath('http://localhost:4318/', 'metrics'), 'http://localhost:4318/v1/metrics');
    assert.equal(appendSignalPath('https://c.example.com', 'logs'), 'https://c.example.com/v1/logs');
  });

  it('keeps a base path, dropping its trailing slashes', () => {
    assert.equal(appendSignalPath('https://c.example.com/otlp', 'traces'), 'https://c.example.com/otlp/v1/traces');
    assert.equal(appendSignalPath('https://c.example.com/otlp/', 'traces'), 'https://c.example.com/otlp/v1/traces');
    assert.equal(appendSignalPath('https://c.example.com/a/b///', 'logs'), 'https://c.example.com/a/b/v1/logs');
  });

  it('keeps the query string after the new path', () => {
    assert.equal(appendSignalPath('http://h:4318/otlp?tenant=a&x=1', 'metrics'), 'http://h:4318/otlp/v1/metrics?tenant=a&x=1');
    assert.equal(appendSignalPath('http://h:4318?tenant=a', 'traces'), 'http://h:4318/v1/traces?tenant=a');
  });

  it('keeps port, credentials and IPv6 hosts', () => {
    assert.equal(appendSignalPath('http://[::1]:4318', 'traces'), 'http://[::1]:4318/v1/traces');
    assert.equal(appendSignalPath('https://u:p@h:443/x', 'logs'), 'https://u:p@h/x/v1/logs');
  });

  it('throws on text that is not a URL', () => {
    assert.throws(() => appendSignalPath('not a url', 'traces'), TypeError);
  });
});

describe('otlpOptions: defaults', () => {
  const c = config();

  for (const signal of SIGNALS) {
    it(`${signal}: http/protobuf to http://localhost:4318/v1/${signal}`, () => {
      assert.deepEqual(otlpOptions(c, signal), {
        signal,
        protocol: 'http/protobuf',
        url: `http://localhost:4318/v1/${signal}`,
        headers: {},
        timeoutMs: 10000,
        compression: 'none',
        insecure: false,
      });
    });
  }

  it('grpc goes to http://localhost:4317, as is', () => {
    const g = config({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    for (const signal of SIGNALS) {
      const o = otlpOptions(g, signal);
      assert.equal(o.protocol, 'grpc');
      assert.equal(o.url, 'http://localhost:4317');
    }
  });

  it('http/json uses the HTTP defaults', () => {
    const o = otlpOptions(config({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }), 'logs');
    assert.equal(o.protocol, 'http/json');
    assert.equal(o.url, 'http://localhost:4318/v1/logs');
  });

  it('leaves out certificate options that are not set', () => {
    const o = otlpOptions(c, 'traces');
    assert.equal('certificate' in o, false);
    assert.equal('clientKey' in o, false);
    assert.equal('clientCertificate' in o, false);
  });
});

describe('otlpOptions: endpoints', () => {
  it('the general endpoint gets /v1/<signal> for HTTP', () => {
    const c = config({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' });
    for (const signal of SIGNALS) assert.equal(otlpOptions(c, signal).url, `http://collector:4318/v1/${signal}`);
  });

  it('with a trailing slash, a base path and a query string', () => {
    assert.equal(otlpOptions(config({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }), 'traces').url, 'http://collector:4318/v1/traces');
    assert.equal(
      otlpOptions(config({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com/otlp/' }), 'metrics').url,
      'https://otel.example.com/otlp/v1/metrics',
    );
    assert.equal(
      otlpOptions(config({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com/otlp?tenant=t1' }), 'logs').url,
      'https://otel.example.com/otlp/v1/logs?tenant=t1',
    );
  });

  it('a per-signal endpoint is used as is, with no path added', () => {
    const c = config({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://general:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:9999/custom/path',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://logs:4318',
    });
    assert.equal(otlpOptions(c, 'traces').url, 'http://traces:9999/custom/path');
    assert.equal(otlpOptions(c, 'logs').url, 'http://logs:4318');
    assert.equal(otlpOptions(c, 'metrics').url, 'http://general:4318/v1/metrics', 'the other signals keep the general one');
  });

  it('grpc uses the general endpoint as is', () => {
    const c = config({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317/' });
    assert.equal(otlpOptions(c, 'traces').url, 'https://collector:4317/');
  });

  it('grpc uses a per-signal endpoint as is', () => {
    const c = config({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:4317' });
    assert.equal(otlpOptions(c, 'metrics').url, 'http://m:4317');
    assert.equal(otlpOptions(c, 'traces').url, 'http://localhost:4317');
  });

  it('an empty per-signal endpoint counts as unset', () => {
    const c = config({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://g:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' });
    assert.equal(otlpOptions(c, 'traces').url, 'http://g:4318/v1/traces');
  });
});

describe('otlpOptions: per-signal settings override the general ones', () => {
  it('per-signal protocol overrides the general one, and picks the matching default endpoint', () => {
    const c = config({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' });
    assert.equal(otlpOptions(c, 'traces').protocol, 'grpc');
    assert.equal(otlpOptions(c, 'traces').url, 'http://localhost:4317');
    assert.equal(otlpOptions(c, 'metrics').protocol, 'http/json');
    assert.equal(otlpOptions(c, 'metrics').url, 'http://localhost:4318/v1/metrics');
  });

  it('per-signal http protocol over general grpc appends the signal path to the general endpoint', () => {
    const c = config({
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/protobuf',
    });
    assert.equal(otlpOptions(c, 'logs').url, 'http://collector:4318/v1/logs');
    assert.equal(otlpOptions(c, 'traces').url, 'http://collector:4318');
  });

  it('headers are merged, per-signal ones winning', () => {
    const c = config({
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=general,x-team=a%20b',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'authorization=traces,x-extra=1',
    });
    assert.deepEqual(otlpOptions(c, 'traces').headers, { authorization: 'traces', 'x-team': 'a b', 'x-extra': '1' });
    assert.deepEqual(otlpOptions(c, 'metrics').headers, { authorization: 'general', 'x-team': 'a b' });
  });

  it('per-signal headers alone', () => {
    const c = config({ OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'k=v' });
    assert.deepEqual(otlpOptions(c, 'logs').headers, { k: 'v' });
    assert.deepEqual(otlpOptions(c, 'traces').headers, {});
  });

  it('merging headers never touches the resolved configuration', () => {
    const c = config({ OTEL_EXPORTER_OTLP_HEADERS: 'a=1', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'a=2' });
    const o = otlpOptions(c, 'traces');
    (o.headers as Record<string, string>).b = 'x';
    assert.deepEqual({ ...c.OTEL_EXPORTER_OTLP_HEADERS }, { a: '1' });
    assert.deepEqual(otlpOptions(c, 'traces').headers, { a: '2' });
  });

  it('timeout falls back to the general one (default 10 s)', () => {
    const c = config({ OTEL_EXPORTER_OTLP_TIMEOUT: '5000', OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '0' });
    assert.equal(otlpOptions(c, 'traces').timeoutMs, 5000);
    assert.equal(otlpOptions(c, 'metrics').timeoutMs, 0, 'a per-signal 0 is a value, not a fallback');
    assert.equal(otlpOptions(config({ OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: '2500' }), 'logs').timeoutMs, 2500);
  });

  it('compression falls back to the general one', () => {
    const c = config({ OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip', OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'none' });
    assert.equal(otlpOptions(c, 'traces').compression, 'gzip');
    assert.equal(otlpOptions(c, 'logs').compression, 'none');
    assert.equal(otlpOptions(config({ OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'GZIP' }), 'metrics').compression, 'gzip');
  });

  it('insecure falls back to the general one, and a per-signal false beats a general true', () => {
    const c = config({ OTEL_EXPORTER_OTLP_INSECURE: 'true', OTEL_EXPORTER_OTLP_TRACES_INSECURE: 'false' });
    assert.equal(otlpOptions(c, 'traces').insecure, false);
    assert.equal(otlpOptions(c, 'metrics').insecure, true);
    assert.equal(otlpOptions(config({ OTEL_EXPORTER_OTLP_LOGS_INSECURE: 'TRUE' }), 'logs').insecure, true);
  });

  it('certificate, client key and client certificate fall back to the general ones, as absolute paths', () => {
    const c = config({
      OTEL_EXPORTER_OTLP_CERTIFICATE: 'ca.pem',
      OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: 'traces-ca.pem',
      OTEL_EXPORTER_OTLP_CLIENT_KEY: 'client.key',
      OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY: 'logs.key',
      OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE: 'client.crt',
    });
    const traces = otlpOptions(c, 'traces');
    assert.equal(traces.certificate, join(dir, 'traces-ca.pem'));
    assert.equal(traces.clientKey, join(dir, 'client.key'));
    assert.equal('clientCertificate' in traces, false);

    const metrics = otlpOptions(c, 'metrics');
    assert.equal(metrics.certificate, join(dir, 'ca.pem'));
    assert.equal(metrics.clientKey, join(dir, 'client.key'));
    assert.equal(metrics.clientCertificate, join(dir, 'client.crt'));

    const logs = otlpOptions(c, 'logs');
    assert.equal(logs.certificate, join(dir, 'ca.pem'));
    assert.equal(logs.clientKey, join(dir, 'logs.key'));
    assert.equal('clientCertificate' in logs, false);
  });

  it('one signal’s settings never leak into another', () => {
    const c = config({
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '1',
      OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTLP_TRACES_INSECURE: 'true',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'a=b',
    });
    for (const signal of ['metrics', 'logs'] as const) {
      assert.deepEqual(otlpOptions(c, signal), otlpOptions(config(), signal), signal);
    }
  });
});

describe('redactUrl re-export', () => {
  it('is the diag redactUrl', () => {
    assert.equal(redactUrl('http://u:p@h:4318/x'), 'http://h:4318/x');
  });
});

describe('otlpOptions: an endpoint given as host:port', () => {
  const cfg = (env: Record<string, string>) => resolveConfig({ env, cwd: process.cwd() }).config;
  it('gRPC: TLS unless OTEL_EXPORTER_OTLP_INSECURE is true', () => {
    const base = { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' };
    assert.equal(otlpOptions(cfg(base), 'traces').url, 'https://collector:4317');
    assert.equal(otlpOptions(cfg({ ...base, OTEL_EXPORTER_OTLP_INSECURE: 'true' }), 'traces').url, 'http://collector:4317');
    assert.equal(
      otlpOptions(cfg({ ...base, OTEL_EXPORTER_OTLP_TRACES_INSECURE: 'true', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'traces:4317' }), 'traces').url,
      'http://traces:4317',
    );
  });
  it('a scheme decides by itself; insecure does not override https', () => {
    const c = cfg({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317', OTEL_EXPORTER_OTLP_INSECURE: 'true' });
    assert.equal(otlpOptions(c, 'traces').url, 'https://collector:4317');
  });
  it('HTTP: plaintext, with the signal path appended', () => {
    assert.equal(otlpOptions(cfg({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }), 'logs').url, 'http://collector:4318/v1/logs');
  });
});
