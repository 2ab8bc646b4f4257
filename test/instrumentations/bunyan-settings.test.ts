import { strict as assert } from 'node:assert';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { diag } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry } from '../../src/instrumentation/registry';
import { isWrapped } from '../../src/instrumentation/shimmer';
import { testEngine, type TestEngine } from '../helpers/engine';

/**
 * The bunyan instrumentation under the settings that turn its halves off:
 * TS_OTEL_RUN_LOG_CORRELATION=false (records still exported, output untouched) and
 * TS_OTEL_RUN_LOG_SENDING_DISABLED=bunyan (ids still added, nothing exported), and both (bunyan
 * not wrapped at all). A registry's configuration is fixed, so each block has its own, and
 * disables it before the next one patches the same module.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const NAME = 'bunyan';
const baseDir = dirname(require.resolve(join(NAME, 'package.json')));
const TRACE_FIELDS = /"trace_id":"[0-9a-f]{32}","span_id":"[0-9a-f]{16}","trace_flags":"01"/;

function capture(): { lines: string[]; stream: { write(s: string): boolean } } {
  const lines: string[] = [];
  return { lines, stream: { write: (s: string) => (lines.push(s), true) } };
}

/** A registry over `engine` with bunyan patched; disabled again after the block. */
function patched(engine: TestEngine): () => any {
  const registry = new Registry(CATALOG.filter((e) => e.id === 'bunyan'), engine.config, diag, engine.services);
  let bunyan: any;
  before(() => {
    bunyan = registry.onModule('bunyan', require(NAME), baseDir, 'commonjs');
  });
  after(() => registry.disable('bunyan'));
  return () => bunyan;
}

function inSpan(engine: TestEngine, fn: () => void): string {
  return engine.tracerProvider.getTracer('app').startActiveSpan('op', (span: any) => {
    fn();
    span.end();
    return span.spanContext().traceId;
  }) as string;
}

describe('TS_OTEL_RUN_LOG_CORRELATION=false', () => {
  const engine = testEngine({ TS_OTEL_RUN_LOG_CORRELATION: 'false' });
  const bunyan = patched(engine);

  it('the output is untouched; records are exported with the trace context all the same', () => {
    const { stream, lines } = capture();
    const log = bunyan().createLogger({ name: 'no-corr', stream });
    const traceId = inSpan(engine, () => log.info({ a: 1 }, 'inside'));
    assert.equal(lines.length, 1);
    assert.doesNotMatch(lines[0]!, /trace_id|span_id|trace_flags/);
    assert.equal(engine.logs.records.length, 1);
    const [r] = engine.logs.records;
    assert.equal(r!.body, 'inside');
    assert.equal(r!.spanContext?.traceId, traceId);
    assert.deepEqual(Object.keys(r!.attributes).sort(), ['a', 'hostname', 'name', 'pid']);
  });
});

describe('TS_OTEL_RUN_LOG_SENDING_DISABLED=bunyan', () => {
  const engine = testEngine({ TS_OTEL_RUN_LOG_SENDING_DISABLED: 'bunyan' });
  const bunyan = patched(engine);

  it('the output gets the trace ids; nothing is exported', () => {
    const { stream, lines } = capture();
    const log = bunyan().createLogger({ name: 'no-send', stream });
    inSpan(engine, () => log.warn('inside'));
    log.warn('outside');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, TRACE_FIELDS);
    assert.doesNotMatch(lines[1]!, /trace_id/);
    assert.equal(engine.logs.records.length, 0);
  });
});

describe('both off', () => {
  const engine = testEngine({ TS_OTEL_RUN_LOG_CORRELATION: 'false', TS_OTEL_RUN_LOG_SENDING_DISABLED: 'bunyan' });
  const bunyan = patched(engine);

  it('bunyan is left as it is: no wrapper, no cost per call', () => {
    assert.ok(!isWrapped(bunyan().prototype._emit));
    const { stream, lines } = capture();
    const log = bunyan().createLogger({ name: 'off', stream });
    inSpan(engine, () => log.info('inside'));
    assert.doesNotMatch(lines[0]!, /trace_id/);
    assert.equal(engine.logs.records.length, 0);
  });
});

describe('reached by import (an ES module namespace)', () => {
  const engine = testEngine();
  const registry = new Registry(CATALOG.filter((e) => e.id === 'bunyan'), engine.config, diag, engine.services);
  const exports = require(NAME);
  const namespace = Object.freeze({ __proto__: null, default: exports, [Symbol.toStringTag]: 'Module' });
  after(() => registry.disable('bunyan'));

  it('the module behind `default` is patched; the namespace is handed back as it was', () => {
    assert.equal(registry.onModule('bunyan', namespace, baseDir, 'module'), namespace);
    assert.ok(isWrapped(exports.prototype._emit));
    const { stream, lines } = capture();
    const traceId = inSpan(engine, () => exports.createLogger({ name: 'esm', stream }).info('hi'));
    assert.match(lines[0]!, TRACE_FIELDS);
    assert.equal(engine.logs.records[0]?.spanContext?.traceId, traceId);
  });
});
