import { strict as assert } from 'node:assert';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ContextManager } from '../../../src/context/manager';
import { diag, setLevel, setSink } from '../../../src/diag/index';
import { ConsoleSpanExporter, spanToJson } from '../../../src/exporters/console';
import { SimpleProcessor } from '../../../src/processing/simple';
import type { Exporter } from '../../../src/processing/types';
import { alwaysOn } from '../../../src/trace/sampler';
import type { Span, SpanLimits } from '../../../src/trace/span';
import { setSpanContext } from '../../../src/trace/span-context';
import { TracerProvider } from '../../../src/trace/tracer';
import { ROOT_CONTEXT } from '../../../src/context/context';
import { SpanKind, StatusCode, type ExportResult, type ReadableSpan, type TraceState } from '../../../src/trace/types';

const LIMITS: SpanLimits = {
  attributes: { countLimit: 128, valueLengthLimit: Infinity },
  eventCountLimit: 128,
  linkCountLimit: 128,
  eventAttributes: { countLimit: 128, valueLengthLimit: Infinity },
  linkAttributes: { countLimit: 128, valueLengthLimit: Infinity },
};

let lines: string[] = [];
let previousSink: ((line: string) => void) | undefined;
before(() => {
  previousSink = setSink((line) => lines.push(line));
});
after(() => {
  if (previousSink) setSink(previousSink);
  setLevel('warn');
});
beforeEach(() => {
  lines = [];
  setLevel('warn');
});

function engine(processor: SimpleProcessor<ReadableSpan>) {
  const provider = new TracerProvider({
    resource: { attributes: { 'service.name': 'console-test', 'host.name': 'h' }, schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' },
    sampler: alwaysOn,
    limits: LIMITS,
    contextManager: new ContextManager(),
    processors: [processor],
  });
  return provider.getTracer('console-scope', '2.3.4');
}

const PARENT = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true };

describe('ConsoleSpanExporter through the SimpleProcessor', () => {
  it('writes one JSON line per span with the documented fields', () => {
    const written: string[] = [];
    const processor = new SimpleProcessor<ReadableSpan>(new ConsoleSpanExporter((t) => written.push(t)), diag);
    const tracer = engine(processor);
    const ts: TraceState = { set: () => ts, unset: () => ts, get: () => undefined, serialize: () => 'vendor=1' };
    const span = tracer.startSpan(
      'GET /users',
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.method': 'GET', list: [1, 2] },
        startTime: [1_700_000_000, 100_000_000],
        links: [{ context: { ...PARENT, spanId: '1111111111111111', traceState: ts }, attributes: { l: true } }],
      },
      setSpanContext(ROOT_CONTEXT, PARENT),
    ) as Span;
    span.addEvent('cache miss', { key: 'u1' }, [1_700_000_000, 200_000_000]);
    span.setStatus({ code: StatusCode.ERROR, message: 'db down' });
    span.end([1_700_000_001, 350_500_000]);

    assert.equal(written.length, 1);
    assert.ok(written[0]!.endsWith('\n'));
    assert.equal(written[0]!.split('\n').length, 2, 'exactly one line');
    const json = JSON.parse(written[0]!);
    assert.deepEqual(json, {
      name: 'GET /users',
      context: { trace_id: PARENT.traceId, span_id: span.spanContext().spanId, trace_flags: 1, trace_state: '' },
      kind: 'SERVER',
      parent_id: PARENT.spanId,
      start_time: '2023-11-14T22:13:20.100000000Z',
      end_time: '2023-11-14T22:13:21.350500000Z',
      duration_ms: 1250.5,
      status: { status_code: 'ERROR', description: 'db down' },
      attributes: { 'http.method': 'GET', list: [1, 2] },
      events: [{ name: 'cache miss', timestamp: '2023-11-14T22:13:20.200000000Z', attributes: { key: 'u1' } }],
      links: [{ context: { trace_id: PARENT.traceId, span_id: '1111111111111111', trace_state: 'vendor=1' }, attributes: { l: true } }],
      resource: { attributes: { 'service.name': 'console-test', 'host.name': 'h' }, schema_url: 'https://opentelemetry.io/schemas/1.26.0' },
      scope: { name: 'console-scope', version: '2.3.4' },
    });
  });

  it('names every kind and status; a root span has parent_id null', () => {
    const written: string[] = [];
    const tracer = engine(new SimpleProcessor<ReadableSpan>(new ConsoleSpanExporter((t) => written.push(t)), diag));
    const kinds = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
    kinds.forEach((_, kind) => {
      const span = tracer.startSpan(`k${kind}`, { kind: kind as SpanKind }) as Span;
      if (kind === 1) span.setStatus({ code: StatusCode.OK });
      span.end();
    });
    const parsed = written.map((w) => JSON.parse(w));
    assert.deepEqual(parsed.map((p) => p.kind), kinds);
    assert.deepEqual(parsed.map((p) => p.status), [
      { status_code: 'UNSET' },
      { status_code: 'OK' },
      { status_code: 'UNSET' },
      { status_code: 'UNSET' },
      { status_code: 'UNSET' },
    ]);
    assert.ok(parsed.every((p) => p.parent_id === null));
    assert.ok(parsed.every((p) => p.duration_ms >= 0));
    assert.ok(parsed.every((p) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(p.start_time)));
  });

  it('several spans in one export are several lines', () => {
    const written: string[] = [];
    const exporter = new ConsoleSpanExporter((t) => written.push(t));
    const spans: ReadableSpan[] = [];
    const tracer = engine(new SimpleProcessor<ReadableSpan>({ export: (s, done) => (spans.push(...s), done({ code: 0 })), shutdown: async () => {} }, diag));
    tracer.startSpan('a').end();
    tracer.startSpan('b').end();
    let result: ExportResult | undefined;
    exporter.export(spans, (r) => (result = r));
    assert.deepEqual(result, { code: 0 });
    assert.equal(written.length, 1);
    assert.deepEqual(written[0]!.trimEnd().split('\n').map((l) => JSON.parse(l).name), ['a', 'b']);
  });

  it('a write that throws is a failed export, said once, and never breaks span.end()', () => {
    const exporter = new ConsoleSpanExporter(() => {
      throw new Error('stream closed');
    });
    let result: ExportResult | undefined;
    exporter.export([], (r) => (result = r));
    assert.equal(result?.code, 1);
    assert.match(String(result?.error), /stream closed/);
    const tracer = engine(new SimpleProcessor<ReadableSpan>(exporter, diag.child(`console-${process.hrtime.bigint()}`)));
    assert.doesNotThrow(() => tracer.startSpan('a').end());
    assert.doesNotThrow(() => tracer.startSpan('b').end());
    // the first failed export of this process (each test file runs in its own process)
    assert.equal(lines.filter((l) => l.includes('export failed: Error: stream closed')).length, 1, lines.join(''));
  });

  it('spanToJson leaves no message for a status without one', () => {
    const written: string[] = [];
    const tracer = engine(new SimpleProcessor<ReadableSpan>(new ConsoleSpanExporter((t) => written.push(t)), diag));
    const span = tracer.startSpan('x') as Span;
    span.setStatus({ code: StatusCode.ERROR });
    span.end();
    assert.deepEqual(spanToJson(span).status, { status_code: 'ERROR' });
  });
});

