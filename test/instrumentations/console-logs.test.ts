import { strict as assert } from 'node:assert';
import { dirname } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { diag } from '../../src/diag';
import { CATALOG } from '../../src/instrumentation/catalog';
import { Registry } from '../../src/instrumentation/registry';
import { testEngine } from '../helpers/engine';

/**
 * The console and @opentelemetry/api-logs bridges, in process: console's methods become records
 * and print what they printed; records emitted through the logs API join the pipeline, until the
 * program registers a LoggerProvider of its own.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

const engine = testEngine();
const { logs } = engine;
const tracer = engine.tracerProvider.getTracer('app');
const registry = new Registry(
  CATALOG.filter((e) => e.id === 'console' || e.id === '@opentelemetry/api-logs'),
  engine.config,
  diag,
  engine.services,
);
registry.startEager();

/** Runs fn with console's streams captured; returns what it printed to stdout and stderr. */
function printed(fn: () => void): { stdout: string; stderr: string } {
  const out = { stdout: '', stderr: '' };
  const writes = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((chunk: string) => ((out.stdout += chunk), true)) as never;
  process.stderr.write = ((chunk: string) => ((out.stderr += chunk), true)) as never;
  try {
    fn();
  } finally {
    [process.stdout.write, process.stderr.write] = writes as [never, never];
  }
  return out;
}

beforeEach(() => logs.clear());
after(() => {
  registry.disable('console');
  registry.disable('@opentelemetry/api-logs');
});

describe('console', () => {
  const calls = () => {
    console.log('log %s %d', 'a', 1, { k: [1, 2] });
    console.info('info');
    console.warn('warn');
    console.error(new Error('boom').message);
    console.debug('debug');
  };

  it('each method is a record with its severity; what it prints is unchanged', () => {
    assert.ok(registry.disable('console'));
    const plain = printed(calls);
    assert.ok(registry.enable('console'));
    logs.clear();
    const traced = printed(calls);
    assert.deepEqual(traced, plain);
    assert.deepEqual(
      logs.records.map((r) => [r.severityNumber, r.severityText, r.body]),
      [
        [9, 'INFO', "log a 1 { k: [ 1, 2 ] }"],
        [9, 'INFO', 'info'],
        [13, 'WARN', 'warn'],
        [17, 'ERROR', 'boom'],
        [5, 'DEBUG', 'debug'],
      ],
    );
    assert.ok(logs.records.every((r) => r.instrumentationScope.name === 'console' && r.timestamp && r.spanContext === undefined));
  });

  it('inside a span, the record is in its trace', () => {
    tracer.startActiveSpan('work', (span: any) => {
      printed(() => console.log('inside'));
      span.end();
    });
    const work = engine.memory.spans.find((s) => s.name === 'work')!;
    assert.equal(logs.records[0]!.spanContext?.traceId, work.spanContext().traceId);
    assert.equal(logs.records[0]!.spanContext?.spanId, work.spanContext().spanId);
  });

  it('console.trace: "Trace: message", the stack as code.stacktrace', () => {
    const out = printed(() => console.trace('here'));
    assert.match(out.stderr, /^Trace: here\n/);
    const r = logs.records[0]!;
    assert.equal(r.severityNumber, 1);
    assert.equal(r.body, 'Trace: here');
    assert.match(String(r.attributes['code.stacktrace']), /console-logs\.test/);
  });

  it('a console call made while a record is being made (an inspect hook) is printed, not recorded', () => {
    const sneaky = {
      [Symbol.for('nodejs.util.inspect.custom')]() {
        console.log('from inside');
        return 'sneaky';
      },
    };
    const out = printed(() => console.log(sneaky));
    // The hook runs twice, once for the record and once for the print (a documented limit): the
    // first call is printed only; the second is the program's own, during its print, and recorded.
    assert.deepEqual(logs.records.map((r) => r.body), ['sneaky', 'from inside']);
    assert.equal(out.stdout, 'from inside\nfrom inside\nsneaky\n');
  });

  it('disabled: nothing is recorded', () => {
    registry.disable('console');
    try {
      printed(() => console.log('off'));
      assert.equal(logs.records.length, 0);
    } finally {
      registry.enable('console');
    }
  });
});

describe('@opentelemetry/api-logs', () => {
  const api: any = registry.onModule(
    '@opentelemetry/api-logs',
    require('@opentelemetry/api-logs'),
    dirname(require.resolve('@opentelemetry/api-logs/package.json')),
    'commonjs',
  );

  it("records emitted through the API join the pipeline, under the caller's scope, in the active trace", () => {
    const logger = api.logs.getLogger('shop', '2.0.0');
    assert.equal(logger.enabled(), true);
    tracer.startActiveSpan('work', (span: any) => {
      logger.emit({ severityNumber: 13, severityText: 'WARN', body: { event: 'low stock' }, attributes: { sku: 'A-1' }, exception: new RangeError('x') });
      span.end();
    });
    const r = logs.records[0]!;
    assert.deepEqual(r.instrumentationScope, { name: 'shop', version: '2.0.0' });
    assert.deepEqual(r.body, { event: 'low stock' });
    assert.equal(r.attributes.sku, 'A-1');
    assert.equal(r.attributes['exception.type'], 'RangeError');
    assert.equal(r.spanContext?.spanId, engine.memory.spans.filter((s) => s.name === 'work').pop()!.spanContext().spanId);
  });

  it('a LoggerProvider the program registers wins: its records go there from then on', () => {
    const theirs: unknown[] = [];
    const provider = { getLogger: () => ({ emit: (r: unknown) => theirs.push(r), enabled: () => true }) };
    const stderr = printed(() => assert.equal(api.logs.setGlobalLoggerProvider(provider), provider)).stderr;
    assert.match(stderr, /registered its own LoggerProvider/);
    api.logs.getLogger('shop').emit({ body: 'mine' });
    assert.equal(theirs.length, 1);
    assert.equal(logs.records.length, 0);
  });
});
