/**
 * console: `log`, `info`, `warn`, `error`, `debug` and `trace` become log records with the
 * matching severity, inside the trace of the span active at the call. The program's output is
 * untouched: the original method prints exactly what it would have. Nothing is patched unless
 * console's records are exported (a logs exporter is set and TS_OTEL_RUN_LOG_SENDING_DISABLED
 * does not name console).
 *
 * The project's own diagnostics and the console exporters write to process.stderr directly, never
 * through console, so they cannot come back as records; a console call made while a record is
 * being made (a getter or inspect hook the formatting ran) is printed but not recorded again.
 */
import { formatWithOptions } from 'node:util';
import type { Instrumentation, InstrumentationContext } from '../../src/instrumentation/types';
import { SeverityNumber } from '../../src/logs/types';

type AnyFn = (...args: unknown[]) => unknown;

const METHODS: readonly (readonly [name: string, severity: number, text: string])[] = [
  ['log', SeverityNumber.INFO, 'INFO'],
  ['info', SeverityNumber.INFO, 'INFO'],
  ['warn', SeverityNumber.WARN, 'WARN'],
  ['error', SeverityNumber.ERROR, 'ERROR'],
  ['debug', SeverityNumber.DEBUG, 'DEBUG'],
  ['trace', SeverityNumber.TRACE, 'TRACE'],
];

/** What console prints of its arguments, without colours: the record's body. */
const FORMAT = { colors: false };

function setup(ctx: InstrumentationContext): void {
  if (!ctx.logs.sending) return;
  const { logger } = ctx.logs;
  let busy = false;
  for (const [name, severityNumber, severityText] of METHODS) {
    if (typeof (console as unknown as Record<string, unknown>)[name] !== 'function') continue;
    ctx.shimmer.wrap(console as unknown as Record<string, AnyFn>, name, (original: AnyFn) =>
      function (this: unknown, ...args: unknown[]) {
        if (!busy && ctx.isEnabled()) {
          busy = true;
          try {
            const timestamp = Date.now();
            const body = formatWithOptions(FORMAT, ...args);
            if (name === 'trace') {
              // What console.trace prints after its message: where it was called from.
              const stack = new Error().stack?.split('\n').slice(2).join('\n');
              logger.emit({ timestamp, severityNumber, severityText, body: `Trace: ${body}`, ...(stack ? { attributes: { 'code.stacktrace': stack } } : {}) });
            } else {
              logger.emit({ timestamp, severityNumber, severityText, body });
            }
          } catch {
            // Formatting the program's values failed (a throwing inspect hook): print, don't record.
          } finally {
            busy = false;
          }
        }
        return original.apply(this, args);
      },
    );
  }
}

const instrumentation: Instrumentation = { id: 'console', setup };

export default instrumentation;
