import type { Config } from '../config/settings';
import type { Diag } from '../diag';
import { ConsoleSpanExporter } from '../exporters/console';
import { activeCatalog, CATALOG } from '../instrumentation/catalog';
import { installHooks } from '../instrumentation/hooks';
import { Registry } from '../instrumentation/registry';
import { SimpleProcessor } from '../processing/simple';
import { serviceIdentity } from '../resource/service';
import type { TracerProvider } from '../trace/tracer';
import type { ReadableSpan, Resource, SpanProcessor } from '../trace/types';
import { VERSION } from '../version';
import { loadExtraInstrumentations } from './extras';
import { startupSummary } from './summary';
import { suppressTracing } from '../context/context';
import { otlpOptions } from '../exporters/otlp/options';
import { createOtlpSpanExporter } from '../exporters/otlp/traces';
import { BatchProcessor } from '../processing/batch';
import { installShutdown } from './shutdown';
import { createTracing } from './tracing';
import { Span } from '../trace/span';
import { getSpan } from '../trace/span-context';
import { StatusCode } from '../trace/types';

export interface Agent {
  readonly version: string;
  readonly config: Config;
  readonly registry: Registry;
  readonly tracerProvider: TracerProvider;
  /** Removes the module hooks and the exit handlers. Patches already made stay (Registry.disable undoes them). */
  stop(): void;
}

function resourceFor(config: Config): Resource {
  const service = serviceIdentity(config);
  return {
    attributes: {
      ...config.OTEL_RESOURCE_ATTRIBUTES,
      'service.name': service.name,
      ...(service.version ? { 'service.version': service.version } : {}),
      'telemetry.sdk.name': 'ts-otel-run',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.version': VERSION,
    },
  };
}

function spanProcessors(config: Config, diag: Diag, suppressed: <R>(fn: () => R) => R): SpanProcessor[] {
  const processors: SpanProcessor[] = [];
  for (const name of config.OTEL_TRACES_EXPORTER) {
    if (name === 'console') processors.push(new SimpleProcessor<ReadableSpan>(new ConsoleSpanExporter(), diag.child('console')));
    if (name === 'otlp') {
      const exporter = createOtlpSpanExporter(otlpOptions(config, 'traces'), diag.child('otlp'), suppressed);
      const batch = {
        scheduleDelayMs: config.OTEL_BSP_SCHEDULE_DELAY,
        exportTimeoutMs: config.OTEL_BSP_EXPORT_TIMEOUT,
        maxQueueSize: config.OTEL_BSP_MAX_QUEUE_SIZE,
        maxExportBatchSize: config.OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
        noun: 'span',
      };
      processors.push(new BatchProcessor<ReadableSpan>(exporter, batch, diag.child('otlp')));
    }
  }
  return processors;
}

export function startAgent(config: Config, diag: Diag): Agent {
  const tracing = createTracing({ config, resource: resourceFor(config), processors: [], diag });
  const { contextManager } = tracing;
  const suppressed = <R>(fn: () => R): R => contextManager.with(suppressTracing(contextManager.active()), fn);
  for (const p of spanProcessors(config, diag, suppressed)) tracing.tracerProvider.addSpanProcessor(p);
  const services = { tracerProvider: tracing.tracerProvider, trace: tracing.trace, version: VERSION };
  const extras = loadExtraInstrumentations(
    config.TS_OTEL_RUN_EXTRA_INSTRUMENTATIONS ?? [],
    new Set(CATALOG.map((e) => e.id)),
    diag,
  );
  const registry = new Registry([...activeCatalog(config, diag), ...extras], config, diag, services);
  const hooks = installHooks(registry, diag, config.TS_OTEL_RUN_IMPORT_HOOK);
  registry.startEager();
  const removeShutdown = installShutdown({
    flush: () => tracing.tracerProvider.forceFlush(),
    onFatal: (error) => {
      // The span the program was in when it died: record why, and end it so that it is exported.
      const span = getSpan(tracing.contextManager.active());
      if (span instanceof Span && span.isRecording()) {
        span.recordException(error);
        span.setStatus({ code: StatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        span.end();
      }
    },
    deadlineMs: config.TS_OTEL_RUN_SHUTDOWN_TIMEOUT,
    diag,
  });
  if (diag.enabled('info')) diag.info(startupSummary(config, registry.ids()));
  return {
    version: VERSION,
    config,
    registry,
    tracerProvider: tracing.tracerProvider,
    stop: () => {
      hooks.unhook();
      removeShutdown();
    },
  };
}
