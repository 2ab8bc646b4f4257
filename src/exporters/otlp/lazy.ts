import { join } from 'node:path';
import type { Diag } from '../../diag';
import { redactUrl } from '../../diag/redact';
import type { ReadableLogRecord } from '../../logs/types';
import type { ResourceMetrics } from '../../metrics/types';
import type { Exporter } from '../../processing/types';
import type { ExportResult, ReadableSpan } from '../../trace/types';
import type { ExitRequest } from './exit-handoff';
import type { OtlpExporter } from './exporter';
import type { OtlpOptions } from './options';

/** What the agent needs of an OTLP exporter: exporting, the exit hand-off and its destination. */
export interface OtlpExporterHandle<T> extends Exporter<T> {
  beginShutdown(): void;
  exitRequest(items: readonly T[]): ExitRequest;
  readonly destination: string;
}

export type OtlpSpanExporterHandle = OtlpExporterHandle<ReadableSpan>;

type Factories = typeof import('./otlp-exporters');

/**
 * An OTLP exporter whose code (encoders, transports) is loaded on the first export: a
 * program that ends before its first batch never pays for it at start-up.
 */
function lazyOtlpExporter<T>(
  create: (factories: Factories) => OtlpExporter<T>,
  options: OtlpOptions,
): OtlpExporterHandle<T> {
  let real: OtlpExporter<T> | undefined;
  let shuttingDown = false;
  const get = (): OtlpExporter<T> => {
    if (!real) {
      // A computed path: the bundler leaves it alone, and otlp-exporters.js is a file of its own
      // next to this one both in tsc's output and in the bundles (see scripts/bundle.mjs).
      real = create(require(join(__dirname, 'otlp-exporters.js')) as Factories);
      if (shuttingDown) real.beginShutdown();
    }
    return real;
  };
  return {
    export: (items: readonly T[], done: (result: ExportResult) => void) => get().export(items, done),
    shutdown: () => (real ? real.shutdown() : Promise.resolve()),
    beginShutdown: () => {
      shuttingDown = true;
      real?.beginShutdown();
    },
    exitRequest: (items) => get().exitRequest(items),
    destination: redactUrl(options.url),
  };
}

export function lazyOtlpSpanExporter(options: OtlpOptions, diag: Diag, suppressed: <R>(fn: () => R) => R): OtlpSpanExporterHandle {
  return lazyOtlpExporter((f) => f.createOtlpSpanExporter(options, diag, suppressed), options);
}

export function lazyOtlpLogExporter(
  options: OtlpOptions,
  diag: Diag,
  suppressed: <R>(fn: () => R) => R,
): OtlpExporterHandle<ReadableLogRecord> {
  return lazyOtlpExporter((f) => f.createOtlpLogExporter(options, diag, suppressed), options);
}

export function lazyOtlpMetricExporter(
  options: OtlpOptions,
  diag: Diag,
  suppressed: <R>(fn: () => R) => R,
): OtlpExporterHandle<ResourceMetrics> {
  return lazyOtlpExporter((f) => f.createOtlpMetricExporter(options, diag, suppressed), options);
}
