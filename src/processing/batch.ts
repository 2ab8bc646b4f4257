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

/** The least time between two lines about dropped items, ms. */
export const DROP_REPORT_INTERVAL_MS = 10_000;

/**
 * The specification's batch processor, for any signal: a bounded queue, exported in batches when a
 * batch is full or the delay has passed, one export at a time. Drops are counted and reported
 * once per streak: when the queue first overflows, and with the total once it has room again;
 * at most one such line per DROP_REPORT_INTERVAL_MS (see onEnd).
 * Its timer is unref'd: it never keeps a program alive.
 */
export class BatchProcessor<T> implements Processor<T> {
  private queue: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private exporting: Promise<void> | undefined;
  /** The batch being exported, until its export settles. */
  private inFlight: T[] | undefined;
  /** Dropped since the last line that gave a count. */
  private dropped = 0;
  private droppedInAll = 0;
  /** The queue is full and items are being dropped. */
  private dropping = false;
  /** The current streak's start was said: its end is said too, whatever the interval. */
  private streakSaid = false;
  private lastDropLine = -Infinity;
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
      this.dropped++;
      this.droppedInAll++;
      if (!this.dropping) {
        this.dropping = true;
        // A collector that is down or slow makes the queue fill up again after every export: a
        // new streak per export, two lines each, several a second with short timeouts. Streaks
        // that start within DROP_REPORT_INTERVAL_MS of the last line are counted, not said; their
        // count goes with the next line that is.
        const now = Date.now();
        this.streakSaid = now - this.lastDropLine >= DROP_REPORT_INTERVAL_MS;
        if (this.streakSaid) {
          this.lastDropLine = now;
          this.diag.warn(
            `${this.options.noun} queue full (${this.options.maxQueueSize}): dropping ${this.options.noun}s until the exporter catches up`,
          );
        }
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
    this.sayDropped();
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
    this.sayDropped();
    await this.exporter.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    if (this.shutDown) return;
    await this.forceFlush();
    this.shutDown = true;
    await this.exporter.shutdown();
  }

  /** The drops not said yet, with the total since the start when there were earlier ones. */
  private sayDropped(): void {
    if (this.dropped === 0) return;
    const earlier = this.droppedInAll > this.dropped ? ` (${this.droppedInAll} in all)` : '';
    this.diag.warn(`dropped ${this.dropped} ${this.options.noun}(s) while the queue was full${earlier}`);
    this.dropped = 0;
    this.streakSaid = false;
    this.lastDropLine = Date.now();
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
    if (this.dropping && this.queue.length < this.options.maxQueueSize) {
      this.dropping = false;
      if (this.streakSaid || Date.now() - this.lastDropLine >= DROP_REPORT_INTERVAL_MS) this.sayDropped();
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
