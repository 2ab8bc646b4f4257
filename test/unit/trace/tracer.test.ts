import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../../src/config/resolve';
import { ROOT_CONTEXT, suppressTracing, type Context } from '../../../src/context/context';
import { ContextManager } from '../../../src/context/manager';
import { alwaysOff, alwaysOn, parentBased, SamplingDecision, type Sampler } from '../../../src/trace/sampler';
import { Span } from '../../../src/trace/span';
import { getSpan, getSpanContext, NonRecordingSpan, setSpan, setSpanContext } from '../../../src/trace/span-context';
import { spanLimitsFromConfig, TracerProvider, type Tracer } from '../../../src/trace/tracer';
import { SpanKind, TraceFlags, type ReadableSpan, type SpanContext, type SpanProcessor, type TraceState } from '../../../src/trace/types';

function config(env: Record<string, string> = {}) {
  const r = resolveConfig({ env, cwd: process.cwd() });
  assert.deepEqual(r.problems, []);
  return r.config;
}

class Memory implements SpanProcessor {
  spans: ReadableSpan[] = [];
  onEnd(span: ReadableSpan) {
    this.spans.push(span);
  }
  async forceFlush() {}
  async shutdown() {}
}

function setup(sampler: Sampler = parentBased(alwaysOn), extra: SpanProcessor[] = []) {
  const memory = new Memory();
  const contextManager = new ContextManager();
  const provider = new TracerProvider({
    resource: { attributes: { 'service.name': 'tracer-test' } },
    sampler,
    limits: spanLimitsFromConfig(config()),
    contextManager,
    processors: [...extra, memory],
  });
  return { memory, contextManager, provider, tracer: provider.getTracer('test') };
}

const REMOTE: SpanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true };

describe('Tracer.startSpan: parents', () => {
  it('a span without an active span starts a new trace', () => {
    const { tracer } = setup();
    const a = tracer.startSpan('a') as Span;
    const b = tracer.startSpan('b') as Span;
    assert.ok(a instanceof Span);
    assert.equal(a.parentSpanId, undefined);
    assert.notEqual(a.spanContext().traceId, b.spanContext().traceId);
  });

  it('takes the parent from the active context', () => {
    const { tracer, contextManager } = setup();
    const parent = tracer.startSpan('parent') as Span;
    const child = contextManager.with(setSpan(ROOT_CONTEXT, parent), () => tracer.startSpan('child')) as Span;
    assert.equal(child.spanContext().traceId, parent.spanContext().traceId);
    assert.equal(child.parentSpanId, parent.spanContext().spanId);
    assert.notEqual(child.spanContext().spanId, parent.spanContext().spanId);
    assert.equal(child.parentIsRemote, false);
  });

  it('takes the parent from an explicit context over the active one', () => {
    const { tracer, contextManager } = setup();
    const active = tracer.startSpan('active') as Span;
    const child = contextManager.with(setSpan(ROOT_CONTEXT, active), () =>
      tracer.startSpan('child', {}, setSpanContext(ROOT_CONTEXT, REMOTE)),
    ) as Span;
    assert.equal(child.spanContext().traceId, REMOTE.traceId);
    assert.equal(child.parentSpanId, REMOTE.spanId);
    assert.equal(child.parentIsRemote, true);
  });

  it('keeps the parent trace state', () => {
    const { tracer } = setup();
    const ts: TraceState = { set: () => ts, unset: () => ts, get: () => undefined, serialize: () => 'k=v' };
    const child = tracer.startSpan('child', {}, setSpanContext(ROOT_CONTEXT, { ...REMOTE, traceState: ts })) as Span;
    assert.equal(child.spanContext().traceState, ts);
  });

  it('the root option starts a new trace despite an active span', () => {
    const { tracer, contextManager } = setup();
    const child = contextManager.with(setSpanContext(ROOT_CONTEXT, REMOTE), () => tracer.startSpan('root', { root: true })) as Span;
    assert.notEqual(child.spanContext().traceId, REMOTE.traceId);
    assert.equal(child.parentSpanId, undefined);
    assert.equal(child.parentIsRemote, false);
  });

  it('ignores an invalid parent context', () => {
    const { tracer } = setup();
    for (const bad of [
      { traceId: '0'.repeat(32), spanId: REMOTE.spanId, traceFlags: 1 },
      { traceId: REMOTE.traceId, spanId: '0'.repeat(16), traceFlags: 1 },
      { traceId: 'XYZ', spanId: REMOTE.spanId, traceFlags: 1 },
    ]) {
      const span = tracer.startSpan('x', {}, setSpanContext(ROOT_CONTEXT, bad)) as Span;
      assert.ok(span instanceof Span);
      assert.equal(span.parentSpanId, undefined);
      assert.match(span.spanContext().traceId, /^(?!0{32})[0-9a-f]{32}$/);
      assert.notEqual(span.spanContext().traceId, bad.traceId);
    }
  });

  it('takes kind, attributes, links and start time from the options', () => {
    const { tracer } = setup();
    const span = tracer.startSpan('s', {
      kind: SpanKind.PRODUCER,
      attributes: { a: 1 },
      links: [{ context: REMOTE }],
      startTime: [1_700_000_000, 0],
    }) as Span;
    assert.equal(span.kind, SpanKind.PRODUCER);
    assert.deepEqual(span.attributes, { a: 1 });
    assert.equal(span.links.length, 1);
    assert.deepEqual(span.startTime, [1_700_000_000, 0]);
    assert.equal((tracer.startSpan('d') as Span).kind, SpanKind.INTERNAL);
  });
});

