import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { app, bareEnv, launcher } from '../helpers/run';

/**
 * Secrets never reach diagnostics: header values, the password and query values of an endpoint,
 * the contents of TLS key files. Each program here runs under the launcher at every
 * OTEL_LOG_LEVEL with an export that fails (nothing listens), so that the exporters report, and
 * `ts-otel-run config` (text and JSON) is asked about the same settings.
 */

const dir = mkdtempSync(join(tmpdir(), 'ts-otel-run-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const KEY_FILE = join(dir, 'client-key.pem');
writeFileSync(KEY_FILE, '-----BEGIN PRIVATE KEY-----\nSECRET-KEY-MATERIAL\n-----END PRIVATE KEY-----\n');

const SECRETS = ['SECRET-HEADER', 'SECRET-TRACES-HEADER', 'SECRET-PASSWORD', 'SECRET-QUERY', 'SECRET-KEY-MATERIAL'];
const ENV = {
  OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer SECRET-HEADER,x-tenant=acme',
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-api-key=SECRET-TRACES-HEADER',
  // a closed port: every export fails and is reported
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://alice:SECRET-PASSWORD@127.0.0.1:9/otlp?api-key=SECRET-QUERY',
  OTEL_EXPORTER_OTLP_CLIENT_KEY: KEY_FILE,
  OTEL_LOGS_EXPORTER: 'otlp',
  TS_OTEL_RUN_SHUTDOWN_TIMEOUT: '1000',
};

function assertNoSecret(text: string, where: string): void {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${where} holds ${secret}:\n${text}`);
}

describe('secrets in diagnostics', () => {
  for (const level of ['debug', 'info', 'warn', 'error']) {
    it(`OTEL_LOG_LEVEL=${level}: a program whose exports fail prints no secret`, async () => {
      const r = await launcher(['node', app('greet.cjs')], { env: bareEnv({ ...ENV, OTEL_LOG_LEVEL: level }) });
      assert.equal(r.code, 0, r.stderr);
      assertNoSecret(r.stderr, 'stderr');
      assertNoSecret(r.stdout, 'stdout');
      if (level === 'debug' || level === 'info' || level === 'warn') {
        // the export failed and was reported, naming the destination without its credentials
        assert.match(r.stderr, /127\.0\.0\.1:9\/otlp/);
      }
    });
  }

  it('an https endpoint with a client key file: the failure names neither the key nor its contents', async () => {
    const r = await launcher(['node', app('greet.cjs')], {
      env: bareEnv({ ...ENV, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://alice:SECRET-PASSWORD@127.0.0.1:9/?api-key=SECRET-QUERY', OTEL_LOG_LEVEL: 'debug' }),
    });
    assert.equal(r.code, 0, r.stderr);
    assertNoSecret(r.stderr, 'stderr');
  });

  it('ts-otel-run config, as text and as JSON, shows no secret', async () => {
    for (const args of [['config'], ['config', '--json']]) {
      const r = await launcher(args, { env: bareEnv(ENV), cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assertNoSecret(r.stdout, `${args.join(' ')} stdout`);
      assertNoSecret(r.stderr, `${args.join(' ')} stderr`);
      assert.match(r.stdout, /127\.0\.0\.1:9/);
    }
  });
});
