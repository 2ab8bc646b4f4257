import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { after, beforeEach, describe, it } from 'node:test';
import { diag } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry } from '../../src/instrumentation/registry';
import type { ReadableLogRecord } from '../../src/logs/types';
import { testEngine } from '../helpers/engine';

/**
 * pino 7.0.0 (`pino-oldest`, the first with pino.multistream and transports) and pino 10: trace
 * ids in the program's own lines, and one record per line, made from the line as pino wrote it.
 * Loggers write to destinations the test holds; the same logger made with the instrumentation
 * disabled shows what pino prints without us.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const SECRET = 'tOp-SeCrEt-vAlUe-42';
/** A fixed time, so that two loggers' lines can be compared byte for byte. */
const FIXED_TIME = () => ',"time":1700000000000';
const TRACE_FIELDS = /,?"trace_id":"[0-9a-f]{32}","span_id":"[0-9a-f]{16}","trace_flags":"[0-9a-f]{2}"/;

const engine = testEngine();
const records = engine.logs.records;
const tracer = engine.tracerProvider.getTracer('app');
const registry = new Registry(
  CATALOG.filter((e) => e.id === 'pino'),
  engine.config,
  diag,
  engine.services,
);
const tmp = mkdtempSync(join(tmpdir(), 'ts-otel-run-pino-'));
after(() => {
  registry.disable('pino');
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  engine.logs.clear();
  engine.memory.clear();
});