describe('Tracer.startSpan: sampling and suppression', () => {
  it('while tracing is suppressed, gives a non-recording span that keeps the parent context', () => {
    const { tracer, memory } = setup();
    const suppressed = suppressTracing(setSpanContext(ROOT_CONTEXT, REMOTE));
    const span = tracer.startSpan('x', {}, suppressed);
    assert.ok(span instanceof NonRecordingSpan);
    assert.equal(span.isRecording(), false);
    assert.deepEqual(span.spanContext(), REMOTE);
    span.end();
    const noParent = tracer.startSpan('y', {}, suppressTracing(ROOT_CONTEXT));
    assert.ok(noParent instanceof NonRecordingSpan);
    assert.equal(noParent.spanContext().traceFlags, TraceFlags.NONE);
    assert.equal(memory.spans.length, 0);
  });

  it('suppression is read from the active context too', () => {
    const { tracer, contextManager } = setup();
    const span = contextManager.with(suppressTracing(ROOT_CONTEXT), () => tracer.startSpan('x'));
    assert.ok(span instanceof NonRecordingSpan);
  });

  it('an unsampled span is not exported but its context propagates with traceFlags 0', () => {
    const { tracer, memory } = setup(alwaysOff);
    const span = tracer.startSpan('dropped');
    assert.ok(span instanceof NonRecordingSpan);
    assert.equal(span.isRecording(), false);
    const sc = span.spanContext();
    assert.match(sc.traceId, /^[0-9a-f]{32}$/);
    assert.match(sc.spanId, /^[0-9a-f]{16}$/);
    assert.equal(sc.traceFlags, 0);
    span.end();
    assert.equal(memory.spans.length, 0);
    // a child under parentbased joins the trace, unsampled, with its own span id
    const child = setup(parentBased(alwaysOn)).tracer.startSpan('child', {}, setSpan(ROOT_CONTEXT, span));
    assert.equal(child.spanContext().traceId, sc.traceId);
    assert.notEqual(child.spanContext().spanId, sc.spanId);
    assert.equal(child.spanContext().traceFlags, 0);
    assert.ok(child instanceof NonRecordingSpan);
  });

  it('under parentbased a child of an unsampled parent is unsampled; under always_on it is sampled and names the parent', () => {
    const unsampledParent = setSpanContext(ROOT_CONTEXT, { ...REMOTE, traceFlags: 0 });
    const pb = setup(parentBased(alwaysOn));
    const a = pb.tracer.startSpan('a', {}, unsampledParent);
    assert.ok(a instanceof NonRecordingSpan);
    assert.equal(a.spanContext().traceFlags, 0);
    assert.equal(a.spanContext().traceId, REMOTE.traceId);

    const on = setup(alwaysOn);
    const b = on.tracer.startSpan('b', {}, unsampledParent) as Span;
    assert.ok(b instanceof Span);
    assert.equal(b.spanContext().traceFlags, TraceFlags.SAMPLED);
    assert.equal(b.spanContext().traceId, REMOTE.traceId);
    assert.equal(b.parentSpanId, REMOTE.spanId);
    b.end();
    assert.deepEqual(on.memory.spans, [b]);
  });

  it('under parentbased a child of a sampled parent is sampled even when the root sampler drops', () => {
    const { tracer, memory } = setup(parentBased(alwaysOff));
    const span = tracer.startSpan('x', {}, setSpanContext(ROOT_CONTEXT, REMOTE)) as Span;
    assert.ok(span instanceof Span);
    span.end();
    assert.equal(memory.spans.length, 1);
    assert.ok(tracer.startSpan('root') instanceof NonRecordingSpan);
  });

  it('RECORD records without sampling: the span is recording but never reaches the processors', () => {
    const record: Sampler = { shouldSample: () => ({ decision: SamplingDecision.RECORD }), toString: () => 'record' };
    const { tracer, memory } = setup(record);
    const span = tracer.startSpan('x') as Span;
    assert.ok(span instanceof Span);
    assert.equal(span.isRecording(), true);
    assert.equal(span.spanContext().traceFlags, 0);
    span.end();
    assert.equal(memory.spans.length, 0);
  });

  it('the sampler sees the parent, trace id, name, kind and attributes; its attributes and trace state are used', () => {
    const seen: unknown[][] = [];
    const ts: TraceState = { set: () => ts, unset: () => ts, get: () => undefined, serialize: () => 'sampler=1' };
    const sampler: Sampler = {
      shouldSample: (...args) => {
        seen.push(args);
        return { decision: SamplingDecision.RECORD_AND_SAMPLED, attributes: { 'sampler.attr': true }, traceState: ts };
      },
      toString: () => 'spy',
    };
    const { tracer } = setup(sampler);
    const span = tracer.startSpan('op', { kind: SpanKind.SERVER, attributes: { a: 1 } }, setSpanContext(ROOT_CONTEXT, REMOTE)) as Span;
    assert.deepEqual(seen, [[REMOTE, REMOTE.traceId, 'op', SpanKind.SERVER, { a: 1 }]]);
    assert.deepEqual(span.attributes, { a: 1, 'sampler.attr': true });
    assert.equal(span.spanContext().traceState, ts);
  });
});

