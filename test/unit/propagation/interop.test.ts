// Our headers against the OpenTelemetry JS implementation (@opentelemetry/core, present through the
// SDK dev dependencies): each side must read what the other writes. The tests are skipped, saying
// so, when that package is not installed.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  ROOT_CONTEXT as API_ROOT,
  defaultTextMapGetter as apiGetter,
  defaultTextMapSetter as apiSetter,
  propagation,
  trace,
  TraceFlags,
  type TextMapPropagator as ApiTextMapPropagator,
} from '@opentelemetry/api';
import { ROOT_CONTEXT } from '../../../src/context/context';
import {
  createBaggage,
  createPropagator,
  getBaggage,
  parseTraceState,
  setBaggage,
} from '../../../src/propagation/index';
import { extract, inject, remote, SPAN_ID, TRACE_ID, withSpan } from './helpers';

interface Core {
  W3CTraceContextPropagator: new () => ApiTextMapPropagator;
  W3CBaggagePropagator: new () => ApiTextMapPropagator;
  TraceState: new (raw?: string) => { serialize(): string };
}

let core: Core | undefined;
try {
  core = require('@opentelemetry/core') as Core;
} catch {
  core = undefined;
}
const skip = core === undefined ? '@opentelemetry/core is not installed' : false;

const ours = createPropagator(['tracecontext', 'baggage']);
const VALUES = { user: 'Amélie', city: 'São Paulo', emoji: '🚀', special: 'a,b;c=d "q" 100%' };

describe('interoperability with @opentelemetry/core', { skip }, () => {
  const c = core as Core;

  it('core reads our traceparent and tracestate', () => {
    const headers = inject(ours, withSpan({ traceFlags: 1, traceState: parseTraceState('a=1,b=2') }));
    const sc = trace.getSpanContext(new c.W3CTraceContextPropagator().extract(API_ROOT, headers, apiGetter));
    assert.deepEqual(
      [sc?.traceId, sc?.spanId, sc?.traceFlags, sc?.isRemote, sc?.traceState?.serialize()],
      [TRACE_ID, SPAN_ID, TraceFlags.SAMPLED, true, 'a=1,b=2'],
    );
  });

  it('we read core traceparent and tracestate', () => {
    const ctx = trace.setSpanContext(API_ROOT, {
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.NONE,
      traceState: new c.TraceState('vendor=x,other=y') as never,
    });
    const headers: Record<string, string> = {};
    new c.W3CTraceContextPropagator().inject(ctx, headers, apiSetter);
    const sc = remote(extract(ours, headers));
    assert.deepEqual([sc.traceId, sc.spanId, sc.traceFlags], [TRACE_ID, SPAN_ID, 0]);
    assert.equal(sc.traceState?.serialize(), headers.tracestate);
  });

  it('core reads our baggage, unicode and special characters included', () => {
    const b = createBaggage(Object.fromEntries(Object.entries(VALUES).map(([k, v]) => [k, { value: v }])));
    const headers = inject(ours, setBaggage(ROOT_CONTEXT, b));
    const got = propagation.getBaggage(new c.W3CBaggagePropagator().extract(API_ROOT, headers, apiGetter));
    assert.deepEqual(Object.fromEntries(got?.getAllEntries().map(([k, e]) => [k, e.value]) ?? []), VALUES);
  });

  it('we read core baggage', () => {
    const apiBaggage = propagation.createBaggage(
      Object.fromEntries(Object.entries(VALUES).map(([k, v]) => [k, { value: v }])),
    );
    const headers: Record<string, string> = {};
    new c.W3CBaggagePropagator().inject(propagation.setBaggage(API_ROOT, apiBaggage), headers, apiSetter);
    const got = getBaggage(extract(ours, headers));
    assert.deepEqual(Object.fromEntries(got?.getAllEntries().map(([k, e]) => [k, e.value]) ?? []), VALUES);
  });
});
