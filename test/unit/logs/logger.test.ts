import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT } from '../../../src/context/context';
import { ContextManager } from '../../../src/context/manager';
import { LoggerProvider, toAnyValue } from '../../../src/logs/logger';
import type { ReadableLogRecord } from '../../../src/logs/types';
import { setSpanContext } from '../../../src/trace/span-context';

const collected = () => {
  const records: ReadableLogRecord[] = [];
  return {
    records,
    processor: { onEnd: (r: ReadableLogRecord) => records.push(r), forceFlush: async () => {}, shutdown: async () => {} },
  };
};

function provider(limits = { countLimit: 128, valueLengthLimit: Infinity }) {
  const { records, processor } = collected();
  const contextManager = new ContextManager(ROOT_CONTEXT);
  const p = new LoggerProvider({ resource: { attributes: { 'service.name': 's' } }, limits, contextManager, processors: [processor] });
  return { p, records, contextManager };
}

const SC = { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', traceFlags: 1 };

describe('LoggerProvider and its loggers', () => {
  it('a record: the scope, the resource, the fields as given, the observed time now', () => {
    const { p, records } = provider();
    const before = Date.now();
    p.getLogger('pino', '1.2.3').emit({ severityNumber: 9, severityText: 'info', body: 'hello', attributes: { a: 1 }, timestamp: 1700000000000, eventName: 'e' });
    const r = records[0]!;
    assert.deepEqual(r.instrumentationScope, { name: 'pino', version: '1.2.3' });
    assert.deepEqual(r.resource.attributes, { 'service.name': 's' });
    assert.equal(r.severityNumber, 9);
    assert.equal(r.severityText, 'info');
    assert.equal(r.body, 'hello');
    assert.deepEqual(r.attributes, { a: 1 });
    assert.deepEqual(r.timestamp, [1700000000, 0]);
    assert.ok(r.observedTimestamp[0] * 1000 >= before - 1000);
    assert.equal(r.eventName, 'e');
    assert.equal(r.spanContext, undefined, 'outside any span: no trace');
    assert.equal(p.getLogger('pino', '1.2.3'), p.getLogger('pino', '1.2.3'), 'one logger per scope');
  });

  it('the trace of the active context, or of the context given', () => {
    const { p, records, contextManager } = provider();
    const logger = p.getLogger('x');
    contextManager.with(setSpanContext(ROOT_CONTEXT, { ...SC, isRemote: false }), () => logger.emit({ body: 'in' }));
    logger.emit({ body: 'given', context: setSpanContext(ROOT_CONTEXT, { ...SC, spanId: 'eee19b7ec3c1b175' }) });
    assert.deepEqual(records[0]!.spanContext, SC);
    assert.equal(records[1]!.spanContext!.spanId, 'eee19b7ec3c1b175');
  });

  it('limits: attributes past the count are dropped and counted; strings truncated at any depth, the body never', () => {
    const { p, records } = provider({ countLimit: 2, valueLengthLimit: 3 });
    p.getLogger('x').emit({ body: 'a long body stays', attributes: { a: 'abcdef', b: { c: ['wxyz', 5] }, c: 1, d: 2 } });
    const r = records[0]!;
    assert.deepEqual(r.attributes, { a: 'abc', b: { c: ['wxy', 5] } });
    assert.equal(r.droppedAttributesCount, 2);
    assert.equal(r.body, 'a long body stays');
  });

  it('an exception: exception.type, .message and .stacktrace, unless the attributes have them', () => {
    const { p, records } = provider();
    const error = new TypeError('bad');
    p.getLogger('x').emit({ body: 'x', exception: error, attributes: { 'exception.message': 'mine' } });
    assert.equal(records[0]!.attributes['exception.type'], 'TypeError');
    assert.equal(records[0]!.attributes['exception.message'], 'mine');
    assert.equal(records[0]!.attributes['exception.stacktrace'], error.stack);
  });

  it('never throws into the caller; a failing processor does not cost the others their record', () => {
    const { records, processor } = collected();
    const p = new LoggerProvider({
      resource: { attributes: {} },
      limits: { countLimit: 128, valueLengthLimit: Infinity },
      contextManager: new ContextManager(ROOT_CONTEXT),
      processors: [{ ...processor, onEnd: () => { throw new Error('boom'); } }, processor],
    });
    const hostile = { get x() { throw new Error('getter'); } };
    p.getLogger('x').emit({ body: 'ok' });
    assert.doesNotThrow(() => p.getLogger('x').emit({ body: hostile, attributes: hostile as never }));
    assert.equal(records[0]!.body, 'ok');
  });

  it('severity numbers outside 0–24 become 0 (unspecified)', () => {
    const { p, records } = provider();
    p.getLogger('x').emit({ severityNumber: 99 });
    p.getLogger('x').emit({ severityNumber: -1 });
    assert.deepEqual(records.map((r) => r.severityNumber), [0, 0]);
  });
});

describe('toAnyValue', () => {
  it('copies what a log value may hold, and drops what it may not', () => {
    const date = new Date(Date.UTC(2026, 0, 2));
    const bytes = new Uint8Array([1, 2]);
    assert.deepEqual(toAnyValue({ s: 's', n: 1.5, b: true, big: 10n, u: undefined, f: () => 1, sym: Symbol('x'), d: date, bytes, nil: null }, Infinity), {
      s: 's',
      n: 1.5,
      b: true,
      big: '10',
      d: '2026-01-02T00:00:00.000Z',
      bytes,
      nil: null,
    });
  });

  it('an Error by its name, message, stack and own fields; cycles end as [Circular]', () => {
    const error = Object.assign(new Error('boom'), { code: 'E1' });
    const v = toAnyValue(error, Infinity) as Record<string, unknown>;
    assert.equal(v.name, 'Error');
    assert.equal(v.message, 'boom');
    assert.equal(v.code, 'E1');
    assert.ok(String(v.stack).includes('boom'));
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    assert.deepEqual(toAnyValue(a, Infinity), { x: 1, self: '[Circular]' });
    const shared = { v: 1 };
    assert.deepEqual(toAnyValue({ p: shared, q: shared }, Infinity), { p: { v: 1 }, q: { v: 1 } }, 'a shared object is not a cycle');
  });
});
