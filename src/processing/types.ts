import type { ExportResult } from '../trace/types';

/** An exporter of any signal's items: spans, log records. */
export interface Exporter<T> {
  export(items: readonly T[], done: (result: ExportResult) => void): void;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface Processor<T> {
  onEnd(item: T): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Calls `exporter.export` and resolves with its result, or a failure after `timeoutMs`. */
export function exportWithTimeout<T>(exporter: Exporter<T>, items: readonly T[], timeoutMs: number): Promise<ExportResult> {
  return new Promise((resolve) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      resolve({ code: 1, error: new Error(`export timed out after ${timeoutMs} ms`) });
    }, timeoutMs);
    timer.unref();
    try {
      exporter.export(items, (result) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      });
    } catch (e) {
      settled = true;
      clearTimeout(timer);
      resolve({ code: 1, error: e instanceof Error ? e : new Error(String(e)) });
    }
  });
}