describe('SimpleProcessor', () => {
  it('exports each item as it ends', () => {
    const calls: number[][] = [];
    const p = new SimpleProcessor<number>({ export: (items, done) => (calls.push([...items]), done({ code: 0 })), shutdown: async () => {} }, diag);
    p.onEnd(1);
    p.onEnd(2);
    assert.deepEqual(calls, [[1], [2]]);
  });

  it('forceFlush waits for exports still running, then the exporter’s own flush', async () => {
    const events: string[] = [];
    const exporter: Exporter<number> = {
      export: (items, done) => setTimeout(() => (events.push(`done ${items[0]}`), done({ code: 0 })), 20),
      forceFlush: async () => void events.push('exporter flush'),
      shutdown: async () => void events.push('exporter shutdown'),
    };
    const p = new SimpleProcessor<number>(exporter, diag);
    p.onEnd(1);
    p.onEnd(2);
    await p.forceFlush();
    assert.deepEqual(events, ['done 1', 'done 2', 'exporter flush']);
    await p.shutdown();
    assert.deepEqual(events.slice(3), ['exporter flush', 'exporter shutdown']);
  });

  it('a failing or throwing exporter is said once per kind and never throws', async () => {
    const d = diag.child(`simple-${process.hrtime.bigint()}`);
    const failing = new SimpleProcessor<number>({ export: (_i, done) => done({ code: 1, error: new Error('nope') }), shutdown: async () => {} }, d);
    const throwing = new SimpleProcessor<number>(
      {
        export: () => {
          throw new Error('thrown');
        },
        shutdown: async () => {},
      },
      d,
    );
    for (let i = 0; i < 3; i++) {
      assert.doesNotThrow(() => failing.onEnd(i));
      assert.doesNotThrow(() => throwing.onEnd(i));
    }
    await failing.forceFlush();
    await throwing.forceFlush();
    // said once per process: the console test above already used up the failed-export message
    assert.equal(lines.filter((l) => l.includes('export failed: Error: nope')).length, 0, lines.join(''));
    assert.equal(lines.filter((l) => l.includes('export failed: Error: thrown')).length, 1, lines.join(''));
  });
});
