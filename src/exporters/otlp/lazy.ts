import { join } from 'node:path';
import type { Diag } from '../../diag';
import { redactUrl } from '../../diag/redact';
import type { Exporter } from '../../processing/types';
import type { ExportResult, ReadableSpan } from '../../trace/types';
import type { ExitRequest } from './exit-handoff';
import type { OtlpExporter } from './exporter';
import type { OtlpOptions } from './options';

/** What the agent needs of an OTLP exporter: exporting, the exit hand-off and its destination. */
export interface OtlpSpanExporterHandle extends Exporter<ReadableSpan> {
  beginShutdown(): void;
  exitRequest(items: readonly ReadableSpan[]): ExitRequest;
  readonly destination: string;
}

/**
 * An OTLP span exporter whose code (encoders, protobufjs, transports) is loaded on the first
 * export: a program that ends before its first batch never pays for it at start-up.
 */
export function lazyOtlpSpanExporter(
  options: OtlpOptions,
  diag: Diag,
  suppressed: <R>(fn: () => R) => R,
): OtlpSpanExporterHandle {
  let real: OtlpExporter<ReadableSpan> | undefined;
  let shuttingDown = false;
  const get = (): OtlpExporter<ReadableSpan> => {
    if (!real) {
      // A computed path: the bundler leaves it alone, and traces.js is a file of its own next to
      // this one both in tsc's output and in the bundles (see scripts/bundle.mjs).
      const { createOtlpSpanExporter } = require(join(__dirname, 'traces.js')) as typeof import('./traces');
      real = createOtlpSpanExporter(options, diag, suppressed);
      if (shuttingDown) real.beginShutdown();
    }
    return real;
  };
  return {
    export: (items: readonly ReadableSpan[], done: (result: ExportResult) => void) => get().export(items, done),
    shutdown: () => (real ? real.shutdown() : Promise.resolve()),
    beginShutdown: () => {
      shuttingDown = true;
      real?.beginShutdown();
    },
    exitRequest: (items) => get().exitRequest(items),
    destination: redactUrl(options.url),
  };
}
