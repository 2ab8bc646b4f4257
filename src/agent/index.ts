import type { Config } from '../config/settings';
import type { Diag } from '../diag';
import { activeCatalog, CATALOG } from '../instrumentation/catalog';
import { installHooks } from '../instrumentation/hooks';
import { Registry } from '../instrumentation/registry';
import { VERSION } from '../version';
import { loadExtraInstrumentations } from './extras';
import { startupSummary } from './summary';

export interface Agent {
  readonly version: string;
  readonly config: Config;
  readonly registry: Registry;
  /** Removes the module hooks. Patches already made stay (Registry.disable undoes them). */
  stop(): void;
}

export function startAgent(config: Config, diag: Diag): Agent {
  const extras = loadExtraInstrumentations(
    config.TS_OTEL_RUN_EXTRA_INSTRUMENTATIONS ?? [],
    new Set(CATALOG.map((e) => e.id)),
    diag,
  );
  const registry = new Registry([...activeCatalog(config, diag), ...extras], config, diag);
  const hooks = installHooks(registry, diag, config.TS_OTEL_RUN_IMPORT_HOOK);
  registry.startEager();
  if (diag.enabled('info')) diag.info(startupSummary(config, registry.ids()));
  return { version: VERSION, config, registry, stop: () => hooks.unhook() };
}