describe('TracerProvider', () => {
  it('caches one tracer per scope (name, version, schema URL)', () => {
    const { provider } = setup();
    assert.equal(provider.getTracer('a'), provider.getTracer('a'));
    assert.equal(provider.getTracer('a', '1'), provider.getTracer('a', '1'));
    assert.notEqual(provider.getTracer('a', '1'), provider.getTracer('a', '2'));
    assert.notEqual(provider.getTracer('a', '1'), provider.getTracer('a'));
    assert.notEqual(provider.getTracer('a', '1', { schemaUrl: 's' }), provider.getTracer('a', '1'));
    assert.deepEqual(provider.getTracer('a', '1', { schemaUrl: 's' }).scope, { name: 'a', version: '1', schemaUrl: 's' });
    assert.deepEqual(provider.getTracer('b').scope, { name: 'b' });
    assert.deepEqual(provider.getTracer('').scope, { name: 'unknown' });
  });

  it('sends only sampled ended spans to every processor, in order', () => {
    const other = new Memory();
    const { tracer, memory } = setup(parentBased(alwaysOn), [other]);
    const span = tracer.startSpan('x');
    assert.equal(memory.spans.length, 0, 'not before the end');
    span.end();
    assert.deepEqual(memory.spans, [span]);
    assert.deepEqual(other.spans, [span]);
  });

  it('a throwing processor does not break span.end() nor the processors after it', async () => {
    const throwing: SpanProcessor = {
      onEnd() {
        throw new Error('processor broke');
      },
      forceFlush: () => Promise.reject(new Error('flush broke')),
      shutdown: () => Promise.reject(new Error('shutdown broke')),
    };
    const { tracer, memory, provider } = setup(alwaysOn, [throwing]);
    const span = tracer.startSpan('x');
    assert.doesNotThrow(() => span.end());
    assert.equal(memory.spans.length, 1);
    await provider.forceFlush();
    await provider.shutdown();
  });

  it('addSpanProcessor adds a processor for spans ending later', () => {
    const { tracer, provider } = setup();
    const late = new Memory();
    const before = tracer.startSpan('before');
    before.end();
    provider.addSpanProcessor(late);
    const after = tracer.startSpan('after');
    after.end();
    assert.deepEqual(late.spans.map((s) => s.name), ['after']);
  });

  it('forceFlush and shutdown reach every processor', async () => {
    const calls: string[] = [];
    const p = (n: string): SpanProcessor => ({
      onEnd() {},
      forceFlush: async () => void calls.push(`${n}.flush`),
      shutdown: async () => void calls.push(`${n}.shutdown`),
    });
    const { provider } = setup(alwaysOn, [p('a'), p('b')]);
    await provider.forceFlush();
    await provider.shutdown();
    assert.deepEqual(calls.sort(), ['a.flush', 'a.shutdown', 'b.flush', 'b.shutdown']);
  });
});

type AnySpan = Span | NonRecordingSpan;

