import { strict as assert } from 'node:assert';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { after, beforeEach, describe, it } from 'node:test';
import { diag } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry } from '../../src/instrumentation/registry';
import { isWrapped } from '../../src/instrumentation/shimmer';
import { testEngine } from '../helpers/engine';
import { severityOfName } from '../../instrumentations/log-common';

/**
 * winston 3.0.0 (`winston-oldest`) and 3.19 (`winston`), with correlation and sending both on
 * (the defaults). The settings that turn them off are in winston-settings.test.ts.
 *
 * The program's output is read from a Stream transport, and checked against the same logger
 * while the instrumentation is disabled: byte for byte, once the three trace fields are taken out
 * of the lines logged inside a span.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const engine = testEngine();
const { logs } = engine;
const tracer = engine.tracerProvider.getTracer('app');
const registry = new Registry(CATALOG.filter((e) => e.id === 'winston'), engine.config, diag, engine.services);
after(() => registry.disable('winston'));
beforeEach(() => logs.clear());

const LEVEL = Symbol.for('level');

interface Ids {
  trace_id: string;
  span_id: string;
  trace_flags: string;
}

/** A Stream transport of `winston` and the lines it wrote. */
function capture(winston: any, options: Record<string, unknown> = {}): { lines: string[]; transport: any } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { lines, transport: new winston.transports.Stream({ stream, ...options }) };
}

/** Lets the streams between a logger and its transports move whatever they hold. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs `fn` inside an active span and returns the span's ids as the lines carry them. */
function inSpan(fn: () => void): Ids {
  return tracer.startActiveSpan('op', (span: any) => {
    try {
      fn();
    } finally {
      span.end();
    }
    const sc = span.spanContext();
    return { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: '01' };
  }) as Ids;
}

const TRACE_FIELD = /,"(?:trace_id|span_id|trace_flags)":"[0-9a-f]+"/g;
const withoutIds = (line: string) => line.replace(TRACE_FIELD, '');

function idsOf(line: string): Partial<Ids> {
  const { trace_id, span_id, trace_flags } = JSON.parse(line);
  return { trace_id, span_id, trace_flags };
}

/** The fields of a JSON line the record's attributes should hold: all but level, message and the ids. */
function fieldsOf(line: string): Record<string, unknown> {
  const { level: _l, message: _m, trace_id: _t, span_id: _s, trace_flags: _f, ...rest } = JSON.parse(line);
  return rest;
}

/** Logger.prototype, found from an instance: 3.0 does not export the class. */
function loggerProto(logger: object): any {
  let p = Object.getPrototypeOf(logger);
  while (p && !Object.prototype.hasOwnProperty.call(p, '_transform')) p = Object.getPrototypeOf(p);
  return p;
}

const bodies = (): unknown[] => logs.records.map((r) => r.body);

