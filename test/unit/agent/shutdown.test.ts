import { strict as assert } from 'node:assert';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { FLUSH_SIGNALS, installShutdown } from '../../../src/agent/shutdown';
import { diag } from '../../../src/diag/index';
import { run, type RunResult } from '../../helpers/run';

const SHUTDOWN = resolve(__dirname, '..', '..', '..', 'src', 'agent', 'shutdown.js');
const DIAG = resolve(__dirname, '..', '..', '..', 'src', 'diag', 'index.js');

interface Scenario {
  /** The body of options.flush (an async function). */
  flush?: string;
  deadlineMs?: number;
  /** The program after installShutdown. */
  program: string;
  /** Install nothing (the program as Node runs it without us). */
  without?: boolean;
}

/**
 * A child program: installShutdown with a flush, flushSync and onFatal that write what happens to
 * stdout synchronously, then `program`. The installShutdown call sits on one line so that stack
 * traces are the same with and without it.
 */
function source(s: Scenario): string {
  return [
    `const fs = require('fs'); const log = (m) => fs.writeSync(1, m + '\\n');`,
    `const { installShutdown } = require(${JSON.stringify(SHUTDOWN)}); const { diag } = require(${JSON.stringify(DIAG)});`,
    `if (!process.env.WITHOUT) installShutdown({ flush: async () => { log('flush'); ${s.flush ?? "await new Promise((r) => setTimeout(r, 20)); log('flushed');"} }, flushSync: () => log('flushSync'), onFatal: (e) => log('onFatal ' + (e && e.message)), deadlineMs: ${s.deadlineMs ?? 3000}, diag });`,
    s.program,
  ].join('\n');
}

function runScenario(s: Scenario, onReady?: (child: { kill(signal: NodeJS.Signals): boolean; pid?: number }) => void): Promise<RunResult & { wall: number }> {
  const started = Date.now();
  let readySeen = false;
  return run(process.execPath, ['-e', source(s)], {
    timeoutMs: 20_000,
    env: { ...process.env, ...(s.without ? { WITHOUT: '1' } : {}), NODE_OPTIONS: '' },
    onStdout: (text, child) => {
      if (!readySeen && text.includes('ready\n')) {
        readySeen = true;
        onReady?.(child as never);
      }
    },
  }).then((r) => ({ ...r, wall: Date.now() - started }));
}

const lines = (stdout: string) => stdout.trim().split('\n').filter(Boolean);
const count = (stdout: string, line: string) => lines(stdout).filter((l) => l === line).length;

describe('installShutdown: natural end', () => {
  it('flushes once at beforeExit; the exit hand-off runs once; the exit code is kept', async () => {
    const r = await runScenario({ program: `log('ready'); process.exitCode = 0;` });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), ['ready', 'flush', 'flushed', 'flushSync']);
    assert.equal(r.stderr, '');
  });

  it('a program that sets process.exitCode keeps it', async () => {
    const r = await runScenario({ program: `process.exitCode = 6; log('ready');` });
    assert.equal(r.code, 6);
    assert.equal(count(r.stdout, 'flush'), 1);
  });

  it('work the program schedules in its own beforeExit still runs, and the flush is not repeated', async () => {
    const r = await runScenario({
      program: `let n = 0; process.on('beforeExit', () => { if (n++ < 2) setTimeout(() => log('program work ' + n), 5); }); log('ready');`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(count(r.stdout, 'flush'), 1);
    assert.ok(r.stdout.includes('program work 1') && r.stdout.includes('program work 2'), r.stdout);
  });

  it('a flush that never finishes is bounded by the deadline: the process still ends, and says so', async () => {
    const r = await runScenario({ flush: 'await new Promise(() => {});', deadlineMs: 300, program: `log('ready');` });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.wall < 5000, `took ${r.wall} ms`);
    assert.match(r.stderr, /telemetry flush did not finish within 300 ms/);
    // the collector is not answering: the exit hand-off would wait a second time
    assert.equal(count(r.stdout, 'flushSync'), 0);
  });

  it('a flush that rejects does not disturb the exit', async () => {
    const r = await runScenario({ flush: "throw new Error('flush failed');", program: `log('ready');` });
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.equal(count(r.stdout, 'flushSync'), 1);
  });
});

describe('installShutdown: process.exit()', () => {
  it('process.exit calls flushSync once and keeps the code', async () => {
    const r = await runScenario({ program: `log('ready'); setTimeout(() => process.exit(9), 5);` });
    assert.equal(r.code, 9);
    assert.deepEqual(lines(r.stdout), ['ready', 'flushSync']);
  });

  it('a flushSync that throws does not change the exit', async () => {
    const src = source({ program: `log('ready'); process.exit(4);` }).replace("flushSync: () => log('flushSync')", "flushSync: () => { throw new Error('x'); }");
    const r = await run(process.execPath, ['-e', src], { timeoutMs: 20_000 });
    assert.equal(r.code, 4);
    assert.equal(r.stderr, '');
  });
});

