import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ContextManager } from '../../../src/context/manager';
import { alwaysOn } from '../../../src/trace/sampler';
import { Span, type SpanLimits } from '../../../src/trace/span';
import { compareHr, now } from '../../../src/trace/time';
import { TracerProvider } from '../../../src/trace/tracer';
import { SpanKind, StatusCode, type HrTime, type ReadableSpan, type SpanProcessor } from '../../../src/trace/types';

const LIMITS: SpanLimits = {
  attributes: { countLimit: 128, valueLengthLimit: Infinity },
  eventCountLimit: 128,
  linkCountLimit: 128,
  eventAttributes: { countLimit: 128, valueLengthLimit: Infinity },
  linkAttributes: { countLimit: 128, valueLengthLimit: Infinity },
};

function setup(limits: Partial<SpanLimits> = {}) {
  const ended: ReadableSpan[] = [];
  const processor: SpanProcessor = { onEnd: (s) => ended.push(s), forceFlush: async () => {}, shutdown: async () => {} };
  const provider = new TracerProvider({
    resource: { attributes: { 'service.name': 'span-test' } },
    sampler: alwaysOn,
    limits: { ...LIMITS, ...limits },
    contextManager: new ContextManager(),
    processors: [processor],
  });
  const tracer = provider.getTracer('span-test', '1.0.0');
  const start = (name = 'op', options = {}) => {
    const span = tracer.startSpan(name, options);
    assert.ok(span instanceof Span);
    return span;
  };
  return { ended, start };
}

const OTHER = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };

describe('Span: attributes', () => {
  it('setAttribute and setAttributes keep valid values and ignore others', () => {
    const { start } = setup();
    const span = start();
    span.setAttribute('a', 1).setAttribute('b', { no: true }).setAttributes({ c: 'x', d: [1, 2], e: null });
    assert.deepEqual(span.attributes, { a: 1, c: 'x', d: [1, 2] });
  });

  it('uses the span attribute limits', () => {
    const { start } = setup({ attributes: { countLimit: 2, valueLengthLimit: 2 } });
    const span = start();
    span.setAttributes({ a: 'long', b: ['xyz'], c: 3 });
    span.setAttribute('a', 'again');
    assert.deepEqual(span.attributes, { a: 'ag', b: ['xy'] });
    assert.equal(span.droppedAttributesCount, 1);
  });

  it('takes the start options attributes within the same limits', () => {
    const { start } = setup({ attributes: { countLimit: 1, valueLengthLimit: Infinity } });
    const span = start('op', { attributes: { a: 1, b: 2 } });
    assert.deepEqual(span.attributes, { a: 1 });
    assert.equal(span.droppedAttributesCount, 1);
  });
});

describe('Span: events', () => {
  it('records events with attributes and a time', () => {
    const { start } = setup();
    const span = start();
    const before = now();
    span.addEvent('plain');
    span.addEvent('with-attrs', { k: 'v', bad: {} });
    span.addEvent('with-time', { k: 1 }, [1_700_000_000, 5]);
    const after = now();
    assert.deepEqual(
      span.events.map((e) => [e.name, e.attributes, e.droppedAttributesCount]),
      [
        ['plain', {}, 0],
        ['with-attrs', { k: 'v' }, 0],
        ['with-time', { k: 1 }, 0],
      ],
    );
    assert.ok(compareHr(span.events[0]!.time, before) >= 0 && compareHr(after, span.events[1]!.time) >= 0);
    assert.deepEqual(span.events[2]!.time, [1_700_000_000, 5]);
  });

  it('takes a time in place of the attributes (HrTime, Date, epoch ms)', () => {
    const { start } = setup();
    const span = start();
    span.addEvent('hr', [1_700_000_001, 7] as HrTime);
    span.addEvent('date', new Date(1_700_000_002_500));
    span.addEvent('ms', 1_700_000_003_250);
    assert.deepEqual(
      span.events.map((e) => [e.name, e.time, e.attributes]),
      [
        ['hr', [1_700_000_001, 7], {}],
        ['date', [1_700_000_002, 500_000_000], {}],
        ['ms', [1_700_000_003, 250_000_000], {}],
      ],
    );
  });

  it('ignores an event without a string name', () => {
    const { start } = setup();
    const span = start();
    span.addEvent(undefined as unknown as string);
    span.addEvent(5 as unknown as string);
    assert.equal(span.events.length, 0);
  });

  it('keeps at most eventCountLimit events and counts the rest', () => {
    const { start } = setup({ eventCountLimit: 2 });
    const span = start();
    for (let i = 0; i < 5; i++) span.addEvent(`e${i}`);
    assert.deepEqual(span.events.map((e) => e.name), ['e0', 'e1']);
    assert.equal(span.droppedEventsCount, 3);
  });

  it('bounds each event’s attributes by the event attribute limits', () => {
    const { start } = setup({ eventAttributes: { countLimit: 1, valueLengthLimit: 3 } });
    const span = start();
    span.addEvent('e', { a: 'abcdef', b: 2, c: 3 });
    assert.deepEqual(span.events[0]!.attributes, { a: 'abc' });
    assert.equal(span.events[0]!.droppedAttributesCount, 2);
  });

  it('copies the event attributes', () => {
    const { start } = setup();
    const span = start();
    const attrs: Record<string, unknown> = { a: ['x'] };
    span.addEvent('e', attrs);
    (attrs['a'] as string[]).push('y');
    attrs['b'] = 1;
    assert.deepEqual(span.events[0]!.attributes, { a: ['x'] });
  });
});