for (const name of ['winston-oldest', 'winston']) {
  const baseDir = dirname(require.resolve(join(name, 'package.json')));
  const version: string = require(join(baseDir, 'package.json')).version;
  const winston: any = registry.onModule('winston', require(name), baseDir, 'commonjs');
  const { format } = winston;
  const json = () => format.combine(format.splat(), format.json());
  // What winston 3.0.0 does not have yet: those tests run on the versions that do.
  const probe = winston.createLogger({ defaultMeta: { probe: true } });
  const has = {
    errorsFormat: typeof format.errors === 'function',
    childLoggers: probe.defaultMeta !== undefined && typeof probe.child === 'function',
    rejections: !!probe.rejections,
  };

  describe(`${name} (${version})`, () => {
    it('wraps write, _transform and push of Logger.prototype; the exports stay the module itself', () => {
      assert.equal(winston, require(name));
      const proto = loggerProto(winston.createLogger());
      for (const method of ['write', '_transform', 'push']) assert.ok(isWrapped(proto[method]), method);
      assert.ok(!isWrapped(winston.createLogger));
      assert.ok(!isWrapped(proto.log));
    });

    it('severity numbers and names for the npm levels; the time of the call', async () => {
      const { transport, lines } = capture(winston);
      const logger = winston.createLogger({ level: 'silly', format: json(), transports: [transport] });
      const before = Date.now();
      for (const level of ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']) logger[level](level);
      const afterCall = Date.now();
      await settle();
      assert.equal(lines.length, 7);
      assert.deepEqual(
        logs.records.map((r) => [r.body, r.severityNumber, r.severityText]),
        [
          ['error', 17, 'error'],
          ['warn', 13, 'warn'],
          ['info', 9, 'info'],
          // What log-common says of winston's `http`, whatever it is.
          ['http', severityOfName('http'), 'http'],
          ['verbose', 6, 'verbose'],
          ['debug', 5, 'debug'],
          ['silly', 1, 'silly'],
        ],
      );
      for (const r of logs.records) {
        const ms = r.timestamp![0] * 1000 + r.timestamp![1] / 1e6;
        assert.ok(ms >= before && ms <= afterCall, `${ms} within [${before}, ${afterCall}]`);
        assert.equal(r.instrumentationScope.name, 'winston');
      }
    });

    it('syslog levels, and custom levels placed by their rank next to the names it knows', async () => {
      const syslog = winston.createLogger({ levels: winston.config.syslog.levels, level: 'debug', transports: [capture(winston).transport] });
      for (const level of Object.keys(winston.config.syslog.levels)) syslog[level](level);
      const custom = winston.createLogger({
        levels: { panic: 0, error: 1, audit: 2, warn: 3, info: 4, chatter: 5 },
        level: 'chatter',
        transports: [capture(winston).transport],
      });
      for (const level of ['panic', 'error', 'audit', 'warn', 'info', 'chatter']) custom[level](level);
      const unknown = winston.createLogger({ levels: { high: 0, low: 1 }, level: 'low', transports: [capture(winston).transport] });
      unknown.high('high');
      unknown.low('low');
      await settle();
      assert.deepEqual(
        logs.records.map((r) => [r.body, r.severityNumber]),
        [
          ['emerg', 23],
          ['alert', 22],
          ['crit', 21],
          ['error', 17],
          ['warning', 13],
          ['notice', 10],
          ['info', 9],
          ['debug', 5],
          // More important than error: one above it. Between error and warn: one above warn.
          ['panic', 18],
          ['error', 17],
          ['audit', 14],
          ['warn', 13],
          ['info', 9],
          // Less important than every known level: one below the least important of them.
          ['chatter', 8],
          // No known name to place them by.
          ['high', 0],
          ['low', 0],
        ],
      );
    });

    it('body and attributes: the fields the program prints, but level, message and the trace fields', async () => {
      const { transport, lines } = capture(winston);
      const logger = winston.createLogger({ format: json(), transports: [transport] });
      logger.info('with meta', { user: { id: 7, tags: ['a', 'b'] }, ok: true, n: 1.5 });
      logger.log('warn', 'two arguments');
      logger.log({ level: 'error', message: 'one object', code: 'E42' });
      logger.info({ message: 'object entry', nested: { deep: { deeper: null } } });
      logger.info('%s has %d items', 'cart', 3, { extra: 'meta' });
      inSpan(() => logger.warn('in a span', { k: 'v' }));
      await settle();
      assert.equal(lines.length, 6);
      assert.deepEqual(bodies(), ['with meta', 'two arguments', 'one object', 'object entry', 'cart has 3 items', 'in a span']);
      logs.records.forEach((r, i) => assert.deepEqual(r.attributes, fieldsOf(lines[i]!), lines[i]));
      // logform 1 (winston 3.0) also prints the metadata once more, as `meta`, under format.splat().
      assert.deepEqual(logs.records[0]!.attributes.user, { id: 7, tags: ['a', 'b'] });
      assert.equal(logs.records[0]!.attributes.ok, true);
      assert.equal(logs.records[5]!.attributes.k, 'v');
    });

    it('a field named __proto__ stays a field', async () => {
      const logger = winston.createLogger({ format: format.json(), transports: [capture(winston).transport] });
      logger.log(JSON.parse('{"level":"info","message":"proto","__proto__":{"x":1}}'));
      await settle();
      const [r] = logs.records;
      assert.deepEqual(Object.keys(r!.attributes), ['__proto__']);
      assert.deepEqual(Object.getOwnPropertyDescriptor(r!.attributes, '__proto__')!.value, { x: 1 });
      assert.equal(Object.getPrototypeOf(r!.attributes), Object.prototype);
    });

    it('Errors: an Error entry keeps its message as body and its stack; one in the metadata becomes a map', async () => {
      const { transport } = capture(winston);
      const logger = winston.createLogger({ format: json(), transports: [transport] });
      const boom = new Error('boom');
      logger.error(boom);
      logger.error('failed', { err: new TypeError('typed') });
      await settle();
      const [entry, meta] = logs.records;
      assert.equal(entry!.body, 'boom');
      assert.equal(entry!.severityText, 'error');
      assert.equal(entry!.attributes.stack, boom.stack);
      assert.equal(meta!.body, 'failed');
      const err = meta!.attributes.err as Record<string, unknown>;
      assert.equal(err.name, 'TypeError');
      assert.equal(err.message, 'typed');
      assert.match(String(err.stack), /^TypeError: typed\n/);
    });

    if (has.errorsFormat) it('format.errors(): the entry is a new object, the record the same', async () => {
      const { transport, lines } = capture(winston);
      const logger = winston.createLogger({ format: format.combine(format.errors({ stack: true }), format.json()), transports: [transport] });
      const boom = new Error('boom');
      const ids = inSpan(() => logger.error(boom));
      await settle();
      assert.deepEqual(idsOf(lines[0]!), ids);
      const [r] = logs.records;
      assert.equal(r!.body, 'boom');
      assert.equal(r!.attributes.stack, boom.stack);
      assert.equal(r!.spanContext?.spanId, ids.span_id);
      assert.ok(!('trace_id' in r!.attributes));
    });

    if (has.childLoggers) it('defaultMeta and child loggers: their fields are attributes', async () => {
      const { transport, lines } = capture(winston);
      const logger = winston.createLogger({ format: json(), defaultMeta: { service: 'billing' }, transports: [transport] });
      logger.info('root');
      const child = logger.child({ requestId: 'r1' });
      const ids = inSpan(() => child.info('from child', { a: 1 }));
      child.child({ step: 2 }).warn('from grandchild');
      child.error(new Error('child error'));
      await settle();
      assert.equal(lines.length, 4);
      assert.deepEqual(bodies(), ['root', 'from child', 'from grandchild', 'child error']);
      assert.deepEqual(logs.records[0]!.attributes, { service: 'billing' });
      assert.deepEqual(logs.records[1]!.attributes, { service: 'billing', requestId: 'r1', a: 1 });
      assert.deepEqual(logs.records[2]!.attributes, { service: 'billing', requestId: 'r1', step: 2 });
      assert.equal(logs.records[1]!.spanContext?.spanId, ids.span_id);
      assert.deepEqual(idsOf(lines[1]!), ids);
      assert.match(String(logs.records[3]!.attributes.stack), /^Error: child error\n/);
      logs.records.slice(0, 3).forEach((r, i) => assert.deepEqual(r.attributes, fieldsOf(lines[i]!)));
    });

    it('the default logger (winston.info): traced and exported like any other', async () => {
      const { transport, lines } = capture(winston);
      winston.add(transport);
      try {
        const ids = inSpan(() => winston.info('from the default logger', { d: 1 }));
        winston.warn('outside');
        await settle();
        assert.equal(lines.length, 2);
        assert.deepEqual(idsOf(lines[0]!), ids);
        assert.deepEqual(bodies(), ['from the default logger', 'outside']);
        assert.equal(logs.records[0]!.spanContext?.spanId, ids.span_id);
        assert.equal(logs.records[1]!.spanContext, undefined);
      } finally {
        winston.remove(transport);
      }
    });

    it('loggers of a Container: traced and exported like any other', async () => {
      const { transport, lines } = capture(winston);
      const container = new winston.Container();
      const logger = container.add('category', { format: format.json(), transports: [transport] });
      const ids = inSpan(() => logger.info('from a container'));
      await settle();
      assert.deepEqual(idsOf(lines[0]!), ids);
      assert.deepEqual(bodies(), ['from a container']);
      assert.equal(logs.records[0]!.spanContext?.spanId, ids.span_id);
      container.close('category');
    });

    it('inside a span: the ids in the line and the record; outside, neither', async () => {
      const { transport, lines } = capture(winston);
      const logger = winston.createLogger({ format: format.json(), transports: [transport] });
      logger.info('before');
      const ids = inSpan(() => logger.warn('inside', { k: 1 }));
      logger.info('after');
      await settle();
      assert.equal(lines.length, 3);
      assert.doesNotMatch(lines[0]!, /trace_id|span_id|trace_flags/);
      assert.doesNotMatch(lines[2]!, /trace_id|span_id|trace_flags/);
      assert.deepEqual(idsOf(lines[1]!), ids);
      const [before, inside, afterSpan] = logs.records;
      assert.equal(before!.spanContext, undefined);
      assert.equal(afterSpan!.spanContext, undefined);
      assert.deepEqual(inside!.spanContext, { traceId: ids.trace_id, spanId: ids.span_id, traceFlags: 1 });
      // The ids are the record's trace context, not attributes.
      assert.deepEqual(inside!.attributes, { k: 1 });
    });

    it('output is byte for byte what winston writes without us, apart from the trace fields (json and printf)', async () => {
      const run = async (): Promise<{ json: string[]; printf: string[]; inside: Set<number> }> => {
        const a = capture(winston);
        // The transport's own format, after the logger's.
        const b = capture(winston, { format: format.printf((info: any) => `${info[LEVEL]} ${info.message} ${JSON.stringify(info.k ?? null)}`) });
        const inside = new Set<number>();
        const logger = winston.createLogger({ format: json(), transports: [a.transport, b.transport] });
        const all = (): void => {
          logger.info('plain');
          logger.warn('with meta', { k: { nested: [1, { b: null }] } });
          logger.log('error', 'two arguments');
          logger.log({ level: 'info', message: 'object', k: 'v' });
          logger.info('%s=%d %j', 'x', 5, { j: true }, { k: 'extra' });
          logger.debug('below the level');
          logger.info({ message: 'quote " and \\ and \u2028' });
        };
        all();
        const from = a.lines.length;
        // The Stream transport writes as it is called: the first pass is all there.
        inSpan(all);
        await settle();
        for (let i = from; i < a.lines.length; i++) inside.add(i);
        return { json: a.lines, printf: b.lines, inside };
      };
      const runs: Awaited<ReturnType<typeof run>>[] = [];
      for (const enabled of [true, false]) {
        if (!enabled) registry.disable('winston');
        try {
          runs.push(await run());
        } finally {
          if (!enabled) registry.enable('winston');
        }
      }
      const [ours, theirs] = runs as [(typeof runs)[0], (typeof runs)[0]];
      assert.equal(ours.json.length, 12);
      assert.equal(theirs.json.length, 12);
      assert.equal(ours.inside.size, 6);
      ours.json.forEach((line, i) => {
        if (ours.inside.has(i)) assert.match(line, /"trace_id":"[0-9a-f]{32}"/, `line ${i} has the trace fields`);
        else assert.doesNotMatch(line, /trace_id|span_id|trace_flags/, `line ${i} has no trace fields`);
        assert.equal(withoutIds(line), theirs.json[i], `line ${i}`);
      });
      assert.deepEqual(ours.printf, theirs.printf);
      assert.equal(logs.records.length, 12);
    });

    it('an entry below the logger level is neither printed nor exported; level changes apply to both', async () => {
      const { transport, lines } = capture(winston);
      const logger = winston.createLogger({ level: 'info', format: json(), transports: [transport] });
      logger.debug('hidden');
      logger.level = 'debug';
      logger.debug('shown');
      logger.level = 'warn';
      logger.info('hidden again');
      logger.warn('kept');
      await settle();
      assert.deepEqual(lines.map((l) => JSON.parse(l).message), ['shown', 'kept']);
      assert.deepEqual(bodies(), ['shown', 'kept']);
    });

    it("the logger's level decides, as for a transport with no level of its own, not the program's transports", async () => {
      const verbose = capture(winston, { level: 'debug' });
      const quiet = capture(winston, { level: 'error' });
      const logger = winston.createLogger({ level: 'info', format: json(), transports: [verbose.transport, quiet.transport] });
      logger.debug('only the debug transport prints this');
      logger.info('info');
      await settle();
      assert.equal(verbose.lines.length, 2);
      assert.equal(quiet.lines.length, 0);
      assert.deepEqual(bodies(), ['info']);
    });

    it('a format that drops an entry: neither printed nor exported', async () => {
      const { transport, lines } = capture(winston);
      const drop = format((info: any) => (info.private ? false : info));
      const logger = winston.createLogger({ format: format.combine(drop(), format.json()), transports: [transport] });
      logger.info('secret', { private: true });
      logger.info('public');
      await settle();
      assert.deepEqual(lines.map((l) => JSON.parse(l).message), ['public']);
      assert.deepEqual(bodies(), ['public']);
    });

    it('the trace context is the one of the call, even when the transports take the entries later', async () => {
      // A transport that holds every callback: the logger's buffers fill, and the later entries
      // are formatted and written only as the test releases them, outside any span.
      const held: (() => void)[] = [];
      const written: string[] = [];
      const slow = new winston.Transport({
        log(info: any, callback: () => void) {
          written.push(info.message);
          held.push(callback);
        },
      });
      const errors = typeof format.errors === 'function' ? [format.errors({ stack: true })] : [];
      const logger = winston.createLogger({ format: format.combine(...errors, format.json()), transports: [slow] });
      const spans: string[] = [];
      const N = 60;
      for (let i = 0; i < N; i++) {
        // Errors as entries: format.errors() makes new objects of them.
        spans.push(inSpan(() => logger.info(i % 2 ? new Error(`m${i}`) : `m${i}`)).span_id);
      }
      assert.ok(logs.records.length < N, 'some entries wait in the logger');
      while (written.length < N) {
        held.splice(0).forEach((callback) => callback());
        await settle();
      }
      assert.deepEqual(bodies(), spans.map((_, i) => `m${i}`));
      assert.deepEqual(
        logs.records.map((r) => r.spanContext?.spanId),
        spans,
      );
    });

    it("the transports are the program's: add, remove, clear, and the no-transport warning, as without us", async () => {
      const first = capture(winston);
      const second = capture(winston);
      const logger = winston.createLogger({ format: json(), transports: [first.transport] });
      assert.deepEqual(logger.transports, [first.transport]);
      if (typeof logger.isLevelEnabled === 'function') assert.equal(logger.isLevelEnabled('debug'), false);
      logger.info('one');
      logger.add(second.transport);
      assert.deepEqual(logger.transports, [first.transport, second.transport]);
      logger.info('two');
      logger.remove(first.transport);
      assert.deepEqual(logger.transports, [second.transport]);
      logger.info('three');
      logger.clear();
      assert.deepEqual(logger.transports, []);
      // winston warns of an entry logged with no transport at all: the warning is still there.
      const warnings: unknown[] = [];
      const consoleError = console.error;
      console.error = (...args: unknown[]) => void warnings.push(args[0]);
      try {
        logger.info('four');
      } finally {
        console.error = consoleError;
      }
      assert.equal(warnings.length, 1);
      assert.match(String(warnings[0]), /no transports/);
      logger.add(first.transport);
      logger.info('five');
      await settle();
      assert.deepEqual(first.lines.map((l) => JSON.parse(l).message), ['one', 'two', 'four', 'five']);
      assert.deepEqual(second.lines.map((l) => JSON.parse(l).message), ['two', 'three']);
      assert.deepEqual(bodies(), ['one', 'two', 'three', 'four', 'five']);
    });

    it('silent: nothing printed, nothing exported, until it is turned off', async () => {
      const { transport, lines } = capture(winston);
      const logger = winston.createLogger({ silent: true, format: json(), transports: [transport] });
      logger.error('quiet');
      logger.silent = false;
      logger.error('loud');
      await settle();
      assert.deepEqual(lines.map((l) => JSON.parse(l).message), ['loud']);
      assert.deepEqual(bodies(), ['loud']);
    });

    it('an uncaught exception the logger handles (exitOnError: false): printed by its handler, exported once', async () => {
      const printed: string[] = [];
      const handler = new winston.Transport({
        handleExceptions: true,
        log(info: any, callback: () => void) {
          printed.push(info.message);
          callback();
        },
      });
      const logger = winston.createLogger({ transports: [handler], exitOnError: false });
      try {
        // What process.on('uncaughtException') would call; the test runner has its own listener.
        logger.exceptions._uncaughtException(new Error('crash'));
        await settle();
      } finally {
        logger.exceptions.unhandle();
      }
      assert.equal(printed.length, 1);
      assert.match(printed[0]!, /^uncaughtException: crash\n/);
      assert.equal(logs.records.length, 1);
      const [r] = logs.records;
      assert.equal(r!.body, printed[0]);
      assert.equal(r!.severityNumber, 17);
      assert.equal(r!.attributes.exception, true);
      assert.equal((r!.attributes.error as Record<string, unknown>).message, 'crash');
      assert.equal(r!.attributes.stack, (r!.attributes.error as Record<string, unknown>).stack);
    });

    if (has.rejections) it('an unhandled rejection the logger handles', async () => {
      const printed: string[] = [];
      const handler = new winston.Transport({
        handleRejections: true,
        log(info: any, callback: () => void) {
          printed.push(info.message);
          callback();
        },
      });
      const logger = winston.createLogger({ transports: [handler], exitOnError: false });
      try {
        logger.rejections._unhandledRejection(new Error('rejected'));
        await settle();
      } finally {
        logger.rejections.unhandle();
      }
      assert.equal(printed.length, 1);
      assert.equal(logs.records.length, 1);
      assert.equal(logs.records[0]!.body, printed[0]);
      assert.equal(logs.records[0]!.attributes.rejection, true);
    });

    it('colours stay in the output: the record has the plain level name and message', async () => {
      const { transport, lines } = capture(winston);
      // What format.colorize({ all: true }) does, with colours on whatever the terminal.
      const paint = format((info: any) => {
        info.level = `\u001b[32m${info.level}\u001b[39m`;
        info.message = `\u001b[32m${info.message}\u001b[39m`;
        return info;
      });
      const logger = winston.createLogger({ format: format.combine(paint(), format.simple()), transports: [transport] });
      logger.info('green');
      await settle();
      assert.match(lines[0]!, /\u001b\[32m/);
      assert.equal(logs.records[0]!.body, 'green');
      assert.equal(logs.records[0]!.severityText, 'info');
      assert.equal(logs.records[0]!.severityNumber, 9);
    });

    it('trace ids the program writes itself are kept, and stay attributes', async () => {
      const { transport, lines } = capture(winston);
      const logger = winston.createLogger({ format: json(), transports: [transport] });
      inSpan(() => logger.info('own', { trace_id: 'mine' }));
      await settle();
      const line = JSON.parse(lines[0]!);
      assert.equal(line.trace_id, 'mine');
      assert.equal(line.span_id, undefined);
      assert.equal(logs.records[0]!.attributes.trace_id, 'mine');
    });

    it('an object the program logs again in another span shows the ids of that span', async () => {
      const { transport, lines } = capture(winston);
      const logger = winston.createLogger({ format: json(), transports: [transport] });
      // winston hands this very object down the pipeline, and writes into it (level, and our ids).
      const ready = { message: 'ready' };
      const first = inSpan(() => logger.info(ready));
      const second = inSpan(() => logger.info(ready));
      await settle();
      assert.deepEqual(idsOf(lines[0]!), first);
      assert.deepEqual(idsOf(lines[1]!), second);
      assert.notEqual(first.span_id, second.span_id);
      assert.deepEqual(
        logs.records.map((r) => [r.spanContext?.spanId, Object.keys(r.attributes).length]),
        [
          [first.span_id, 0],
          [second.span_id, 0],
        ],
      );
    });

    it('never breaks the call: an entry whose fields throw is printed as winston prints it; only its record is lost', async () => {
      const { transport, lines } = capture(winston);
      const logger = winston.createLogger({ format: format.printf((info: any) => `${info[LEVEL]}: ${info.message}`), transports: [transport] });
      const entry = {
        level: 'info',
        message: 'getter',
        get trace_id(): string {
          throw new Error('no');
        },
      };
      inSpan(() => logger.log(entry));
      logger.info('next');
      await settle();
      assert.deepEqual(lines, ['info: getter\n', 'info: next\n']);
      assert.deepEqual(bodies(), ['next']);
    });

    it('enable → disable → enable: a logger made before keeps working, and only adds and sends while enabled', async () => {
      const { transport, lines } = capture(winston);
      const logger = winston.createLogger({ format: json(), transports: [transport] });
      const proto = loggerProto(logger);
      inSpan(() => logger.info('one'));
      registry.disable('winston');
      try {
        for (const method of ['write', '_transform', 'push']) assert.ok(!isWrapped(proto[method]), method);
        inSpan(() => logger.info('two'));
      } finally {
        registry.enable('winston');
      }
      for (const method of ['write', '_transform', 'push']) assert.ok(isWrapped(proto[method]), method);
      inSpan(() => logger.info('three'));
      await settle();
      assert.deepEqual(bodies(), ['one', 'three']);
      assert.match(lines[0]!, /"trace_id"/);
      assert.doesNotMatch(lines[1]!, /trace_id/);
      assert.match(lines[2]!, /"trace_id"/);
    });

    it('a wrapper kept from before a disable passes through', async () => {
      const { transport, lines } = capture(winston);
      const logger = winston.createLogger({ format: json(), transports: [transport] });
      const write = loggerProto(logger).write;
      registry.disable('winston');
      try {
        inSpan(() => write.call(logger, { level: 'info', message: 'direct', [LEVEL]: 'info' }));
        await settle();
      } finally {
        registry.enable('winston');
      }
      assert.equal(lines.length, 1);
      assert.doesNotMatch(lines[0]!, /trace_id/);
      assert.equal(logs.records.length, 0);
    });
  });
}
