// Shared by the propagation tests: carriers as plain header objects, and contexts holding a span.
import { strict as assert } from 'node:assert';
import { type Context, ROOT_CONTEXT } from '../../../src/context/context';
import { getSpanContext, setSpanContext } from '../../../src/trace/span-context';
import type { SpanContext } from '../../../src/trace/types';
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  type HeaderCarrier,
  type TextMapPropagator,
} from '../../../src/propagation/index';

export const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
export const SPAN_ID = 'b7ad6b7169203331';
export const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

/** A context that must come back untouched from an extract that finds nothing valid. */
export const BASE: Context = ROOT_CONTEXT.setValue(Symbol.for('propagation-test.base'), 'base');

export function extract(propagator: TextMapPropagator, carrier: HeaderCarrier, base: Context = BASE): Context {
  return propagator.extract(base, carrier, defaultTextMapGetter);
}

export function inject(propagator: TextMapPropagator, context: Context): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagator.inject(context, carrier, defaultTextMapSetter);
  return carrier;
}

export function withSpan(sc: Partial<SpanContext> = {}, base: Context = ROOT_CONTEXT): Context {
  return setSpanContext(base, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, ...sc });
}

/** The remote span context an extract produced; fails the test when there is none. */
export function remote(context: Context): SpanContext {
  const sc = getSpanContext(context);
  assert.ok(sc, 'expected a span context in the extracted context');
  assert.equal(sc.isRemote, true, 'an extracted span context is remote');
  return sc;
}

/** Asserts that an extract left the context exactly as it was. */
export function unchanged(result: Context, base: Context = BASE): void {
  assert.equal(result, base, 'the extract must return the very context it was given');
}

/** Printable ASCII only: what a header value may hold after our inject. */
export const HEADER_SAFE = /^[\x20-\x7e]*$/;

/** Small deterministic PRNG (mulberry32), so the fuzz cases are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