/** A destination that keeps what it is given, a string per write. */
function sink(): { stream: Writable; chunks: string[]; lines(): string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    decodeStrings: false,
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  return { stream, chunks, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

/** What pino writes without the trace fields, which the line either has together or not at all. */
const withoutTrace = (line: string) => line.replace(TRACE_FIELDS, '').replace('{,', '{');

/** Runs `fn` inside a new active span and returns that span's ids. */
type Ids = { traceId: string; spanId: string; traceFlags: number };
function inSpan(fn: () => void): Ids {
  return tracer.startActiveSpan<(span: any) => Ids>('op', (span: any) => {
    try {
      fn();
    } finally {
      span.end();
    }
    return span.spanContext();
  });
}

const plain = (r: ReadableLogRecord) => ({ severityNumber: r.severityNumber, severityText: r.severityText, body: r.body });

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
}

for (const name of ['pino-oldest', 'pino']) {
  const dir = dirname(require.resolve(`${name}/package.json`));
  const version: string = require(join(dir, 'package.json')).version;
  const major = Number(version.split('.')[0]);
  const original = require(name);
  const pino = registry.onModule('pino', original, dir, 'commonjs') as any;
  const { streamSym, mixinSym } = original.symbols;

  /** The same logger with the instrumentation disabled: what pino prints without us. */
  function uninstrumented(...args: unknown[]): any {
    registry.disable('pino');
    try {
      return pino(...args);
    } finally {
      registry.enable('pino');
    }
  }

  describe(`${name} (${version})`, () => {
    it('the factory is replaced, its static properties kept, and reachable as .pino and .default', () => {
      assert.notEqual(pino, original);
      assert.equal(pino.name, 'pino');
      assert.equal(pino.pino, pino);
      assert.equal(pino.default, pino);
      for (const key of ['destination', 'transport', 'multistream', 'levels', 'stdSerializers', 'stdTimeFunctions', 'symbols', 'version']) {
        assert.equal(pino[key], original[key], key);
      }
    });

    it('six levels: one record each, the severity number from the level and its label as text', () => {
      const out = sink();
      const logger = pino({ level: 'trace' }, out.stream);
      for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) logger[level](`at ${level}`);
      assert.equal(out.lines().length, 6);
      assert.deepEqual(records.map(plain), [
        { severityNumber: 1, severityText: 'trace', body: 'at trace' },
        { severityNumber: 5, severityText: 'debug', body: 'at debug' },
        { severityNumber: 9, severityText: 'info', body: 'at info' },
        { severityNumber: 13, severityText: 'warn', body: 'at warn' },
        { severityNumber: 17, severityText: 'error', body: 'at error' },
        { severityNumber: 21, severityText: 'fatal', body: 'at fatal' },
      ]);
      for (const r of records) assert.equal(r.instrumentationScope.name, 'pino');
    });

    it('body and attributes: the message formatted, child bindings, nested maps, errors as serialized', () => {
      const out = sink();
      const logger = pino(out.stream);
      const child = logger.child({ requestId: 'r-1', route: { path: '/users/:id' } });
      child.info({ user: { id: 7, tags: ['a', 'b'] }, ok: true }, 'hello %s', 'world');
      const error = new Error('boom');
      child.error(error);
      logger.info({ count: 3 });
      assert.equal(records.length, 3);
      const [hello, boom, noMessage] = records;
      assert.equal(hello.body, 'hello world');
      assert.deepEqual(hello.attributes, {
        pid: process.pid,
        hostname: JSON.parse(out.lines()[0]).hostname,
        requestId: 'r-1',
        route: { path: '/users/:id' },
        user: { id: 7, tags: ['a', 'b'] },
        ok: true,
      });
      assert.equal(boom.body, 'boom');
      assert.equal(boom.severityNumber, 17);
      const err = boom.attributes.err as Record<string, unknown>;
      assert.equal(err.type, 'Error');
      assert.equal(err.message, 'boom');
      assert.equal(err.stack, error.stack);
      assert.equal(noMessage.body, undefined);
      assert.equal(noMessage.attributes.count, 3);
      for (const r of records) {
        for (const key of ['msg', 'level', 'time', 'trace_id', 'span_id', 'trace_flags']) assert.ok(!(key in r.attributes), key);
      }
    });

    it("timestamp from pino's time when it is epoch milliseconds (or ISO); unset otherwise", () => {
      const out = sink();
      pino(out.stream).info('epoch');
      pino({ timestamp: original.stdTimeFunctions.isoTime }, out.stream).info('iso');
      pino({ timestamp: false }, out.stream).info('none');
      pino({ timestamp: () => ',"time":"yesterday"' }, out.stream).info('custom');
      pino({ timestamp: original.stdTimeFunctions.unixTime }, out.stream).info('seconds');
      const lines = out.lines().map((l) => JSON.parse(l));
      const ms = (r: ReadableLogRecord) => (r.timestamp ? r.timestamp[0] * 1e3 + r.timestamp[1] / 1e6 : undefined);
      assert.equal(ms(records[0]), lines[0].time);
      assert.equal(ms(records[1]), Date.parse(lines[1].time));
      assert.deepEqual(records.slice(2).map((r) => r.timestamp), [undefined, undefined, undefined]);
      // The time pino wrote is never an attribute, whatever its format.
      for (const r of records) assert.ok(!('time' in r.attributes));
    });

    it('redaction: what pino redacts or removes is never exported', () => {
      const out = sink();
      const censored = pino({ redact: ['password', 'user.token', 'headers["x-api-key"]'] }, out.stream);
      censored.info({ password: SECRET, user: { name: 'ann', token: SECRET }, headers: { 'x-api-key': SECRET } }, 'login');
      const removed = pino({ redact: { paths: ['card.number'], remove: true } }, out.stream);
      removed.child({ card: { number: SECRET, brand: 'visa' } }).warn('paid');
      censored.child({}, { redact: ['session'] }).info({ session: SECRET }, 'child redaction');
      assert.equal(records.length, 3);
      assert.ok(!JSON.stringify(out.chunks).includes(SECRET));
      assert.ok(!JSON.stringify(records.map((r) => [r.body, r.attributes])).includes(SECRET), 'no secret in a record');
      assert.deepEqual(records[0].attributes.user, { name: 'ann', token: '[Redacted]' });
      assert.equal(records[0].attributes.password, '[Redacted]');
      assert.deepEqual(records[1].attributes.card, { brand: 'visa' });
      assert.equal(records[2].attributes.session, '[Redacted]');
    });

    it('serializers and formatters shape the record as they shape the line', () => {
      const out = sink();
      const logger = pino(
        {
          serializers: { user: (u: any) => ({ id: u.id }) },
          formatters: {
            level: (label: string) => ({ severity: label.toUpperCase() }),
            bindings: (b: any) => ({ host: b.hostname }),
            log: (o: any) => ({ ...o, shaped: true }),
          },
        },
        out.stream,
      );
      logger.warn({ user: { id: 1, password: SECRET } }, 'shaped');
      const line = JSON.parse(out.lines()[0]);
      assert.equal(line.severity, 'WARN');
      assert.equal(records.length, 1);
      // The level comes from pino's level number, not from the line's (renamed) level field.
      assert.equal(records[0].severityNumber, 13);
      assert.equal(records[0].severityText, 'warn');
      assert.deepEqual(records[0].attributes, { severity: 'WARN', host: line.host, user: { id: 1 }, shaped: true });
    });

    it('custom levels (by their number) and useOnlyCustomLevels', () => {
      const out = sink();
      const logger = pino({ customLevels: { audit: 35, alarm: 70 }, level: 'trace' }, out.stream);
      logger.audit('audited');
      logger.alarm('alarmed');
      logger.info('info');
      const only = pino({ customLevels: { low: 10, mid: 35, high: 55 }, useOnlyCustomLevels: true, level: 'low' }, out.stream);
      only.low('low');
      only.mid('mid');
      only.high('high');
      assert.equal(out.lines().length, 6);
      assert.deepEqual(records.map(plain), [
        { severityNumber: 9, severityText: 'audit', body: 'audited' },
        { severityNumber: 21, severityText: 'alarm', body: 'alarmed' },
        { severityNumber: 9, severityText: 'info', body: 'info' },
        { severityNumber: 1, severityText: 'low', body: 'low' },
        { severityNumber: 9, severityText: 'mid', body: 'mid' },
        { severityNumber: 17, severityText: 'high', body: 'high' },
      ]);
    });

    it('messageKey: the body is read from it, and it is not an attribute', () => {
      const out = sink();
      pino({ messageKey: 'message' }, out.stream).info({ msg: 'a field like any other' }, 'the message');
      assert.equal(JSON.parse(out.lines()[0]).message, 'the message');
      assert.equal(records[0].body, 'the message');
      assert.equal(records[0].attributes.msg, 'a field like any other');
      assert.ok(!('message' in records[0].attributes));
    });

    it("inside a span: trace ids in the line and the record's trace; outside: neither", () => {
      const out = sink();
      const logger = pino(out.stream);
      logger.info('before');
      const sc = inSpan(() => logger.child({ step: 1 }).info({ n: 1 }, 'during'));
      logger.info('after');
      const [before, during, afterLine] = out.lines().map((l) => JSON.parse(l));
      assert.equal(before.trace_id, undefined);
      assert.equal(afterLine.trace_id, undefined);
      assert.equal(during.trace_id, sc.traceId);
      assert.equal(during.span_id, sc.spanId);
      assert.equal(during.trace_flags, '01');
      assert.deepEqual(
        records.map((r) => r.spanContext),
        [undefined, { traceId: sc.traceId, spanId: sc.spanId, traceFlags: 1 }, undefined],
      );
      assert.deepEqual(records[1].attributes, { pid: process.pid, hostname: during.hostname, step: 1, n: 1 });
    });

    it('the record takes the span active at the log call, whatever the destination does later', async () => {
      // A destination that finishes writing on a later tick must not move the record's trace.
      const lines: string[] = [];
      const slow = new Writable({
        write(chunk, _encoding, callback) {
          setImmediate(() => {
            lines.push(String(chunk));
            callback();
          });
        },
      });
      const logger = pino(slow);
      const first = inSpan(() => logger.info('one'));
      const second = inSpan(() => logger.info('two'));
      await until(() => lines.length === 2, 'both lines written');
      assert.deepEqual(
        records.map((r) => r.spanContext?.spanId),
        [first.spanId, second.spanId],
      );
    });

    it("byte for byte what pino prints without us, apart from the trace fields inside a span", () => {
      const error = new Error('boom');
      const configs: Record<string, unknown>[] = [
        {},
        { messageKey: 'message', base: null },
        { name: 'svc', level: 'debug', base: { app: 'x' } },
        { customLevels: { audit: 35 }, level: 'audit' },
        { customLevels: { low: 10, high: 50 }, useOnlyCustomLevels: true, level: 'low' },
        { redact: ['password'], serializers: { user: (u: any) => ({ id: u.id }) } },
        { formatters: { level: (label: string, n: number) => ({ lvl: label, n }) } },
        { crlf: true },
      ];
      for (const config of configs) {
        const ours = sink();
        const theirs = sink();
        const options = { ...config, timestamp: FIXED_TIME };
        const loggers = [pino(options, ours.stream), uninstrumented(options, theirs.stream)];
        assert.equal(loggers[1][streamSym], theirs.stream, 'the disabled factory leaves the logger alone');
        const levels = config.useOnlyCustomLevels ? ['low', 'high'] : config.customLevels ? ['audit', 'warn'] : ['info', 'warn'];
        for (const logger of loggers) {
          logger[levels[0]]('plain %s %d', 'text', 42);
          logger[levels[1]]({ password: SECRET, user: { id: 1, name: 'ann' }, list: [1, 'two', null], nested: { deep: { x: 1 } } }, 'object');
          logger[levels[1]](error);
          logger.child({ childField: 'c' })[levels[0]]({ k: 'v' }, 'child');
          inSpan(() => {
            logger[levels[0]]('plain in span');
            logger.child({ childField: 'c' })[levels[1]]({ k: 'v', password: SECRET }, 'child in span');
            logger[levels[1]](error);
          });
        }
        const label = JSON.stringify(config);
        const got = ours.chunks;
        const expected = theirs.chunks;
        assert.equal(got.length, 7, label);
        assert.deepEqual(got.slice(0, 4), expected.slice(0, 4), `${label}: outside a span`);
        for (let i = 4; i < 7; i++) {
          assert.match(got[i], TRACE_FIELDS, `${label}: trace fields in ${got[i]}`);
          assert.equal(withoutTrace(got[i]), expected[i], label);
        }
        assert.equal(records.length, 7, label);
        engine.logs.clear();
      }
    });

    it("a program's mixin still runs once per line, and its fields are kept next to ours", () => {
      const ours = sink();
      const theirs = sink();
      let calls = 0;
      const shared = { fromMixin: 'kept' }; // a mixin may hand out one object every time
      const options = {
        timestamp: FIXED_TIME,
        mixin() {
          calls++;
          return { ...shared };
        },
      };
      const loggers = [pino(options, ours.stream), uninstrumented(options, theirs.stream)];
      for (const logger of loggers) {
        logger.info({ a: 1 }, 'outside');
        inSpan(() => logger.info({ a: 2 }, 'inside'));
      }
      assert.equal(calls, 4);
      assert.equal(ours.chunks[0], theirs.chunks[0]);
      assert.equal(withoutTrace(ours.chunks[1]), theirs.chunks[1]);
      const inside = JSON.parse(ours.chunks[1]);
      assert.equal(inside.fromMixin, 'kept');
      assert.match(inside.trace_id, /^[0-9a-f]{32}$/);
      assert.deepEqual(shared, { fromMixin: 'kept' });
      // One shared object returned by the mixin itself is not changed by us either.
      const constant = { c: 1 };
      const logger = pino({ mixin: () => constant }, sink().stream);
      inSpan(() => logger.info('x'));
      assert.ok(!('trace_id' in constant));
      assert.equal(records[0].attributes.fromMixin, 'kept');
      assert.ok(!('trace_id' in records[1].attributes));
    });

    it("level 'silent' and enabled: false write nothing and export nothing, until the level changes", () => {
      const out = sink();
      const silent = pino({ level: 'silent' }, out.stream);
      const disabled = pino({ enabled: false }, out.stream);
      for (const logger of [silent, disabled]) {
        logger.fatal('nothing');
        inSpan(() => logger.error('nothing'));
      }
      assert.deepEqual(out.chunks, []);
      assert.equal(records.length, 0);
      disabled.level = 'info';
      disabled.info('now');
      assert.equal(out.lines().length, 1);
      assert.equal(records.length, 1);
    });

    it('pino(destinationStream), pino.destination() and logger.flush()', () => {
      const out = sink();
      pino(out.stream).info('to a stream');
      const file = join(tmp, `${name}-destination.log`);
      const destination = pino.destination({ dest: file, sync: true });
      const logger = pino(destination);
      logger.info({ to: 'file' }, 'to a file');
      assert.equal(JSON.parse(readFileSync(file, 'utf8')).msg, 'to a file');
      assert.deepEqual(records.map((r) => r.body), ['to a stream', 'to a file']);
      // flush() still reaches the program's destination through the stream we put next to it.
      let flushed = 0;
      const flushable = { write() {}, flush(cb?: () => void) { flushed++; cb?.(); } };
      const withFlush = pino({}, flushable);
      withFlush.info('x');
      let called = false;
      withFlush.flush(() => (called = true));
      assert.equal(flushed, 1);
      if (major >= 8) assert.ok(called, 'the callback of flush(cb)');
      destination.flushSync();
    });

    it('pino.transport(): the line reaches the worker, the record is made in the program', async () => {
      const file = join(tmp, `${name}-transport.log`);
      const transport = pino.transport({ target: 'pino/file', options: { destination: file } });
      const logger = pino(transport);
      const sc = inSpan(() => logger.warn({ via: 'transport' }, 'through a worker'));
      assert.equal(records.length, 1);
      assert.equal(records[0].spanContext?.spanId, sc.spanId);
      const read = () => {
        try {
          return readFileSync(file, 'utf8');
        } catch {
          return '';
        }
      };
      await until(() => read().includes('through a worker'), 'the line in the transport file');
      const line = JSON.parse(read());
      assert.equal(line.span_id, sc.spanId);
      assert.equal(line.via, 'transport');
      logger[streamSym].end();
    });

    it("a transport target is resolved from the program's file, not from ours", async () => {
      // pino finds the file its caller is in on the stack; the wrapper hands it the program's.
      const app = mkdtempSync(join(tmp, `${name}-app-`));
      writeFileSync(join(app, 'target.js'), `module.exports = require(${JSON.stringify(join(dir, 'file.js'))});\n`);
      writeFileSync(
        join(app, 'make-logger.js'),
        'module.exports = (pino, destination) => pino({ transport: { target: "./target.js", options: { destination } } });\n',
      );
      const file = join(app, 'out.log');
      const logger = require(join(app, 'make-logger.js'))(pino, file);
      logger.info('relative target');
      assert.equal(records.length, 1);
      await until(() => {
        try {
          return readFileSync(file, 'utf8').includes('relative target');
        } catch {
          return false;
        }
      }, 'the line in the file of the relative target');
      logger[streamSym].end();
    });

    if (major >= 8) {
      it('hooks.streamWrite: the record is made from the line as the hook left it; a line that is not JSON is skipped', () => {
        const out = sink();
        const masked = pino({ hooks: { streamWrite: (s: string) => s.replace(SECRET, '***') } }, out.stream);
        masked.info({ token: SECRET }, 'masked');
        const prefixed = pino({ hooks: { streamWrite: (s: string) => `LOG ${s}` } }, out.stream);
        assert.doesNotThrow(() => prefixed.info('not json any more'));
        assert.ok(out.chunks[1].startsWith('LOG {'));
        assert.equal(records.length, 1);
        assert.equal(records[0].attributes.token, '***');
      });
    }

    it('nestedKey: the attributes keep the nested map, without our trace fields', () => {
      const out = sink();
      const logger = pino({ nestedKey: 'payload' }, out.stream);
      inSpan(() => logger.info({ a: 1 }, 'nested'));
      inSpan(() => logger.info('nothing nested'));
      const [withObject, withoutObject] = out.lines().map((l) => JSON.parse(l));
      assert.equal(withObject.payload.a, 1);
      assert.match(withObject.payload.trace_id, /^[0-9a-f]{32}$/);
      // The one departure from pino's own output: pino writes no nested key when nothing is logged
      // under it, the mixin's fields make one.
      assert.deepEqual(Object.keys(withoutObject.payload), ['trace_id', 'span_id', 'trace_flags']);
      assert.deepEqual(records[0].attributes.payload, { a: 1 });
      assert.ok(!('payload' in records[1].attributes));
      assert.ok(records[1].spanContext);
    });

    it('enable → disable → enable: loggers pass through while disabled, and work again after', () => {
      const out = sink();
      const before = pino(out.stream);
      assert.notEqual(before[streamSym], out.stream);
      assert.equal(typeof before[mixinSym], 'function');

      registry.disable('pino');
      const made = pino(out.stream);
      assert.equal(made[streamSym], out.stream, 'a logger made while disabled is left alone');
      assert.equal(made[mixinSym], undefined);
      inSpan(() => {
        before.info('disabled, old logger');
        made.info('disabled, new logger');
      });
      assert.equal(records.length, 0);
      assert.ok(out.lines().every((l) => !l.includes('trace_id')));

      registry.enable('pino');
      const again = pino(out.stream);
      const sc = inSpan(() => {
        before.info('enabled again, old logger');
        again.info('enabled again, new logger');
        made.info('made while disabled');
      });
      assert.deepEqual(records.map((r) => r.body), ['enabled again, old logger', 'enabled again, new logger']);
      const lines = out.lines().slice(2).map((l) => JSON.parse(l));
      assert.deepEqual(lines.map((l) => l.span_id), [sc.spanId, sc.spanId, undefined]);
    });
  });
}