describe('Span: links', () => {
  it('records links at start and later, with attributes', () => {
    const { start } = setup();
    const span = start('op', { links: [{ context: OTHER, attributes: { at: 'start' } }] });
    span.addLink({ context: { ...OTHER, spanId: '1111111111111111' } });
    span.addLinks([{ context: { ...OTHER, spanId: '2222222222222222' }, attributes: { n: 2 } }]);
    assert.deepEqual(
      span.links.map((l) => [l.context.spanId, l.attributes, l.droppedAttributesCount]),
      [
        ['b7ad6b7169203331', { at: 'start' }, 0],
        ['1111111111111111', {}, 0],
        ['2222222222222222', { n: 2 }, 0],
      ],
    );
  });

  it('ignores links without a context', () => {
    const { start } = setup();
    const span = start();
    span.addLink(undefined as never);
    span.addLink({} as never);
    span.addLinks('nope' as never);
    assert.equal(span.links.length, 0);
    assert.equal(span.droppedLinksCount, 0);
  });

  it('keeps at most linkCountLimit links and counts the rest; link attributes are bounded', () => {
    const { start } = setup({ linkCountLimit: 1, linkAttributes: { countLimit: 1, valueLengthLimit: 2 } });
    const span = start();
    span.addLinks([
      { context: OTHER, attributes: { a: 'long', b: 1 } },
      { context: OTHER },
      { context: OTHER },
    ]);
    assert.equal(span.links.length, 1);
    assert.deepEqual(span.links[0]!.attributes, { a: 'lo' });
    assert.equal(span.links[0]!.droppedAttributesCount, 1);
    assert.equal(span.droppedLinksCount, 2);
  });
});

describe('Span: status', () => {
  it('starts UNSET', () => {
    assert.deepEqual(setup().start().status, { code: StatusCode.UNSET });
  });

  it('keeps a message only with ERROR', () => {
    const { start } = setup();
    const a = start();
    a.setStatus({ code: StatusCode.ERROR, message: 'boom' });
    assert.deepEqual(a.status, { code: StatusCode.ERROR, message: 'boom' });
    const b = start();
    b.setStatus({ code: StatusCode.OK, message: 'ignored' });
    assert.deepEqual(b.status, { code: StatusCode.OK });
    const c = start();
    c.setStatus({ code: StatusCode.ERROR, message: 42 as unknown as string });
    assert.deepEqual(c.status, { code: StatusCode.ERROR });
  });

  it('ignores UNSET, and a later ERROR replaces an earlier one', () => {
    const { start } = setup();
    const span = start();
    span.setStatus({ code: StatusCode.ERROR, message: 'first' });
    span.setStatus({ code: StatusCode.UNSET });
    assert.deepEqual(span.status, { code: StatusCode.ERROR, message: 'first' });
    span.setStatus({ code: StatusCode.ERROR, message: 'second' });
    assert.deepEqual(span.status, { code: StatusCode.ERROR, message: 'second' });
  });

  it('OK is final', () => {
    const { start } = setup();
    const span = start();
    span.setStatus({ code: StatusCode.ERROR, message: 'x' });
    span.setStatus({ code: StatusCode.OK });
    span.setStatus({ code: StatusCode.ERROR, message: 'later' });
    span.setStatus({ code: StatusCode.UNSET });
    assert.deepEqual(span.status, { code: StatusCode.OK });
  });

  it('ignores nonsense', () => {
    const { start } = setup();
    const span = start();
    span.setStatus(undefined as never);
    span.setStatus({ code: 7 } as never);
    assert.deepEqual(span.status, { code: StatusCode.UNSET });
  });
});

