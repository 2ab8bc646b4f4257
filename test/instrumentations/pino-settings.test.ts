import { strict as assert } from 'node:assert';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { diag } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry } from '../../src/instrumentation/registry';
import { testEngine, type TestEngine } from '../helpers/engine';

/**
 * The pino instrumentation under the log settings, read when a logger is made:
 * TS_OTEL_RUN_LOG_CORRELATION=false (records, no trace ids in the output),
 * TS_OTEL_RUN_LOG_SENDING_DISABLED=pino (trace ids, no records), and both (loggers left alone).
 * Each setting has its own engine and registry, and so its own replacement of the factory.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const FIXED_TIME = () => ',"time":1700000000000';
const registries: Registry[] = [];
after(() => {
  for (const r of registries) r.disable('pino');
});

function setup(env: NodeJS.ProcessEnv, name: string): { engine: TestEngine; pino: any; original: any } {
  const engine = testEngine(env);
  const registry = new Registry(
    CATALOG.filter((e) => e.id === 'pino'),
    engine.config,
    diag,
    engine.services,
  );
  registries.push(registry);
  const dir = dirname(require.resolve(`${name}/package.json`));
  const original = require(name);
  return { engine, original, pino: registry.onModule('pino', original, dir, 'commonjs') };
}

function sink(): { stream: Writable; chunks: string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    decodeStrings: false,
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  return { stream, chunks };
}

/** Logs outside and inside a span; returns the span's ids. */
function logAround(engine: TestEngine, logger: any): { traceId: string; spanId: string } {
  logger.info({ a: 1 }, 'outside');
  return engine.tracerProvider.getTracer('app').startActiveSpan<(s: any) => { traceId: string; spanId: string }>('op', (span: any) => {
    logger.child({ c: 1 }).warn({ a: 2 }, 'inside');
    span.end();
    return span.spanContext();
  });
}

for (const name of ['pino-oldest', 'pino']) {
  const version: string = require(join(dirname(require.resolve(`${name}/package.json`)), 'package.json')).version;

  describe(`${name} (${version}) with TS_OTEL_RUN_LOG_CORRELATION=false`, () => {
    const { engine, pino, original } = setup({ TS_OTEL_RUN_LOG_CORRELATION: 'false' }, name);

    it("records are exported with the span's trace; the output is exactly pino's", () => {
      const ours = sink();
      const theirs = sink();
      const logger = pino({ timestamp: FIXED_TIME }, ours.stream);
      assert.equal(logger[original.symbols.mixinSym], undefined, 'no mixin installed');
      const sc = logAround(engine, logger);
      logAround(engine, original({ timestamp: FIXED_TIME }, theirs.stream));
      assert.deepEqual(ours.chunks, theirs.chunks);
      const records = engine.logs.records;
      assert.deepEqual(
        records.map((r) => [r.body, r.spanContext?.spanId]),
        [
          ['outside', undefined],
          ['inside', sc.spanId],
        ],
      );
    });

    it("a program's mixin is left as it was", () => {
      const mixin = () => ({ m: 1 });
      const logger = pino({ mixin }, sink().stream);
      assert.equal(logger[original.symbols.mixinSym], mixin);
    });
  });

  describe(`${name} (${version}) with TS_OTEL_RUN_LOG_SENDING_DISABLED=pino`, () => {
    const { engine, pino, original } = setup({ TS_OTEL_RUN_LOG_SENDING_DISABLED: 'pino' }, name);

    it('no records, no stream next to the destination; trace ids still in the output', () => {
      const out = sink();
      const logger = pino(out.stream);
      assert.equal(logger[original.symbols.streamSym], out.stream);
      const sc = logAround(engine, logger);
      assert.equal(engine.logs.records.length, 0);
      const [outside, inside] = out.chunks.map((c) => JSON.parse(c));
      assert.equal(outside.trace_id, undefined);
      assert.equal(inside.trace_id, sc.traceId);
      assert.equal(inside.span_id, sc.spanId);
    });
  });

  describe(`${name} (${version}) with both off`, () => {
    const { engine, pino, original } = setup({ TS_OTEL_RUN_LOG_CORRELATION: 'false', TS_OTEL_RUN_LOG_SENDING_DISABLED: 'pino' }, name);

    it('the logger is exactly the one pino made', () => {
      const out = sink();
      const mixin = () => ({ m: 1 });
      const logger = pino({ mixin }, out.stream);
      assert.equal(logger[original.symbols.streamSym], out.stream);
      assert.equal(logger[original.symbols.mixinSym], mixin);
      logAround(engine, logger);
      assert.equal(engine.logs.records.length, 0);
      assert.ok(out.chunks.every((c) => !c.includes('trace_id')));
    });
  });
}
