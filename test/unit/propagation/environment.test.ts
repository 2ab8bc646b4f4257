import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT } from '../../../src/context/context';
import {
  contextFromEnvironment,
  createBaggage,
  createPropagator,
  environmentGetter,
  environmentSetter,
  environmentVariableName,
  getBaggage,
  injectIntoEnvironment,
  parseTraceState,
  setBaggage,
} from '../../../src/propagation/index';
import { getSpanContext } from '../../../src/trace/span-context';
import { BASE, remote, SPAN_ID, TRACE_ID, TRACEPARENT, withSpan } from './helpers';

const w3c = createPropagator(['tracecontext', 'baggage']);

describe('environment variable names', () => {
  it('maps header names to upper-case variables with underscores', () => {
    assert.equal(environmentVariableName('traceparent'), 'TRACEPARENT');
    assert.equal(environmentVariableName('tracestate'), 'TRACESTATE');
    assert.equal(environmentVariableName('baggage'), 'BAGGAGE');
    assert.equal(environmentVariableName('uber-trace-id'), 'UBER_TRACE_ID');
    assert.equal(environmentVariableName('x-b3-traceid'), 'X_B3_TRACEID');
    assert.equal(environmentVariableName('a.b c'), 'A_B_C');
  });

  it('the getter reads only the mapped, upper-case variable, and only strings', () => {
    const env = { TRACEPARENT: 'x', traceparent: 'lower', NUM: 5 as unknown as string };
    assert.equal(environmentGetter.get(env, 'traceparent'), 'x');
    assert.equal(environmentGetter.get({ traceparent: 'lower' }, 'traceparent'), undefined);
    assert.equal(environmentGetter.get(env, 'num'), undefined);
    assert.equal(environmentGetter.get(null as unknown as Record<string, string>, 'traceparent'), undefined);
    assert.deepEqual(environmentGetter.keys({ UBERCTX_USER_ID: '1', PATH: '/bin' }), ['uberctx-user-id', 'path']);
  });

  it('the setter writes the mapped variable', () => {
    const env: Record<string, string> = {};
    environmentSetter.set(env, 'uber-trace-id', 'v');
    assert.deepEqual(env, { UBER_TRACE_ID: 'v' });
  });
});

describe('contextFromEnvironment', () => {
  it('extracts TRACEPARENT, TRACESTATE and BAGGAGE', () => {
    const ctx = contextFromEnvironment(w3c, {
      TRACEPARENT,
      TRACESTATE: 'vendor=x',
      BAGGAGE: 'job=nightly%20build',
      PATH: '/usr/bin',
    });
    const sc = remote(ctx);
    assert.deepEqual([sc.traceId, sc.spanId, sc.traceState?.get('vendor')], [TRACE_ID, SPAN_ID, 'x']);
    assert.equal(getBaggage(ctx)?.getEntry('job')?.value, 'nightly build');
  });

  it('returns the base context (ROOT_CONTEXT by default) when the environment holds nothing valid', () => {
    assert.equal(contextFromEnvironment(w3c, {}), ROOT_CONTEXT);
    assert.equal(contextFromEnvironment(w3c, { TRACEPARENT: 'garbage' }, BASE), BASE);
    assert.equal(contextFromEnvironment(w3c, { traceparent: TRACEPARENT }, BASE), BASE);
    const ctx = contextFromEnvironment(w3c, { TRACEPARENT }, BASE);
    assert.equal(ctx.getValue(Symbol.for('propagation-test.base')), 'base');
  });

  it('works with the other propagators: b3multi and jaeger with its baggage', () => {
    const b3 = contextFromEnvironment(createPropagator(['b3multi']), { X_B3_TRACEID: TRACE_ID, X_B3_SPANID: SPAN_ID });
    assert.equal(remote(b3).traceId, TRACE_ID);
    const jaeger = contextFromEnvironment(createPropagator(['jaeger']), {
      UBER_TRACE_ID: `${TRACE_ID}:${SPAN_ID}:0:1`,
      UBERCTX_USER_ID: 'alice',
    });
    assert.equal(remote(jaeger).spanId, SPAN_ID);
    assert.equal(getBaggage(jaeger)?.getEntry('user-id')?.value, 'alice');
  });

  it('never throws, even for a throwing propagator', () => {
    const throwing = { inject() {}, extract(): never { throw new Error('x'); }, fields: () => [] };
    assert.equal(contextFromEnvironment(throwing, { TRACEPARENT }, BASE), BASE);
  });
});

describe('injectIntoEnvironment', () => {
  it('writes the context into a copy of the environment for a child process', () => {
    const ctx = setBaggage(withSpan({ traceState: parseTraceState('v=1') }), createBaggage({ k: { value: 'a b' } }));
    const env = injectIntoEnvironment(w3c, ctx, { PATH: '/usr/bin' });
    assert.deepEqual(env, { PATH: '/usr/bin', TRACEPARENT, TRACESTATE: 'v=1', BAGGAGE: 'k=a%20b' });
  });

  it('removes stale variables the propagator owns before injecting', () => {
    const env = injectIntoEnvironment(w3c, withSpan(), { TRACESTATE: 'stale=1', BAGGAGE: 'stale=1', HOME: '/h' });
    assert.deepEqual(env, { HOME: '/h', TRACEPARENT });
    assert.deepEqual(injectIntoEnvironment(w3c, ROOT_CONTEXT, { TRACEPARENT: 'old' }), {});
  });

  it('does not modify process.env', () => {
    const before = process.env.TRACEPARENT;
    injectIntoEnvironment(w3c, withSpan());
    assert.equal(process.env.TRACEPARENT, before);
  });

  it('carries the context to a real child process', () => {
    const env = injectIntoEnvironment(w3c, setBaggage(withSpan(), createBaggage({ step: { value: 'build #2' } })), {
      ...process.env,
    });
    const index = join(__dirname, '../../../src/propagation/index.js');
    const context = join(__dirname, '../../../src/context/context.js');
    const spanContext = join(__dirname, '../../../src/trace/span-context.js');
    const script = `
      const p = require(${JSON.stringify(index)});
      const { ROOT_CONTEXT } = require(${JSON.stringify(context)});
      const { getSpanContext } = require(${JSON.stringify(spanContext)});
      const ctx = p.contextFromEnvironment(p.createPropagator(['tracecontext', 'baggage']), process.env, ROOT_CONTEXT);
      const sc = getSpanContext(ctx);
      process.stdout.write(JSON.stringify({ traceId: sc.traceId, spanId: sc.spanId, step: p.getBaggage(ctx).getEntry('step').value }));
    `;
    const child = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), { traceId: TRACE_ID, spanId: SPAN_ID, step: 'build #2' });
    assert.equal(getSpanContext(ROOT_CONTEXT), undefined);
  });
});