describe('installShutdown: signals', () => {
  for (const signal of FLUSH_SIGNALS) {
    it(`${signal} without a program handler: flush, hand-off, then death by ${signal}`, async () => {
      const r = await runScenario({ program: `setInterval(() => {}, 1000); log('ready');` }, (child) => child.kill(signal));
      assert.equal(r.signal, signal, `code ${r.code}, stderr ${r.stderr}`);
      assert.equal(r.code, null);
      assert.deepEqual(lines(r.stdout), ['ready', 'flush', 'flushed', 'flushSync']);
    });
  }

  it('SIGTERM with a flush that never finishes: death by SIGTERM after the deadline', async () => {
    const r = await runScenario(
      { flush: 'await new Promise(() => {});', deadlineMs: 300, program: `setInterval(() => {}, 1000); log('ready');` },
      (child) => child.kill('SIGTERM'),
    );
    assert.equal(r.signal, 'SIGTERM');
    assert.ok(r.wall < 5000, `took ${r.wall} ms`);
    assert.match(r.stderr, /did not finish within 300 ms/);
  });

  it('SIGTERM with a program handler that exits 0: the program decides', async () => {
    const r = await runScenario(
      {
        program: `process.on('SIGTERM', () => { log('program handler'); process.exit(0); }); setInterval(() => {}, 1000); log('ready');`,
      },
      (child) => child.kill('SIGTERM'),
    );
    assert.equal(r.signal, null);
    assert.equal(r.code, 0);
    assert.ok(r.stdout.includes('program handler'), r.stdout);
    assert.equal(count(r.stdout, 'flushSync'), 1);
  });

  it('SIGTERM with a program handler that keeps running: flushed alongside, the program goes on', async () => {
    const r = await runScenario(
      {
        program: [
          `const keep = setInterval(() => {}, 1000);`,
          `process.on('SIGTERM', () => { log('program handler'); setTimeout(() => { log('still running'); clearInterval(keep); }, 300); });`,
          `log('ready');`,
        ].join('\n'),
      },
      (child) => child.kill('SIGTERM'),
    );
    assert.equal(r.signal, null, r.stdout);
    assert.equal(r.code, 0);
    const out = lines(r.stdout);
    assert.ok(out.includes('program handler') && out.includes('flushed') && out.includes('still running'), r.stdout);
    assert.ok(out.indexOf('flushed') < out.indexOf('still running'));
  });

  it('a program handler added with once(): the program decides this time too', async () => {
    const r = await runScenario(
      { program: `process.once('SIGINT', () => { log('once handler'); setTimeout(() => process.exit(3), 50); }); setInterval(() => {}, 1000); log('ready');` },
      (child) => child.kill('SIGINT'),
    );
    assert.equal(r.signal, null);
    assert.equal(r.code, 3);
    assert.ok(r.stdout.includes('once handler'));
  });
});

describe('installShutdown: fatal errors', () => {
  const normalize = (stderr: string) => stderr.replace(/\(node:\d+\)/g, '(node:PID)');

  for (const [what, program, message] of [
    ['an uncaught exception', `log('ready'); setTimeout(() => { throw new Error('boom'); }, 5);`, 'boom'],
    ['an unhandled rejection', `log('ready'); setTimeout(() => { Promise.reject(new Error('rejected')); }, 5);`, 'rejected'],
    ['a synchronous throw at start', `log('ready'); throw new TypeError('at start');`, 'at start'],
  ] as const) {
    it(`${what}: onFatal is called, and the exit code and stderr are Node's own`, async () => {
      const withUs = await runScenario({ program });
      const without = await runScenario({ program, without: true });
      assert.notEqual(without.code, 0, 'the program does die');
      assert.equal(withUs.code, without.code);
      assert.equal(withUs.signal, without.signal);
      assert.equal(normalize(withUs.stderr), normalize(without.stderr));
      assert.ok(withUs.stderr.includes(message), withUs.stderr);
      assert.equal(count(withUs.stdout, `onFatal ${message}`), 1, withUs.stdout);
      assert.equal(count(withUs.stdout, 'flushSync'), 1, 'the exit hand-off runs after the fatal error');
      assert.ok(lines(withUs.stdout).indexOf(`onFatal ${message}`) < lines(withUs.stdout).indexOf('flushSync'));
    });
  }

  it('an onFatal that throws does not change the crash', async () => {
    const program = `log('ready'); setTimeout(() => { throw new Error('boom'); }, 5);`;
    const src = source({ program }).replace("onFatal: (e) => log('onFatal ' + (e && e.message))", "onFatal: () => { throw new Error('onFatal broke'); }");
    const withUs = await run(process.execPath, ['-e', src], { timeoutMs: 20_000 });
    const without = await runScenario({ program, without: true });
    assert.equal(withUs.code, without.code);
    assert.equal(withUs.stderr.replace(/\(node:\d+\)/g, ''), without.stderr.replace(/\(node:\d+\)/g, ''));
    assert.doesNotMatch(withUs.stderr, /onFatal broke/);
  });
});

describe('installShutdown: removal', () => {
  it('the returned function removes every listener it added', () => {
    const events = ['beforeExit', 'exit', 'uncaughtExceptionMonitor', ...FLUSH_SIGNALS] as const;
    const before = events.map((e) => process.listenerCount(e));
    const remove = installShutdown({ flush: async () => {}, deadlineMs: 100, diag });
    assert.deepEqual(
      events.map((e) => process.listenerCount(e)),
      before.map((n) => n + 1),
    );
    remove();
    assert.deepEqual(
      events.map((e) => process.listenerCount(e)),
      before,
    );
  });
});
