import type { Diag } from '../diag';
import { describe } from '../instrumentation/registry';

export interface ShutdownOptions {
  /**
   * Exports everything pending; used while the event loop still runs. `final` is true when the
   * process is ending (a collector that refuses connections is then not worth a retry), false for
   * a signal the program handles itself and may well survive.
   */
  readonly flush: (final: boolean) => Promise<void>;
  /**
   * Hands off everything pending synchronously, for the 'exit' event (process.exit(), the end of
   * an uncaught exception), after which no asynchronous work can run.
   */
  readonly flushSync?: () => void;
  /** Called with an uncaught exception or unhandled rejection before the process dies of it. */
  readonly onFatal?: (error: unknown) => void;
  /** The longest a flush may hold a dying process (TS_OTEL_RUN_SHUTDOWN_TIMEOUT). */
  readonly deadlineMs: number;
  readonly diag: Diag;
}

/** The signals that end a program by default and that we flush on. */
export const FLUSH_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * Makes sure finished telemetry leaves the process however the program ends, without changing how
 * it ends:
 * - a natural end: 'beforeExit' flushes (once; the loop then empties again and the process exits);
 * - process.exit() and fatal errors: 'exit' hands off synchronously;
 * - SIGTERM, SIGINT, SIGHUP: when the program has no handler of its own, flush (at most the
 *   deadline), then die by the same signal, as it would have; when it has one, its handler decides
 *   and we only flush alongside.
 * Nothing here keeps a running program alive; a flush holds an exiting one at most the deadline.
 */
export function installShutdown(options: ShutdownOptions): () => void {
  const { diag } = options;
  let flushedOnExit = false;
  let flushing: Promise<void> | undefined;
  // After a flush ran out of time, the collector is not answering: the exit hand-off would only
  // wait for it a second time.
  let deadlineHit = false;

  const flushWithDeadline = (final: boolean): Promise<void> => {
    if (flushing) return flushing;
    deadlineHit = false;
    flushing = new Promise<void>((resolve) => {
      // Not unref'd: this timer is what holds a dying process for the flush, and it bounds it.
      const timer = setTimeout(() => {
        deadlineHit = true;
        diag.warn(`telemetry flush did not finish within ${options.deadlineMs} ms; the rest is dropped`);
        resolve();
      }, options.deadlineMs);
      options
        .flush(final)
        .catch((e) => diag.debug(`flush failed: ${describe(e)}`))
        .finally(() => {
          clearTimeout(timer);
          resolve();
        });
    }).finally(() => {
      flushing = undefined;
    });
    return flushing;
  };

  let beforeExitDone = false;
  const onBeforeExit = () => {
    if (beforeExitDone) return;
    beforeExitDone = true;
    void flushWithDeadline(true);
  };

  const onExit = () => {
    if (flushedOnExit || deadlineHit) return;
    flushedOnExit = true;
    try {
      options.flushSync?.();
    } catch (e) {
      diag.debug(`flush at exit failed: ${describe(e)}`);
    }
  };

  const onFatal = (error: unknown) => {
    try {
      options.onFatal?.(error);
    } catch {
      // never in the way of the program's own crash report
    }
  };

  const signalHandlers = new Map<string, () => void>();
  for (const signal of FLUSH_SIGNALS) {
    const handler = () => {
      const theirs = process.listenerCount(signal) > 1;
      void flushWithDeadline(!theirs).then(() => {
        if (theirs) return;
        // Nobody else handles it: end the way the program would have without us.
        process.removeListener(signal, handler);
        onExit();
        process.kill(process.pid, signal);
      });
    };
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }

  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  process.on('uncaughtExceptionMonitor', onFatal);

  return () => {
    process.removeListener('beforeExit', onBeforeExit);
    process.removeListener('exit', onExit);
    process.removeListener('uncaughtExceptionMonitor', onFatal);
    for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
  };
}
