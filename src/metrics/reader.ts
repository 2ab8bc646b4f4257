import type { Diag } from '../diag';
import { describe } from '../instrumentation/registry';
import { exportWithTimeout } from '../processing/types';
import type { MeterProvider, ReaderPreferences } from './meter';
import type { MetricExporter, ResourceMetrics } from './types';

export interface PeriodicReaderOptions {
  /** OTEL_METRIC_EXPORT_INTERVAL */
  readonly intervalMs: number;
  /** OTEL_METRIC_EXPORT_TIMEOUT */
  readonly timeoutMs: number;
  /** The exporter finishes within its export call (the console): the exit needs no hand-off. */
  readonly synchronous?: boolean;
}

const isEmpty = (batch: ResourceMetrics) => batch.scopeMetrics.length === 0;

/**
 * Collects and exports on an interval (its timer unref'd: it never keeps a program alive), once
 * more on a flush, and a last time at shutdown. One export at a time; a collection that finds
 * nothing is not sent.
 */
export class PeriodicExportingMetricReader {
  readonly index: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** The collection being exported, until its export settles (for the exit hand-off). */
  private inFlight: ResourceMetrics | undefined;
  private shutDown = false;
  /** A final flush has exported the last collection: the exit hand-off has nothing to add. */
  private finished = false;

  constructor(
    private readonly provider: MeterProvider,
    readonly exporter: MetricExporter,
    preferences: ReaderPreferences,
    private readonly options: PeriodicReaderOptions,
    private readonly diag: Diag,
  ) {
    this.index = provider.addReader(preferences);
  }

  get synchronous(): boolean {
    return this.options.synchronous === true;
  }

  start(): void {
    if (this.timer || this.shutDown) return;
    this.timer = setInterval(() => void this.collectAndExport(), this.options.intervalMs);
    this.timer.unref();
  }

  private collectAndExport(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        const batch = await this.provider.collect(this.index);
        if (isEmpty(batch)) return;
        this.inFlight = batch;
        const result = await exportWithTimeout(
          { export: (items, done) => this.exporter.export(items[0]!, done), shutdown: () => this.exporter.shutdown() },
          [batch],
          this.options.timeoutMs,
        );
        if (result.code !== 0) this.diag.debug(`metric export failed: ${describe(result.error)}`);
      } catch (e) {
        this.diag.debug(`metric collection failed: ${describe(e)}`);
      } finally {
        this.inFlight = undefined;
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Collects and exports now; `final` when the program is ending (the reader stops after it). */
  async forceFlush(final = false): Promise<void> {
    if (this.shutDown) return;
    if (final) this.stop();
    if (this.running) await this.running;
    await this.collectAndExport();
    await this.exporter.forceFlush?.();
    if (final) this.finished = true;
  }

  /**
   * For the synchronous hand-off at exit: a last collection (and, in delta temporality, the one in
   * flight, whose request dies with the process). The reader stops afterwards.
   */
  takePending(): ResourceMetrics[] {
    if (this.finished) return [];
    this.stop();
    const batches: ResourceMetrics[] = [];
    if (this.inFlight) batches.push(this.inFlight);
    try {
      const last = this.provider.collectSync(this.index);
      if (!isEmpty(last)) batches.push(last);
    } catch (e) {
      this.diag.debug(`metric collection at exit failed: ${describe(e)}`);
    }
    // Cumulative data supersedes what was in flight.
    return batches.length > 1 && this.isCumulative(batches[1]!) ? [batches[1]!] : batches;
  }

  async shutdown(): Promise<void> {
    if (this.finished) return;
    await this.forceFlush(true);
    await this.exporter.shutdown();
  }

  private stop(): void {
    this.shutDown = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private isCumulative(batch: ResourceMetrics): boolean {
    return batch.scopeMetrics.every((s) => s.metrics.every((m) => m.kind === 'gauge' || m.temporality === 2));
  }
}