describe('Tracer.startActiveSpan', () => {
  const check = (_tracer: Tracer, contextManager: ContextManager) => (span: Span | NonRecordingSpan) => {
    assert.equal(getSpan(contextManager.active()), span, 'the span is active inside fn');
    return span;
  };

  it('(name, fn): runs fn with the span active and returns its result', () => {
    const { tracer, contextManager } = setup();
    let inside: unknown;
    const result = tracer.startActiveSpan('a', (span: AnySpan) => {
      inside = span;
      check(tracer, contextManager)(span);
      return 'result';
    });
    assert.equal(result, 'result');
    assert.ok(inside instanceof Span);
    assert.equal((inside as Span).name, 'a');
    assert.equal(getSpan(contextManager.active()), undefined, 'not active afterwards');
  });

  it('(name, options, fn): the options are used', () => {
    const { tracer, contextManager } = setup();
    const span = tracer.startActiveSpan('b', { kind: SpanKind.CLIENT, attributes: { x: 1 } }, check(tracer, contextManager)) as Span;
    assert.equal(span.kind, SpanKind.CLIENT);
    assert.deepEqual(span.attributes, { x: 1 });
  });

  it('(name, options, context, fn): the context gives the parent and is what fn runs in', () => {
    const { tracer, contextManager } = setup();
    const KEY = Symbol('extra');
    const ctx: Context = setSpanContext(ROOT_CONTEXT, REMOTE).setValue(KEY, 'carried');
    const span = tracer.startActiveSpan('c', {}, ctx, (s: AnySpan) => {
      check(tracer, contextManager)(s);
      assert.equal(contextManager.active().getValue(KEY), 'carried');
      return s;
    }) as Span;
    assert.equal(span.parentSpanId, REMOTE.spanId);
    assert.equal(span.spanContext().traceId, REMOTE.traceId);
  });

  it('nested startActiveSpan builds a parent chain; async work inside keeps the span', async () => {
    const { tracer, contextManager } = setup();
    const [outer, inner] = await tracer.startActiveSpan<(o: AnySpan) => Promise<readonly [AnySpan, AnySpan]>>('outer', async (o: AnySpan) => {
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(getSpan(contextManager.active()), o);
      const i = tracer.startActiveSpan('inner', (s: AnySpan) => s) as AnySpan;
      return [o, i] as const;
    });
    assert.equal((inner as Span).parentSpanId, outer.spanContext().spanId);
  });

  it('an unsampled span is active too (its context propagates)', () => {
    const { tracer, contextManager } = setup(alwaysOff);
    tracer.startActiveSpan('x', (span: AnySpan) => {
      assert.ok(span instanceof NonRecordingSpan);
      assert.equal(getSpanContext(contextManager.active())?.spanId, span.spanContext().spanId);
    });
  });
});

describe('spanLimitsFromConfig', () => {
  it('defaults: 128 everywhere, no length limit', () => {
    assert.deepEqual(spanLimitsFromConfig(config()), {
      attributes: { countLimit: 128, valueLengthLimit: Infinity },
      eventCountLimit: 128,
      linkCountLimit: 128,
      eventAttributes: { countLimit: 128, valueLengthLimit: Infinity },
      linkAttributes: { countLimit: 128, valueLengthLimit: Infinity },
    });
  });

  it('the general OTEL_ATTRIBUTE_* limits apply when no span limit is set', () => {
    const l = spanLimitsFromConfig(config({ OTEL_ATTRIBUTE_COUNT_LIMIT: '5', OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '7' }));
    assert.deepEqual(l.attributes, { countLimit: 5, valueLengthLimit: 7 });
    assert.equal(l.eventAttributes.valueLengthLimit, 7);
    assert.equal(l.linkAttributes.valueLengthLimit, 7);
  });

  it('OTEL_SPAN_* limits win over OTEL_ATTRIBUTE_*', () => {
    const l = spanLimitsFromConfig(
      config({
        OTEL_ATTRIBUTE_COUNT_LIMIT: '5',
        OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '7',
        OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '9',
        OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '11',
      }),
    );
    assert.deepEqual(l.attributes, { countLimit: 9, valueLengthLimit: 11 });
    assert.equal(l.eventAttributes.valueLengthLimit, 11);
  });

  it('a span limit of 0 is kept (not taken for unset)', () => {
    const l = spanLimitsFromConfig(config({ OTEL_ATTRIBUTE_COUNT_LIMIT: '5', OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '0' }));
    assert.equal(l.attributes.countLimit, 0);
  });

  it('event, link and their attribute counts', () => {
    const l = spanLimitsFromConfig(
      config({
        OTEL_SPAN_EVENT_COUNT_LIMIT: '3',
        OTEL_SPAN_LINK_COUNT_LIMIT: '4',
        OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: '5',
        OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: '6',
      }),
    );
    assert.equal(l.eventCountLimit, 3);
    assert.equal(l.linkCountLimit, 4);
    assert.equal(l.eventAttributes.countLimit, 5);
    assert.equal(l.linkAttributes.countLimit, 6);
  });
});
