import { strict as assert } from 'node:assert';
import { resolve } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { diag, setLevel, setSink, type Level } from '../../../src/diag/index';
import { BatchProcessor, type BatchOptions } from '../../../src/processing/batch';
import type { Exporter } from '../../../src/processing/types';
import type { ExportResult } from '../../../src/trace/types';
import { run } from '../../helpers/run';

/** An exporter whose exports end when the test says (or at once with `auto`). */
class FakeExporter implements Exporter<number> {
  calls: number[][] = [];
  pending: Array<(r: ExportResult) => void> = [];
  inFlight = 0;
  maxInFlight = 0;
  flushed = 0;
  shutdowns = 0;
  auto: 'sync' | 'async' | 'never' | 'manual' = 'manual';
  onExport?: (items: readonly number[]) => void;

  export(items: readonly number[], done: (result: ExportResult) => void): void {
    this.calls.push([...items]);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const finish = (r: ExportResult) => {
      this.inFlight--;
      done(r);
    };
    this.onExport?.(items);
    if (this.auto === 'sync') finish({ code: 0 });
    else if (this.auto === 'async') setTimeout(() => finish({ code: 0 }), 5);
    else if (this.auto === 'manual') this.pending.push(finish);
  }
  /** Ends the oldest export in flight. */
  complete(code: 0 | 1 = 0) {
    const f = this.pending.shift();
    assert.ok(f, 'an export is in flight');
    f({ code });
  }
  exported(): number[] {
    return this.calls.flat();
  }
  async forceFlush() {
    this.flushed++;
  }
  async shutdown() {
    this.shutdowns++;
  }
}

const OPTIONS: BatchOptions = {
  scheduleDelayMs: 60_000,
  exportTimeoutMs: 30_000,
  maxQueueSize: 100,
  maxExportBatchSize: 10,
  noun: 'span',
};

let lines: string[] = [];
let previousSink: ((line: string) => void) | undefined;
before(() => {
  previousSink = setSink((line) => lines.push(line));
});
after(() => {
  if (previousSink) setSink(previousSink);
  setLevel('warn' as Level);
});
beforeEach(() => {
  lines = [];
  setLevel('warn');
});

const tick = () => new Promise<void>((r) => setImmediate(r));

async function waitFor(cond: () => boolean, what: string, timeoutMs = 3000) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Lets every export in flight and to come end at once, and flushes. */
async function drain(exporter: FakeExporter, processor: BatchProcessor<number>) {
  exporter.auto = 'sync';
  while (exporter.pending.length) exporter.complete();
  await processor.forceFlush();
}

function make(options: Partial<BatchOptions> = {}) {
  const exporter = new FakeExporter();
  const processor = new BatchProcessor<number>(exporter, { ...OPTIONS, ...options }, diag.child('batch-test'));
  return { exporter, processor };
}

