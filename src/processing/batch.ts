import type { Diag } from '../diag';
import { describe } from '../instrumentation/registry';
import { exportWithTimeout, type Exporter, type Processor } from './types';

export interface BatchOptions {
  /** Delay between the first queued item and its export, ms (OTEL_BSP_SCHEDULE_DELAY). */
  readonly scheduleDelayMs: number;
  /** Time limit of one export, ms (OTEL_BSP_EXPORT_TIMEOUT). */
  readonly exportTimeoutMs: number;
  /** Items kept waiting; past it new items are dropped and counted (OTEL_BSP_MAX_QUEUE_SIZE). */
  readonly maxQueueSize: number;
  /** Items per export (OTEL_BSP_MAX_EXPORT_BATCH_SIZE), at most maxQueueSize. */
  readonly maxExportBatchSize: number;
  /** What an item is called in diagnostics: "span", "log record". */
  readonly noun: string;
}

/**
 * The specification's batch processor, for any signal: a bounded queue, exported in batches when a
 * batch is full or the delay has passed, one export at a time. Drops are counted and reported
 * once per streak: when the queue first overflows, and with the total once it has room again.
 * Its timer is unref'd: it never keeps a program alive.
 */
export class BatchProcessor<T> implements Processor<T> {
  private queue: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private exporting: Promise<void> | undefined;
  /** The batch being exported, until its export settles. */
  private inFlight: T[] | undefined;
  private dropped = 0;
  private shutDown = false;
  private readonly batchSize: number;

  constructor(
    private readonly exporter: Exporter<T>,
    private readonly options: BatchOptions,
    private readonly diag: Diag,
  ) {
    this.batchSize = Math.min(options.maxExportBatchSize, options.maxQueueSize);
  }

  onEnd(item: T): void {
    if (this.shutDown) return;
    if (this.queue.length >= this.options.maxQueueSize) {
      if (this.dropped++ === 0) {
        this.diag.warn(
          `${this.options.noun} queue full (${this.options.maxQueueSize}): dropping ${this.options.noun}s until the exporter catches up`,
        );
      }
      return;
    }
    this.queue.push(item);
    if (this.queue.length >= this.batchSize) this.kick();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, this.options.scheduleDelayMs);
      this.timer.unref();
    }
  }

  /** How many items wait in the queue. */
  get size(): number {
    return this.queue.length;
  }

  /**
   * For the synchronous hand-off at exit: everything not yet known to be delivered, the batch in
   * flight included (its request dies with the process; sending it again may deliver it twice,
   * which is better than not at all). The processor takes nothing more afterwards.
   */
  takePending(): T[] {
    const items = this.inFlight ? [...this.inFlight, ...this.queue] : this.queue;
    this.queue = [];
    this.inFlight = undefined;
    this.shutDown = true;
    this.clearTimer();
    return items;
  }

  async forceFlush(): Promise<void> {
    this.clearTimer();
    while (this.exporting || this.queue.length) {
      if (this.exporting) await this.exporting;
      else await this.exportNext();
    }
    await this.exporter.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    if (this.shutDown) return;
    await this.forceFlush();
    this.shutDown = true;
    await this.exporter.shutdown();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private kick(): void {
    if (this.exporting || this.queue.length === 0) return;
    void this.exportNext().then(() => {
      if (this.queue.length >= this.batchSize) this.kick();
      else if (this.queue.length && !this.timer) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.kick();
        }, this.options.scheduleDelayMs);
        this.timer.unref();
      }
    });
  }

  private exportNext(): Promise<void> {
    const batch = this.queue.splice(0, this.batchSize);
    if (this.dropped && this.queue.length < this.options.maxQueueSize) {
      this.diag.warn(`dropped ${this.dropped} ${this.options.noun}(s) while the queue was full`);
      this.dropped = 0;
    }
    this.inFlight = batch;
    this.exporting = exportWithTimeout(this.exporter, batch, this.options.exportTimeoutMs)
      .then((result) => {
        if (result.code !== 0) this.diag.debug(`export of ${batch.length} ${this.options.noun}(s) failed: ${describe(result.error)}`);
      })
      .finally(() => {
        this.exporting = undefined;
        if (this.inFlight === batch) this.inFlight = undefined;
      });
    return this.exporting;
  }
}
