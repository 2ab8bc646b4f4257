import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { app, BIN, cleanEnv, freePort } from '../helpers/run';

/**
 * OTEL_METRICS_EXPORTER=prometheus through the launcher: the program serves a scrape endpoint whose
 * page promtool accepts and whose request-duration histogram counts every request; a real
 * Prometheus server (Debian's `prometheus`) scrapes it and answers a query with the count.
 */

const REQUESTS = 7;
const children: ChildProcess[] = [];
after(() => children.forEach((c) => c.kill('SIGKILL')));


function fetchText(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    }).on('error', reject);
  });
}

/** Starts the fixture under the launcher, serving REQUESTS requests, and waits until it is ready. */
async function startProgram(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'node', app('serve-and-exit.cjs'), String(REQUESTS), 'wait'], {
    env: cleanEnv({ OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: String(port), OTEL_SERVICE_NAME: 'shop' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the program exited (${code}) before it was ready`)));
  });
  return child;
}

describe('the Prometheus scrape endpoint', () => {
  it(`serves every request in http_server_request_duration_seconds, with target_info; promtool accepts the page`, async () => {
    const port = await freePort();
    const child = await startProgram(port);
    const page = await fetchText(`http://127.0.0.1:${port}/metrics`);
    child.kill('SIGTERM');
    assert.equal(page.status, 200);
    assert.match(page.type, /^text\/plain; version=0\.0\.4/);
    assert.match(page.body, /^# TYPE http_server_request_duration_seconds histogram$/m);
    const count = /^http_server_request_duration_seconds_count\{([^}]*)\} (\d+)$/m.exec(page.body);
    assert.ok(count, page.body);
    assert.equal(Number(count[2]), REQUESTS);
    assert.match(count[1]!, /http_request_method="GET"/);
    assert.match(count[1]!, /otel_scope_name="http"/);
    assert.match(page.body, /^target_info\{[^}]*service_name="shop"[^}]*\} 1$/m);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: page.body, encoding: 'utf8' });
    if (check.error) {
      if (process.env.CI === 'true') throw new Error('promtool is not on PATH, and CI=true');
      return;
    }
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  });

  it('a real Prometheus server scrapes it; its query API returns the request count', async (t) => {
    const which = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
    if (which.error) {
      if (process.env.CI === 'true') throw new Error('prometheus is not on PATH, and CI=true');
      return t.skip('prometheus is not on PATH (Debian: apt-get install prometheus)');
    }
    const [port, promPort] = [await freePort(), await freePort()];
    const child = await startProgram(port);
    const dir = mkdtempSync(join(tmpdir(), 'ts-otel-run-prom-'));
    try {
      const config = join(dir, 'prometheus.yml');
      writeFileSync(
        config,
        ['global:', '  scrape_interval: 1s', 'scrape_configs:', '  - job_name: shop', '    static_configs:', `      - targets: ['127.0.0.1:${port}']`, ''].join('\n'),
      );
      const prometheus = spawn(
        'prometheus',
        [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
        { stdio: 'ignore' },
      );
      children.push(prometheus);
      const query = encodeURIComponent('sum(http_server_request_duration_seconds_count{job="shop"})');
      let value: number | undefined;
      // Until the first scrape is stored (polled; the test does not time anything).
      for (let i = 0; i < 300 && value === undefined; i++) {
        await new Promise((r) => setTimeout(r, 100));
        try {
          const r = await fetchText(`http://127.0.0.1:${promPort}/api/v1/query?query=${query}`);
          const result = JSON.parse(r.body)?.data?.result?.[0]?.value?.[1];
          if (result !== undefined) value = Number(result);
        } catch {
          // not listening yet
        }
      }
      prometheus.kill('SIGTERM');
      child.kill('SIGTERM');
      assert.equal(value, REQUESTS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
