import type { Config } from '../config/settings';
import type { Diag } from '../diag';
import { join } from 'node:path';
import type { CatalogEntry, Instrumentation } from './types';

// Instrumentations live in dist/instrumentations/<id>. The path is the same from dist/src/<dir>/
// (tsc's layout) and from dist/bundle/<dir>/ (the bundles); being computed, the bundler leaves it
// alone, so an instrumentation's code is read only when its library is loaded.
const load = (dir: string) => () =>
  (require(join(__dirname, '..', '..', 'instrumentations', dir)) as { default: Instrumentation }).default;

/**
 * Every instrumentation the project ships, by id, with the modules that trigger loading its code.
 * Only this list is loaded at start-up; an instrumentation's own code is required when one of its
 * modules is first loaded by the program.
 */
export const CATALOG: readonly CatalogEntry[] = [
  { id: 'http', modules: ['http', 'https'], load: load('http') },
  { id: 'undici', modules: ['undici'], globals: ['fetch'], load: load('undici') },
  { id: 'express', modules: ['express'], load: load('express') },
  { id: 'fastify', modules: ['fastify'], load: load('fastify') },
  { id: 'koa', modules: ['koa'], load: load('koa') },
  { id: 'pg', modules: ['pg'], load: load('pg') },
  { id: 'redis', modules: ['@redis/client'], load: load('redis') },
  { id: 'ioredis', modules: ['ioredis'], load: load('ioredis') },
  { id: 'mysql2', modules: ['mysql2', 'mysql2/promise'], load: load('mysql2') },
  { id: '@opentelemetry/api', modules: ['@opentelemetry/api'], load: load('opentelemetry-api') },
  { id: '@opentelemetry/api-logs', modules: ['@opentelemetry/api-logs'], load: load('opentelemetry-api-logs') },
  { id: 'console', modules: [], eager: true, needs: 'logs', load: load('console') },
  { id: 'runtime-node', modules: [], eager: true, needs: 'metrics', load: load('runtime-node') },
  { id: 'pino', modules: ['pino'], load: load('pino') },
  { id: 'winston', modules: ['winston'], load: load('winston') },
  { id: 'bunyan', modules: ['bunyan'], load: load('bunyan') },
];

export const INSTRUMENTATION_IDS: readonly string[] = CATALOG.map((e) => e.id);

/** The catalog entries that OTEL_NODE_ENABLED_INSTRUMENTATIONS / _DISABLED_ leave active. */
export function activeCatalog(config: Config, diag?: Diag): CatalogEntry[] {
  const only = config.OTEL_NODE_ENABLED_INSTRUMENTATIONS;
  const off = new Set(config.OTEL_NODE_DISABLED_INSTRUMENTATIONS ?? []);
  return CATALOG.filter((entry) => {
    if (only && !only.includes(entry.id)) {
      diag?.debug(`skipped instrumentation ${entry.id}: not in OTEL_NODE_ENABLED_INSTRUMENTATIONS`);
      return false;
    }
    if (off.has(entry.id)) {
      diag?.debug(`skipped instrumentation ${entry.id}: in OTEL_NODE_DISABLED_INSTRUMENTATIONS`);
      return false;
    }
    return true;
  });
}
