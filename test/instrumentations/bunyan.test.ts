import { strict as assert } from 'node:assert';
import { dirname, join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { diag } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry } from '../../src/instrumentation/registry';
import { isWrapped, originalOf } from '../../src/instrumentation/shimmer';
import type { ReadableLogRecord } from '../../src/logs/types';
import { testEngine } from '../helpers/engine';

/**
 * bunyan 1.0.0 (`bunyan-oldest`), 1.8 (`bunyan1`) and 2 (`bunyan`), with correlation and sending
 * both on (the defaults). The settings that turn them off are in bunyan-settings.test.ts.
 *
 * Output is checked against the same logger made while the instrumentation is disabled: equal
 * byte for byte once `time` is masked and, inside a span, the three trace fields bunyan's line
 * ends with are taken out.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const engine = testEngine();
const { logs, memory } = engine;
const tracer = engine.tracerProvider.getTracer('app');
const registry = new Registry(CATALOG.filter((e) => e.id === 'bunyan'), engine.config, diag, engine.services);
after(() => registry.disable('bunyan'));
beforeEach(() => {
  logs.clear();
  memory.clear();
});

/** A stream the test reads: every JSON line bunyan writes to it. */
function capture(): { lines: string[]; stream: { write(s: string): boolean } } {
  const lines: string[] = [];
  return { lines, stream: { write: (s: string) => (lines.push(s), true) } };
}

const TRACE_SUFFIX = /,"trace_id":"([0-9a-f]{32})","span_id":"([0-9a-f]{16})","trace_flags":"([0-9a-f]{2})"\}\n$/;
const maskTime = (line: string) => line.replace(/"time":"[^"]*"/, '"time":"<time>"');
const withoutIds = (line: string) => line.replace(TRACE_SUFFIX, '}\n');

/** Runs `fn` inside an active span and returns the span's ids as bunyan's lines carry them. */
function inSpan(fn: () => void): { trace_id: string; span_id: string; trace_flags: string } {
  return tracer.startActiveSpan('op', (span: any) => {
    try {
      fn();
    } finally {
      span.end();
    }
    const sc = span.spanContext();
    return { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: '01' };
  }) as { trace_id: string; span_id: string; trace_flags: string };
}

const byBody = (body: string): ReadableLogRecord[] => logs.records.filter((r) => r.body === body);

