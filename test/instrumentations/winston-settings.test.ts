import { strict as assert } from 'node:assert';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { diag } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry } from '../../src/instrumentation/registry';
import { isWrapped } from '../../src/instrumentation/shimmer';
import { testEngine, type TestEngine } from '../helpers/engine';

/**
 * The winston instrumentation under the settings that turn its halves off, on both installed
 * versions: TS_OTEL_RUN_LOG_CORRELATION=false (records still exported, output untouched),
 * TS_OTEL_RUN_LOG_SENDING_DISABLED=winston (ids still added, nothing exported, the pipeline not
 * wrapped), and both (winston not wrapped at all). A registry's configuration is fixed, so each
 * block has its own, and disables it before the next one patches the same modules.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const NAMES = ['winston-oldest', 'winston'];
const TRACE_FIELDS = /"trace_id":"[0-9a-f]{32}"|"span_id":"[0-9a-f]{16}"|"trace_flags":"01"/g;

function capture(winston: any): { lines: string[]; transport: any } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { lines, transport: new winston.transports.Stream({ stream }) };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function loggerProto(logger: object): any {
  let p = Object.getPrototypeOf(logger);
  while (p && !Object.prototype.hasOwnProperty.call(p, '_transform')) p = Object.getPrototypeOf(p);
  return p;
}

/** A registry over `engine` with both winstons patched; disabled again after the block. */
function patched(engine: TestEngine): Map<string, any> {
  const registry = new Registry(CATALOG.filter((e) => e.id === 'winston'), engine.config, diag, engine.services);
  const modules = new Map<string, any>();
  before(() => {
    for (const name of NAMES) {
      const baseDir = dirname(require.resolve(join(name, 'package.json')));
      modules.set(name, registry.onModule('winston', require(name), baseDir, 'commonjs'));
    }
  });
  after(() => registry.disable('winston'));
  return modules;
}

function inSpan(engine: TestEngine, fn: () => void): string {
  return engine.tracerProvider.getTracer('app').startActiveSpan('op', (span: any) => {
    fn();
    span.end();
    return span.spanContext().spanId;
  }) as string;
}

describe('TS_OTEL_RUN_LOG_CORRELATION=false', () => {
  const engine = testEngine({ TS_OTEL_RUN_LOG_CORRELATION: 'false' });
  const modules = patched(engine);

  for (const name of NAMES) {
    it(`${name}: the output is untouched; records are exported with the trace context of the call all the same`, async () => {
      const winston = modules.get(name);
      const { transport, lines } = capture(winston);
      const logger = winston.createLogger({ format: winston.format.json(), transports: [transport] });
      engine.logs.clear();
      const spanId = inSpan(engine, () => logger.info('inside', { a: 1 }));
      await settle();
      assert.equal(lines.length, 1);
      assert.deepEqual(JSON.parse(lines[0]!), { level: 'info', message: 'inside', a: 1 });
      assert.doesNotMatch(lines[0]!, /trace_id|span_id|trace_flags/);
      assert.equal(engine.logs.records.length, 1);
      const [r] = engine.logs.records;
      assert.equal(r!.body, 'inside');
      assert.deepEqual(r!.attributes, { a: 1 });
      assert.equal(r!.spanContext?.spanId, spanId);
    });
  }
});

describe('TS_OTEL_RUN_LOG_SENDING_DISABLED=winston', () => {
  const engine = testEngine({ TS_OTEL_RUN_LOG_SENDING_DISABLED: 'winston' });
  const modules = patched(engine);

  for (const name of NAMES) {
    it(`${name}: trace ids still go into the output; nothing is exported, and only write is wrapped`, async () => {
      const winston = modules.get(name);
      const { transport, lines } = capture(winston);
      const logger = winston.createLogger({ format: winston.format.json(), transports: [transport] });
      const proto = loggerProto(logger);
      assert.ok(isWrapped(proto.write));
      assert.ok(!isWrapped(proto._transform));
      assert.ok(!isWrapped(proto.push));
      inSpan(engine, () => logger.info('inside'));
      logger.info('outside');
      await settle();
      assert.equal(lines.length, 2);
      assert.equal(lines[0]!.match(TRACE_FIELDS)?.length, 3, lines[0]);
      assert.doesNotMatch(lines[1]!, /trace_id/);
      assert.equal(engine.logs.records.length, 0);
    });
  }
});

describe('both off', () => {
  const engine = testEngine({ TS_OTEL_RUN_LOG_CORRELATION: 'false', TS_OTEL_RUN_LOG_SENDING_DISABLED: 'winston' });
  const modules = patched(engine);

  for (const name of NAMES) {
    it(`${name}: winston is not wrapped at all`, async () => {
      const winston = modules.get(name);
      const { transport, lines } = capture(winston);
      const logger = winston.createLogger({ format: winston.format.json(), transports: [transport] });
      const proto = loggerProto(logger);
      for (const method of ['write', '_transform', 'push']) assert.ok(!isWrapped(proto[method]), method);
      inSpan(engine, () => logger.info('inside'));
      await settle();
      assert.equal(lines.length, 1);
      assert.doesNotMatch(lines[0]!, /trace_id/);
      assert.equal(engine.logs.records.length, 0);
    });
  }
});
