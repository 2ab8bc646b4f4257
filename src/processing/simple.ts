import type { Diag } from '../diag';
import { describe } from '../instrumentation/registry';
import type { Exporter, Processor } from './types';

/**
 * Exports each item as it ends. For the console exporter, which writes synchronously: nothing is
 * ever pending, so nothing can be lost at exit.
 */
export class SimpleProcessor<T> implements Processor<T> {
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly exporter: Exporter<T>,
    private readonly diag: Diag,
  ) {}

  onEnd(item: T): void {
    let done!: () => void;
    const p = new Promise<void>((r) => (done = r));
    this.pending.add(p);
    try {
      this.exporter.export([item], (result) => {
        if (result.code !== 0) this.diag.once('simple-export-failed', 'warn', `export failed: ${describe(result.error)}`);
        this.pending.delete(p);
        done();
      });
    } catch (e) {
      this.diag.once('simple-export-threw', 'warn', `export failed: ${describe(e)}`);
      this.pending.delete(p);
      done();
    }
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.pending);
    await this.exporter.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    await this.exporter.shutdown();
  }
}