for (const name of ['bunyan-oldest', 'bunyan1', 'bunyan']) {
  const baseDir = dirname(require.resolve(join(name, 'package.json')));
  const version: string = require(join(baseDir, 'package.json')).version;

  describe(`${name} (${version})`, () => {
    let bunyan: any;
    before(() => {
      bunyan = registry.onModule('bunyan', require(name), baseDir, 'commonjs');
    });

    it('patches Logger.prototype._emit and nothing else: the exports stay the module itself', () => {
      assert.equal(bunyan, require(name));
      assert.ok(isWrapped(bunyan.prototype._emit));
      assert.ok(!isWrapped(bunyan.createLogger));
      assert.ok(!isWrapped(bunyan.prototype.info));
    });

    it('severity numbers and names for the six levels, body, timestamp', () => {
      const { stream, lines } = capture();
      const log = bunyan.createLogger({ name: 'sev', level: 'trace', stream });
      log.trace('t');
      log.debug('d');
      log.info('i');
      log.warn('w');
      log.error('e');
      log.fatal('f');
      assert.equal(lines.length, 6);
      assert.deepEqual(
        logs.records.map((r) => [r.body, r.severityNumber, r.severityText]),
        [
          ['t', 1, 'trace'],
          ['d', 5, 'debug'],
          ['i', 9, 'info'],
          ['w', 13, 'warn'],
          ['e', 17, 'error'],
          ['f', 21, 'fatal'],
        ],
      );
      logs.records.forEach((r, i) => {
        const ms = Date.parse(JSON.parse(lines[i]!).time);
        assert.deepEqual(r.timestamp, [Math.floor(ms / 1000), (ms % 1000) * 1e6]);
        assert.equal(r.instrumentationScope.name, 'bunyan');
      });
    });

    it('attributes: the record fields but msg, level, time and v; nested objects as maps; err as the serializer made it', () => {
      const { stream, lines } = capture();
      const log = bunyan.createLogger({ name: 'attrs', stream, service: 'billing' });
      log.child({ component: 'db' }).info({ user: { id: 7, tags: ['a', 'b'] }, n: 1, ok: true }, 'hello %s', 'world');
      log.error(new Error('boom'), 'it failed');
      assert.equal(logs.records.length, 2);
      const [hello, failed] = logs.records;
      assert.equal(hello!.body, 'hello world');
      assert.deepEqual(hello!.attributes, {
        name: 'attrs',
        hostname: JSON.parse(lines[0]!).hostname,
        pid: process.pid,
        service: 'billing',
        component: 'db',
        user: { id: 7, tags: ['a', 'b'] },
        n: 1,
        ok: true,
      });
      assert.equal(failed!.body, 'it failed');
      assert.equal(failed!.severityText, 'error');
      const err = JSON.parse(lines[1]!).err;
      assert.equal(err.message, 'boom');
      assert.ok(String(err.stack).includes('boom'));
      assert.deepEqual(failed!.attributes.err, err);
      for (const key of ['msg', 'level', 'time', 'v']) assert.ok(!(key in hello!.attributes), key);
    });

    it('custom serializers apply to what is exported as to what is written', () => {
      const { stream, lines } = capture();
      const log = bunyan.createLogger({ name: 'ser', stream, serializers: { user: (u: any) => ({ id: u.id }) } });
      log.info({ user: { id: 3, password: 'hunter2' } }, 'login');
      assert.deepEqual(JSON.parse(lines[0]!).user, { id: 3 });
      assert.deepEqual(logs.records[0]!.attributes.user, { id: 3 });
    });

    it('a `time` field that is no Date stays an attribute; the record is then dated when observed', () => {
      const { stream } = capture();
      const log = bunyan.createLogger({ name: 'time', stream });
      log.info({ time: 'yesterday' }, 'late');
      const [r] = logs.records;
      assert.equal(r!.attributes.time, 'yesterday');
      assert.equal(r!.timestamp, undefined);
    });

    it('inside a span: the line ends with trace_id, span_id, trace_flags and the record carries the span; outside, neither', () => {
      const { stream, lines } = capture();
      const log = bunyan.createLogger({ name: 'corr', stream });
      log.info('before');
      const ids = inSpan(() => log.warn({ k: 1 }, 'inside'));
      log.info('after');
      assert.equal(lines.length, 3);
      assert.doesNotMatch(lines[0]!, /trace_id/);
      assert.doesNotMatch(lines[2]!, /trace_id/);
      const m = TRACE_SUFFIX.exec(lines[1]!);
      assert.ok(m, lines[1]);
      assert.deepEqual({ trace_id: m[1], span_id: m[2], trace_flags: m[3] }, ids);

      const [before, inside, after] = logs.records;
      assert.equal(before!.spanContext, undefined);
      assert.equal(after!.spanContext, undefined);
      assert.deepEqual(inside!.spanContext, { traceId: ids.trace_id, spanId: ids.span_id, traceFlags: 1 });
      // The ids are the record's trace context, not attributes.
      assert.deepEqual(Object.keys(inside!.attributes).sort(), ['hostname', 'k', 'name', 'pid']);
    });

    it('output is byte for byte what bunyan writes without us, apart from the trace fields (children, err, src, serializers)', () => {
      // Both runs log from the same lines of code, so that `src` (file, line) is the same too.
      const run = (): { lines: string[]; inside: Set<number> } => {
        const { stream, lines } = capture();
        const inside = new Set<number>();
        const log = new bunyan({
          name: 'same',
          src: true,
          level: 'debug',
          streams: [{ stream }],
          serializers: bunyan.stdSerializers,
        });
        const child = log.child({ component: 'c', nested: { a: [1, { b: null }] } });
        const simple = log.child({ req_id: 'r1' }, true);
        log.info('plain');
        log.debug({ x: 1, s: 'quote " and \\ and \u2028' }, 'with %d fields and %j', 2, { j: true });
        inSpan(() => {
          inside.add(lines.length);
          child.warn(new Error('bad'), 'child err');
          inside.add(lines.length);
          simple.info({ err: new TypeError('typed') }, 'simple child');
          inside.add(lines.length);
          log.error({ res: { statusCode: 500 } });
        });
        log.trace('not written');
        log.fatal('last');
        return { lines, inside };
      };

      // One call site for both runs: the stacks of the logged errors must match too.
      const runs: { lines: string[]; inside: Set<number> }[] = [];
      for (const enabled of [true, false]) {
        if (!enabled) registry.disable('bunyan');
        try {
          runs.push(run());
        } finally {
          if (!enabled) registry.enable('bunyan');
        }
      }
      const [ours, theirs] = runs as [(typeof runs)[0], (typeof runs)[0]];
      assert.equal(ours.lines.length, 6);
      assert.equal(theirs.lines.length, 6);
      ours.lines.forEach((line, i) => {
        if (ours.inside.has(i)) assert.match(line, TRACE_SUFFIX, `line ${i} has the trace fields`);
        else assert.doesNotMatch(line, /trace_id/, `line ${i} has no trace fields`);
        assert.equal(maskTime(withoutIds(line)), maskTime(theirs.lines[i]!), `line ${i}`);
      });
      // bunyan reads the caller with Error.captureStackTrace on the global object, which Node 20
      // ignores: `src` is `{}` with or without us, and the comparison above covers it.
      assert.ok(JSON.parse(ours.lines[0]!).src, 'src is there');
    });

    it('child loggers (copied streams, simple children, a child with a stream of its own): each record exported once', () => {
      const a = capture();
      const b = capture();
      const log = bunyan.createLogger({ name: 'kids', stream: a.stream });
      log.child({ kind: 'copy' }).info('from copy');
      log.child({ kind: 'simple' }, true).info('from simple');
      log.child({ kind: 'grand' }).child({ level2: true }).info('from grandchild');
      log.child({ kind: 'own', streams: [{ stream: b.stream }] }).info('two streams');
      assert.equal(a.lines.length, 4);
      assert.equal(b.lines.length, 1);
      assert.deepEqual(
        logs.records.map((r) => [r.body, r.attributes.kind]),
        [
          ['from copy', 'copy'],
          ['from simple', 'simple'],
          ['from grandchild', 'grand'],
          ['two streams', 'own'],
        ],
      );
      assert.equal(byBody('from grandchild')[0]!.attributes.level2, true);
    });

    it('the streams, levels and fast-path level the program sees are its own', () => {
      const { stream } = capture();
      const log = bunyan.createLogger({ name: 'levels', streams: [{ stream, level: 'warn' }] });
      assert.equal(log.streams.length, 1);
      assert.deepEqual(log.levels(), [40]);
      assert.equal(log.level(), 40);
      assert.equal(log.info(), false, 'bunyan still skips info without building a record');
      assert.equal(log.child({}).streams.length, 1);
    });

    it('logger.level() changes decide what is written and exported', () => {
      const { stream, lines } = capture();
      const log = bunyan.createLogger({ name: 'lvl', stream });
      log.debug('hidden');
      log.level('debug');
      log.debug('shown');
      log.level('warn');
      log.info('hidden again');
      log.warn('kept');
      assert.deepEqual(
        lines.map((l) => JSON.parse(l).msg),
        ['shown', 'kept'],
      );
      assert.deepEqual(
        logs.records.map((r) => r.body),
        ['shown', 'kept'],
      );
    });

    it('a record every stream filters out (levels(i, …) raised after the fact) is not exported; one some stream takes is exported once', () => {
      const a = capture();
      const b = capture();
      const log = bunyan.createLogger({
        name: 'per-stream',
        streams: [
          { stream: a.stream, level: 'info' },
          { stream: b.stream, level: 'info' },
        ],
      });
      log.info('both');
      log.levels(0, 'error');
      log.info('second only');
      // bunyan's own check (`_level`) is only ever lowered by levels(): this record is built and
      // reaches _emit, where no stream takes it.
      log.levels(1, 'error');
      log.info('nobody');
      log.error('both again');
      assert.deepEqual(a.lines.map((l) => JSON.parse(l).msg), ['both', 'both again']);
      assert.deepEqual(b.lines.map((l) => JSON.parse(l).msg), ['both', 'second only', 'both again']);
      assert.deepEqual(
        logs.records.map((r) => r.body),
        ['both', 'second only', 'both again'],
      );
    });

    it('a raw stream of the program gets the record as bunyan made it, trace fields included', () => {
      const got: any[] = [];
      const log = bunyan.createLogger({ name: 'raw', streams: [{ type: 'raw', stream: { write: (r: any) => got.push(r) } }] });
      const ids = inSpan(() => log.info({ a: 1 }, 'raw'));
      assert.equal(got.length, 1);
      assert.equal(got[0].msg, 'raw');
      assert.equal(got[0].trace_id, ids.trace_id);
      assert.equal(got[0].span_id, ids.span_id);
      assert.equal(logs.records.length, 1);
    });

    it("trace ids the program writes itself are kept, and stay attributes", () => {
      const { stream, lines } = capture();
      const log = bunyan.createLogger({ name: 'own-ids', stream }).child({ trace_id: 'mine' });
      inSpan(() => log.info('own'));
      const line = JSON.parse(lines[0]!);
      assert.equal(line.trace_id, 'mine');
      assert.equal(line.span_id, undefined);
      assert.equal(logs.records[0]!.attributes.trace_id, 'mine');
    });

    it("_emit(rec, true), DTrace's call for the JSON line alone: the line is returned, nothing written or sent", () => {
      const { stream, lines } = capture();
      const log = bunyan.createLogger({ name: 'noemit', stream });
      const str = log._emit({ name: 'noemit', level: 30, msg: 'probe', time: new Date(0), v: 0 }, true);
      assert.equal(JSON.parse(str).msg, 'probe');
      assert.equal(lines.length, 0);
      assert.equal(logs.records.length, 0);
    });

    it('never breaks the call: a record that cannot take the trace fields is written as it is, and exported', () => {
      const { stream, lines } = capture();
      const log = bunyan.createLogger({ name: 'frozen', stream });
      const rec = Object.freeze({ name: 'frozen', level: 30, msg: 'cold', time: new Date(0), v: 0 });
      const ids = inSpan(() => log._emit(rec));
      assert.equal(lines.length, 1);
      assert.equal(JSON.parse(lines[0]!).msg, 'cold');
      assert.doesNotMatch(lines[0]!, /trace_id/);
      assert.equal(logs.records.length, 1);
      assert.deepEqual(logs.records[0]!.timestamp, [0, 0]);
      assert.equal(logs.records[0]!.spanContext?.traceId, ids.trace_id);
    });

    it('never breaks the call: _emit called without a logger fails as bunyan fails, never in our code', () => {
      const rec = () => ({ level: 30, msg: 'x', time: new Date(), v: 0 });
      let theirs: any;
      try {
        originalOf(bunyan.prototype._emit).call(undefined, rec());
      } catch (e) {
        theirs = e;
      }
      assert.ok(theirs instanceof TypeError);
      assert.throws(
        () => inSpan(() => bunyan.prototype._emit.call(undefined, rec())),
        (e: any) => e instanceof TypeError && e.message === theirs.message,
      );
      assert.equal(logs.records.length, 0);
    });

    it('enable → disable → enable: a logger made before keeps working, and only adds and sends while enabled', () => {
      const { stream, lines } = capture();
      const log = bunyan.createLogger({ name: 'toggle', stream });
      inSpan(() => log.info('one'));
      registry.disable('bunyan');
      try {
        assert.ok(!isWrapped(bunyan.prototype._emit));
        inSpan(() => log.info('two'));
        assert.equal(log.streams.length, 1);
      } finally {
        registry.enable('bunyan');
      }
      assert.ok(isWrapped(bunyan.prototype._emit));
      inSpan(() => log.info('three'));
      assert.deepEqual(
        logs.records.map((r) => r.body),
        ['one', 'three'],
      );
      assert.match(lines[0]!, TRACE_SUFFIX);
      assert.doesNotMatch(lines[1]!, /trace_id/);
      assert.match(lines[2]!, TRACE_SUFFIX);
    });

    it('a wrapper kept from before a disable passes through', () => {
      const wrapped = bunyan.prototype._emit;
      const { stream, lines } = capture();
      const log = bunyan.createLogger({ name: 'stale', stream });
      registry.disable('bunyan');
      try {
        inSpan(() => wrapped.call(log, { name: 'stale', level: 30, msg: 'direct', time: new Date(), v: 0 }));
      } finally {
        registry.enable('bunyan');
      }
      assert.equal(lines.length, 1);
      assert.doesNotMatch(lines[0]!, /trace_id/);
      assert.equal(logs.records.length, 0);
    });
  });
}