describe('BatchProcessor: when it exports', () => {
  it('exports as soon as a batch is full, in batches of maxExportBatchSize', async () => {
    const { exporter, processor } = make({ maxExportBatchSize: 3 });
    exporter.auto = 'sync';
    processor.onEnd(1);
    processor.onEnd(2);
    assert.equal(exporter.calls.length, 0);
    processor.onEnd(3);
    assert.deepEqual(exporter.calls, [[1, 2, 3]]);
    for (let i = 4; i <= 9; i++) processor.onEnd(i);
    await waitFor(() => exporter.calls.length === 3, 'three batches');
    assert.deepEqual(exporter.calls, [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    assert.equal(processor.size, 0);
  });

  it('the batch size is at most the queue size', () => {
    const { exporter, processor } = make({ maxExportBatchSize: 50, maxQueueSize: 2 });
    processor.onEnd(1);
    processor.onEnd(2);
    assert.deepEqual(exporter.calls, [[1, 2]]);
  });

  it('exports a partial batch after the schedule delay', async () => {
    const { exporter, processor } = make({ scheduleDelayMs: 30 });
    exporter.auto = 'sync';
    const started = Date.now();
    processor.onEnd(1);
    processor.onEnd(2);
    await tick();
    assert.equal(exporter.calls.length, 0, 'not before the delay');
    await waitFor(() => exporter.calls.length === 1, 'the delayed export');
    assert.ok(Date.now() - started >= 25, 'not much before the delay either');
    assert.deepEqual(exporter.calls, [[1, 2]]);
  });

  it('exports one batch at a time; what queued meanwhile follows', async () => {
    const { exporter, processor } = make({ maxExportBatchSize: 2, scheduleDelayMs: 20 });
    for (let i = 1; i <= 7; i++) processor.onEnd(i);
    assert.equal(exporter.calls.length, 1);
    await tick();
    assert.equal(exporter.calls.length, 1, 'the second batch waits for the first');
    exporter.complete();
    await waitFor(() => exporter.calls.length === 2, 'the second batch');
    exporter.complete();
    await waitFor(() => exporter.calls.length === 3, 'the third batch');
    exporter.complete();
    // the last single item goes after the schedule delay
    await waitFor(() => exporter.calls.length === 4, 'the remainder');
    exporter.complete();
    assert.deepEqual(exporter.calls, [[1, 2], [3, 4], [5, 6], [7]]);
    assert.equal(exporter.maxInFlight, 1);
  });

  it('a failed export is not retried by the processor, which carries on', async () => {
    const { exporter, processor } = make({ maxExportBatchSize: 1 });
    setLevel('debug');
    processor.onEnd(1);
    exporter.complete(1);
    processor.onEnd(2);
    await waitFor(() => exporter.calls.length === 2, 'the next export');
    exporter.complete();
    assert.deepEqual(exporter.calls, [[1], [2]]);
    assert.ok(lines.some((l) => l.includes('debug') && l.includes('export of 1 span(s) failed')), lines.join(''));
  });

  it('an exporter that throws is a failed export; the processor carries on', async () => {
    const { exporter, processor } = make({ maxExportBatchSize: 1 });
    let first = true;
    exporter.auto = 'sync';
    exporter.onExport = () => {
      if (first) {
        first = false;
        throw new Error('exporter threw');
      }
    };
    assert.doesNotThrow(() => processor.onEnd(1));
    await tick();
    processor.onEnd(2);
    await waitFor(() => exporter.calls.length === 2, 'the next export');
  });
});

describe('BatchProcessor: queue bound', () => {
  it('drops items past maxQueueSize, counts them, and says so once per streak', async () => {
    const { exporter, processor } = make({ maxQueueSize: 4, maxExportBatchSize: 2 });
    processor.onEnd(1);
    processor.onEnd(2); // in flight
    for (let i = 3; i <= 6; i++) processor.onEnd(i); // queue full: 3..6
    assert.equal(processor.size, 4);
    for (let i = 7; i <= 9; i++) processor.onEnd(i); // dropped
    assert.equal(processor.size, 4);
    const full = lines.filter((l) => l.includes('queue full'));
    assert.equal(full.length, 1, lines.join(''));
    assert.match(full[0]!, /^ts-otel-run: warn: batch-test: span queue full \(4\)/);

    exporter.complete(); // the next export makes room: the total is said once
    await waitFor(() => exporter.calls.length === 2, 'the next export');
    const totals = lines.filter((l) => l.includes('dropped 3 span(s)'));
    assert.equal(totals.length, 1, lines.join(''));

    // a new streak within DROP_REPORT_INTERVAL_MS of the last line is counted, not said: a
    // collector that is down would otherwise make a pair of lines per export
    for (let i = 10; i <= 12; i++) processor.onEnd(i); // the queue holds 5, 6: 10 and 11 fit, 12 is dropped
    assert.equal(lines.filter((l) => l.includes('queue full')).length, 1, lines.join(''));
    exporter.complete();
    await waitFor(() => exporter.calls.length === 3, 'the third export');
    assert.equal(lines.filter((l) => l.includes('dropped 1 span(s)')).length, 0, lines.join(''));
    await drain(exporter, processor); // a flush says what was not said yet, with the running total
    assert.equal(lines.filter((l) => l.includes('dropped 1 span(s) while the queue was full (4 in all)')).length, 1, lines.join(''));
    assert.deepEqual(exporter.exported(), [1, 2, 3, 4, 5, 6, 10, 11]);
  });

  it('keeps nothing of the dropped items', async () => {
    const { exporter, processor } = make({ maxQueueSize: 2, maxExportBatchSize: 2 });
    processor.onEnd(1);
    processor.onEnd(2); // in flight
    processor.onEnd(3);
    processor.onEnd(4);
    processor.onEnd(5); // dropped
    exporter.auto = 'sync';
    exporter.complete();
    await processor.forceFlush();
    assert.deepEqual(exporter.exported(), [1, 2, 3, 4]);
  });
});

describe('BatchProcessor: forceFlush and shutdown', () => {
  it('forceFlush exports everything queued, without waiting for the delay', async () => {
    const { exporter, processor } = make({ maxExportBatchSize: 3 });
    exporter.auto = 'async';
    for (let i = 1; i <= 8; i++) processor.onEnd(i);
    await processor.forceFlush();
    assert.deepEqual(exporter.exported(), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(processor.size, 0);
    assert.equal(exporter.flushed, 1);
    assert.equal(exporter.maxInFlight, 1);
  });

  it('forceFlush includes what arrives while an export is in flight', async () => {
    const { exporter, processor } = make({ maxExportBatchSize: 2 });
    exporter.auto = 'async';
    let added = false;
    exporter.onExport = () => {
      if (added) return;
      added = true;
      processor.onEnd(100);
      setTimeout(() => processor.onEnd(101), 1);
    };
    processor.onEnd(1);
    const flushed = processor.forceFlush();
    await flushed;
    assert.deepEqual(exporter.exported().sort((a, b) => a - b), [1, 100, 101]);
  });

  it('forceFlush with nothing pending resolves at once', async () => {
    const { exporter, processor } = make();
    await processor.forceFlush();
    assert.equal(exporter.calls.length, 0);
  });

  it('shutdown exports what is pending, shuts the exporter down once and takes nothing more', async () => {
    const { exporter, processor } = make();
    exporter.auto = 'async';
    processor.onEnd(1);
    processor.onEnd(2);
    await processor.shutdown();
    assert.deepEqual(exporter.exported(), [1, 2]);
    assert.equal(exporter.shutdowns, 1);
    processor.onEnd(3);
    assert.equal(processor.size, 0);
    await processor.shutdown();
    assert.equal(exporter.shutdowns, 1);
  });
});

describe('BatchProcessor: takePending', () => {
  it('gives the batch in flight and the queue, and stops the processor', async () => {
    const { exporter, processor } = make({ maxExportBatchSize: 2, scheduleDelayMs: 10 });
    processor.onEnd(1);
    processor.onEnd(2); // in flight
    processor.onEnd(3); // queued, timer armed
    assert.deepEqual(processor.takePending(), [1, 2, 3]);
    assert.equal(processor.size, 0);
    processor.onEnd(4);
    assert.equal(processor.size, 0, 'nothing is taken afterwards');
    assert.deepEqual(processor.takePending(), []);
    exporter.complete();
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(exporter.calls, [[1, 2]], 'no export after takePending, not even from the timer');
  });

  it('after the in-flight export settled, gives only the queue', async () => {
    const { exporter, processor } = make({ maxExportBatchSize: 2 });
    processor.onEnd(1);
    processor.onEnd(2);
    processor.onEnd(3);
    exporter.complete();
    await waitFor(() => (processor as unknown as { exporting?: unknown }).exporting === undefined, 'the export to settle');
    assert.deepEqual(processor.takePending(), [3]);
  });
});

describe('BatchProcessor: export timeout', () => {
  it('an export that never ends fails after exportTimeoutMs and the processor carries on', async () => {
    const { exporter, processor } = make({ maxExportBatchSize: 1, exportTimeoutMs: 40 });
    setLevel('debug');
    exporter.auto = 'never';
    // the processor's timers are unref'd: keep this test's event loop alive meanwhile
    const keepAlive = setInterval(() => {}, 1000);
    after(() => clearInterval(keepAlive));
    processor.onEnd(1);
    processor.onEnd(2);
    assert.equal(exporter.calls.length, 1);
    await waitFor(() => exporter.calls.length === 2, 'the export after the timeout');
    assert.ok(lines.some((l) => l.includes('timed out after 40 ms')), lines.join(''));
    exporter.auto = 'sync';
    processor.onEnd(3);
    await processor.forceFlush();
    assert.deepEqual(exporter.exported(), [1, 2, 3]);
    clearInterval(keepAlive);
  });
});

describe('BatchProcessor: never keeps a program alive', () => {
  const batchModule = resolve(__dirname, '..', '..', '..', 'src', 'processing', 'batch.js');
  const diagModule = resolve(__dirname, '..', '..', '..', 'src', 'diag', 'index.js');

  for (const [what, exporter] of [
    ['a pending schedule-delay timer', '{ export(items, done) { done({ code: 0 }); }, async shutdown() {} }'],
    ['an export that never ends', '{ export() {}, async shutdown() {} }'],
  ] as const) {
    it(`a program whose only pending thing is ${what} exits promptly`, async () => {
      const program = `
        const { BatchProcessor } = require(${JSON.stringify(batchModule)});
        const { diag } = require(${JSON.stringify(diagModule)});
        const p = new BatchProcessor(${exporter}, { scheduleDelayMs: 60000, exportTimeoutMs: 60000, maxQueueSize: 10, maxExportBatchSize: ${what.includes('never') ? 1 : 5}, noun: 'span' }, diag);
        p.onEnd(1);
        process.stdout.write('queued:' + p.size + '\\n');
      `;
      const started = Date.now();
      const r = await run(process.execPath, ['-e', program], { timeoutMs: 20_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.signal, null);
      assert.match(r.stdout, /queued:[01]/);
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    });
  }
});
