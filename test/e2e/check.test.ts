import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { app, cleanEnv, freePort, launcher } from '../helpers/run';

/**
 * `ts-otel-run check` on fixture programs: expectations met and missed (exit codes and messages),
 * a crashing program, a program that never ends (timeout), readiness and probes, JUnit and JSON
 * reports read back.
 */

const dir = mkdtempSync(join(tmpdir(), 'ts-otel-run-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));


const check = (args: string[], env: NodeJS.ProcessEnv = {}) => launcher(['check', ...args], { env: cleanEnv(env), timeoutMs: 60_000 });

describe('ts-otel-run check', () => {
  it('expectations met: exit 0, a summary of what arrived; the program output passes through', async () => {
    const r = await check([
      '--expect-span',
      'GET',
      '--expect-span',
      'GET{http.response.status_code=200,url.path=/^\\/r\\d$/}',
      '--expect-metric',
      'http.server.request.duration',
      '--expect-metric',
      '/^nodejs\\.eventloop\\./',
      '--min-spans',
      '6',
      '--no-error-spans',
      '--expect-service',
      'shop',
      '--service_name',
      'shop',
      '--',
      'node',
      app('serve-and-exit.cjs'),
      '3',
      'natural',
    ]);
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /GET/);
    assert.match(r.stdout, /shop/);
    assert.match(r.stdout, /http\.server\.request\.duration/);
  });

  it('a missed expectation: exit 1, naming it and the closest thing seen', async () => {
    const r = await check(['--expect-span', 'GET /nope', '--expect-metric', 'http.server.duration', '--', 'node', app('serve-and-exit.cjs'), '2', 'natural']);
    assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /GET \/nope/);
    assert.match(r.stdout, /http\.server\.request\.duration/, 'the closest metric name is shown');
  });

  it('with no expectation, at least one span is expected', async () => {
    const none = await check(['--', 'node', '-e', '0']);
    assert.equal(none.code, 1, `${none.stdout}${none.stderr}`);
    const some = await check(['--', 'node', app('serve-and-exit.cjs'), '1', 'natural']);
    assert.equal(some.code, 0, `${some.stdout}${some.stderr}`);
  });

  it("a crashing program fails the check, unless --allow-failure; its span still arrived", async () => {
    const failed = await check(['--', 'node', app('serve-and-exit.cjs'), '2', 'throw']);
    assert.equal(failed.code, 1, failed.stdout);
    assert.match(failed.stderr, /crash in handler/, "the program's own crash is shown");
    const allowed = await check(['--allow-failure', '--expect-span', 'GET', '--', 'node', app('serve-and-exit.cjs'), '2', 'throw']);
    assert.equal(allowed.code, 0, allowed.stdout);
  });

  it('a program that never ends is stopped at the timeout: that fails the check (unless allowed); what it sent is judged', async () => {
    const r = await check(['--timeout', '2', '--expect-span', 'GET', '--', 'node', app('serve-and-exit.cjs'), '2', 'wait']);
    assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /timed out|timeout/i);
    assert.match(r.stdout, /✓ expect-span "GET"/);
    const allowed = await check(['--timeout', '2', '--allow-failure', '--expect-span', 'GET', '--', 'node', app('serve-and-exit.cjs'), '2', 'wait']);
    assert.equal(allowed.code, 0, `${allowed.stdout}${allowed.stderr}`);
  });

  it('--ready and --probe: the probes are traced, then the program is stopped; reports in JUnit and JSON', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const xml = join(dir, 'report.xml');
    const json = join(dir, 'report.json');
    const args = [
      '--ready',
      `${base}/health`,
      '--probe',
      `${base}/hello`,
      '--probe',
      `${base}/users/42`,
      '--probe-count',
      '3',
      '--expect-span',
      'GET{http.response.status_code=200}',
      '--expect-log',
      'serving GET /users/42',
      '--expect-span',
      'GET /never',
    ];
    const r = await check([...args, '--report', xml, '--', 'node', app('http-server.js'), '--serve'], { PORT: String(port) });
    assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
    const report = readFileSync(xml, 'utf8');
    assert.match(report, /^<\?xml/);
    const testcases = report.match(/<testcase\b/g) ?? [];
    const failures = report.match(/<failure\b/g) ?? [];
    assert.ok(testcases.length >= 4, report);
    assert.equal(failures.length, 1, report);
    assert.match(report, /GET \/never/);

    const again = await check([...args.slice(0, -2), '--report', json, '--', 'node', app('http-server.js'), '--serve'], { PORT: String(port) });
    assert.equal(again.code, 0, `${again.stdout}${again.stderr}`);
    const parsed = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(parsed.passed, true);
    const server = parsed.summary.spans.filter((s: { name: string }) => s.name === 'GET');
    assert.ok(server.reduce((n: number, s: { count: number }) => n + s.count, 0) >= 6, JSON.stringify(parsed.summary.spans));
  });

  it("expectations under the config file's check key; the command line's replace them", async () => {
    const project = mkdtempSync(join(dir, 'project-'));
    const rc = join(project, '.ts-otel-runrc');
    writeFileSync(rc, JSON.stringify({ service_name: 'cfgshop', check: { 'expect-span': 'GET', expectService: 'cfgshop', minSpans: 2, noErrorSpans: true } }));
    const run = (args: string[]) => launcher(['check', ...args, '--', 'node', app('serve-and-exit.cjs'), '2', 'natural'], { env: cleanEnv(), cwd: project, timeoutMs: 60_000 });
    const met = await run([]);
    assert.equal(met.code, 0, `${met.stdout}${met.stderr}`);
    assert.match(met.stdout, /expect-service "cfgshop"/);
    const replaced = await run(['--expect-span', 'GET /nope']);
    assert.equal(replaced.code, 1, replaced.stdout);
    assert.match(replaced.stdout, /GET \/nope/);
    writeFileSync(rc, JSON.stringify({ check: { expectSpans: 'GET' } }));
    const bad = await run([]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /check: unknown key 'expectSpans'/);
  });

  it('a test runner as the command: check -- npm test', async () => {
    const r = await launcher(['check', '--expect-span', 'GET', '--min-spans', '4', '--', 'npm', 'test'], {
      env: cleanEnv(),
      cwd: app('npm-project'),
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  });

  it('usage errors exit 2 before anything runs', async () => {
    for (const args of [
      ['--min-spans', 'many', '--', 'node', '-e', '0'],
      ['--probe', 'ftp://x', '--', 'node', '-e', '0'],
      ['--report', 'out.txt', '--', 'node', '-e', '0'],
      ['--expect-span', '/(/', '--', 'node', '-e', '0'],
    ]) {
      const r = await check(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^ts-otel-run: error: /m);
    }
  });
});
