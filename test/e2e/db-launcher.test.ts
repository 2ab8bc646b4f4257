import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { consoleSpans } from '../helpers/console-spans';
import { app, cleanEnv, launcher, run } from '../helpers/run';
import { serviceSkip } from '../helpers/services';

/**
 * mysql2, node-redis and ioredis through the launcher (pg's run is in tracing-console.test.ts), and
 * the rule every database instrumentation keeps: a failed call the program leaves unhandled still
 * ends the process as it would without the launcher.
 */

const skipUnless = async (...services: [string, number][]) => {
  for (const [name, port] of services) {
    const skip = await serviceSkip(name, port);
    if (skip) return skip;
  }
  return false;
};

describe('mysql2, redis and ioredis through the launcher', () => {
  for (const fixture of ['db-clients.cjs', 'db-clients.mjs']) {
    it(`${fixture}: every query and command of the request is its child, with no literal or value`, async (t) => {
      const skip = await skipUnless(['MariaDB', 3306], ['Redis', 6379]);
      if (skip) return t.skip(skip);
      const r = await launcher(['node', app(fixture)], { env: cleanEnv({ OTEL_TRACES_EXPORTER: 'console' }) });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '42 true\n');
      const all = consoleSpans(r.stderr);
      const server = all.find((s) => s.kind === 'SERVER')!;
      const children = all.filter((s) => s.parent_id === server.context.span_id);
      const by = (system: string) => children.filter((s) => s.attributes['db.system.name'] === system);
      assert.deepEqual(
        by('mariadb').map((s) => s.attributes['db.query.text']),
        ['SELECT ? AS s, ? + ? AS n', 'SELECT ? AS v'],
      );
      // node-redis SET, GET, DEL and ioredis SET, PIPELINE, in the order they ended.
      assert.deepEqual(
        by('redis').map((s) => s.name),
        ['SET', 'GET', 'SET', 'PIPELINE', 'DEL'],
      );
      assert.equal(by('redis')[0]!.attributes['db.query.text'], 'SET db-clients:key ?');
      for (const secret of ['mysql-secret', 'bound-secret', 'redis-secret', 'ioredis-secret']) {
        assert.ok(!r.stderr.includes(secret), `${secret} is in no span`);
      }
    });
  }
});

describe('a failed database call the program does not handle ends the process, as without the launcher', () => {
  const cases: [string, [string, number]][] = [
    ['pg', ['PostgreSQL', 5432]],
    ['pg-pool-connect', ['PostgreSQL', 5432]],
    ['redis', ['Redis', 6379]],
    ['ioredis', ['Redis', 6379]],
    ['ioredis-multi', ['Redis', 6379]],
  ];
  for (const [call, service] of cases) {
    it(call, async (t) => {
      const skip = await skipUnless(service);
      if (skip) return t.skip(skip);
      const plain = await run(process.execPath, [app('db-unhandled.cjs'), call]);
      assert.equal(plain.code, 1, `without the launcher: ${plain.stdout}${plain.stderr}`);
      const traced = await launcher(['--traces_exporter', 'console', '--db_connect_spans', 'true', 'node', app('db-unhandled.cjs'), call], {
        env: cleanEnv(),
      });
      assert.equal(traced.code, 1, `under the launcher: ${traced.stdout}${traced.stderr}`);
      assert.equal(traced.stdout, '');
      const error = (text: string) => text.split('\n').find((l) => /^\w*Error\b|^error:/.test(l));
      assert.ok(error(plain.stderr), plain.stderr);
      assert.equal(error(traced.stderr), error(plain.stderr), 'the same error ends both');
      assert.ok(consoleSpans(traced.stderr).some((s) => s.status.status_code === 'ERROR'), 'its span was exported first');
    });
  }
});
