/**
 * The @opentelemetry/api-logs bridge, as the @opentelemetry/api one is for spans: when a program
 * loads the logs API, the engine's loggers are registered with it, so that records the program
 * (or a library's own OpenTelemetry appender) emits through `logs.getLogger(…).emit(…)` join the
 * same pipeline, inside the active trace.
 *
 * A program that installs a LoggerProvider of its own wins: its registration replaces the bridge
 * (one warning says so), and its records go to its provider from then on.
 */
import type { Instrumentation, InstrumentationContext, PatchInfo } from '../../src/instrumentation/types';
import type { LogRecordInput, Logger } from '../../src/logs/types';

interface LogsApi {
  logs: {
    setGlobalLoggerProvider(provider: unknown): unknown;
    getLoggerProvider(): unknown;
    disable(): void;
  };
}

function patch(exports: unknown, ctx: InstrumentationContext, info: PatchInfo): void {
  const api = exports as LogsApi;
  if (typeof api?.logs?.setGlobalLoggerProvider !== 'function') throw new TypeError('@opentelemetry/api-logs: logs.setGlobalLoggerProvider not found');
  const { diag } = ctx;
  const sending = ctx.logs.sending;
  const loggers = new Map<string, { emit(record: LogRecordInput): void; enabled(): boolean }>();
  // The API's LoggerProvider shape: getLogger(name, version?, options?) → Logger { emit, enabled }.
  const provider = {
    getLogger(name: string, version?: string, options?: { schemaUrl?: string }) {
      const key = `${name}@${version ?? ''}@${options?.schemaUrl ?? ''}`;
      let logger = loggers.get(key);
      if (!logger) {
        const ours: Logger = ctx.logs.getLogger(name, version, options);
        logger = {
          emit: (record: LogRecordInput) => {
            if (sending && ctx.isEnabled()) ours.emit(record);
          },
          enabled: () => sending && ctx.isEnabled(),
        };
        loggers.set(key, logger);
      }
      return logger;
    },
  };

  const registered = api.logs.setGlobalLoggerProvider(provider) === provider;
  if (!registered) {
    diag.once(
      'api-logs-taken',
      'warn',
      `@opentelemetry/api-logs@${info.version} already has a LoggerProvider registered by the program: records emitted through the API go there, not to ts-otel-run`,
    );
    return;
  }
  diag.debug(`registered with @opentelemetry/api-logs@${info.version}`);

  // A provider the program registers later takes over: unregister the bridge first, so that its
  // registration succeeds instead of being ignored as a duplicate.
  ctx.shimmer.wrap(api.logs, 'setGlobalLoggerProvider', (original: (p: unknown) => unknown) =>
    function (this: unknown, replacement: unknown): unknown {
      if (replacement !== provider) {
        diag.once(
          'api-logs-replaced',
          'warn',
          'the program registered its own LoggerProvider; records it emits through @opentelemetry/api-logs go there from now on',
        );
        api.logs.disable();
      }
      return original.call(this, replacement);
    },
  );
}

const instrumentation: Instrumentation = {
  id: '@opentelemetry/api-logs',
  targets: [{ module: '@opentelemetry/api-logs', versions: '>=0.38.0 <1', patch }],
};

export default instrumentation;