describe('Span: name, end, isRecording', () => {
  it('updateName renames until the end', () => {
    const { start, ended } = setup();
    const span = start('first');
    span.updateName('second');
    span.updateName(3 as unknown as string);
    assert.equal(span.name, 'second');
    span.end();
    span.updateName('third');
    assert.equal(ended[0]!.name, 'second');
  });

  it('ends once: a second end is ignored and the span reaches the processors once', () => {
    const { start, ended } = setup();
    const span = start();
    span.end([2_000_000_000, 0]);
    span.end([2_000_000_100, 0]);
    assert.equal(ended.length, 1);
    assert.deepEqual(span.endTime, [2_000_000_000, 0]);
  });

  it('an end time before the start is clamped to the start', () => {
    const { start } = setup();
    const span = start('op', { startTime: [1_700_000_000, 500] });
    assert.deepEqual(span.startTime, [1_700_000_000, 500]);
    span.end([1_699_999_999, 0]);
    assert.deepEqual(span.endTime, [1_700_000_000, 500]);
  });

  it('end without a time is now, not before the start', () => {
    const { start } = setup();
    const span = start();
    const before = now();
    span.end();
    assert.ok(compareHr(span.endTime, before) >= 0);
    assert.ok(compareHr(span.endTime, span.startTime) >= 0);
  });

  it('isRecording until the end', () => {
    const { start } = setup();
    const span = start();
    assert.equal(span.isRecording(), true);
    assert.equal(span.isEnded, false);
    span.end();
    assert.equal(span.isRecording(), false);
    assert.equal(span.isEnded, true);
  });

  it('nothing changes after the end', () => {
    const { start } = setup();
    const span = start('op', { kind: SpanKind.SERVER });
    span.setAttribute('before', 1);
    span.end();
    const snapshot = JSON.stringify({
      a: span.attributes,
      e: span.events,
      l: span.links,
      s: span.status,
      n: span.name,
      t: span.endTime,
    });
    span.setAttribute('after', 1);
    span.setAttributes({ x: 1 });
    span.addEvent('late');
    span.addLink({ context: OTHER });
    span.addLinks([{ context: OTHER }]);
    span.setStatus({ code: StatusCode.ERROR, message: 'late' });
    span.updateName('late');
    span.recordException(new Error('late'));
    span.end();
    assert.equal(
      JSON.stringify({ a: span.attributes, e: span.events, l: span.links, s: span.status, n: span.name, t: span.endTime }),
      snapshot,
    );
    assert.equal(span.droppedEventsCount + span.droppedLinksCount + span.droppedAttributesCount, 0);
  });

  it('methods chain', () => {
    const span = setup().start();
    assert.equal(span.setAttribute('a', 1).setAttributes({}).addEvent('e').addLink({ context: OTHER }).setStatus({ code: 0 }).updateName('n'), span);
  });
});

describe('Span: recordException', () => {
  const exceptionEvent = (span: Span) => {
    const events = span.events.filter((e) => e.name === 'exception');
    assert.equal(events.length, 1);
    return events[0]!;
  };

  it('records an Error as type, message and stack, without changing the status', () => {
    const span = setup().start();
    const err = new TypeError('bad thing');
    span.recordException(err);
    assert.deepEqual(exceptionEvent(span).attributes, {
      'exception.type': 'TypeError',
      'exception.message': 'bad thing',
      'exception.stacktrace': err.stack,
    });
    assert.deepEqual(span.status, { code: StatusCode.UNSET });
  });

  it('records a string as the message', () => {
    const span = setup().start();
    span.recordException('went wrong');
    assert.deepEqual(exceptionEvent(span).attributes, { 'exception.message': 'went wrong' });
  });

  it('uses a code (string or number) as the type', () => {
    const a = setup().start();
    a.recordException(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    assert.equal(exceptionEvent(a).attributes['exception.type'], 'ECONNREFUSED');
    const b = setup().start();
    b.recordException({ code: 404, message: 'not found' });
    assert.deepEqual(exceptionEvent(b).attributes, { 'exception.type': '404', 'exception.message': 'not found' });
    const c = setup().start();
    c.recordException({ name: 'Custom' });
    assert.deepEqual(exceptionEvent(c).attributes, { 'exception.type': 'Custom' });
  });

  it('takes a time', () => {
    const span = setup().start();
    span.recordException(new Error('x'), [1_700_000_000, 1]);
    assert.deepEqual(exceptionEvent(span).time, [1_700_000_000, 1]);
  });

  it('records nothing for values that say nothing', () => {
    const span = setup().start();
    for (const v of [undefined, null, 42, true, {}, { message: 5 }, Symbol('s'), () => 1]) span.recordException(v);
    assert.equal(span.events.length, 0);
  });
});

describe('Span: identity', () => {
  it('carries the provider resource, the tracer scope, kind and context', () => {
    const { start } = setup();
    const span = start('op', { kind: SpanKind.CLIENT });
    assert.equal(span.kind, SpanKind.CLIENT);
    assert.deepEqual(span.resource.attributes, { 'service.name': 'span-test' });
    assert.deepEqual(span.instrumentationScope, { name: 'span-test', version: '1.0.0' });
    assert.match(span.spanContext().traceId, /^[0-9a-f]{32}$/);
    assert.match(span.spanContext().spanId, /^[0-9a-f]{16}$/);
    assert.equal(span.spanContext().traceFlags, 1);
    assert.equal(span.parentSpanId, undefined);
  });
});
