import { isAbsolute, resolve } from 'node:path';
import { findConfigFile, loadConfigFileSync, type LoadedFile } from '../config/file';
import { RESOLVED_MARKER, resolveConfig } from '../config/resolve';
import { diag, setLevel } from '../diag';
import { describe } from '../instrumentation/registry';
import { AGENT } from '../symbols';
import { VERSION } from '../version';
import type { Agent } from '../agent';

/**
 * Whether this is the main thread. `--require` preloads also run in worker threads. Node marks
 * the process methods a worker may not use (process.chdir among them) as `disabled` stubs, and
 * has since Node 10; reading that mark is free, where loading worker_threads to ask costs ~2.5 ms
 * of every program's start.
 */
function onMainThread(): boolean {
  return (process.chdir as { disabled?: unknown }).disabled !== true;
}

export interface AgentSlot {
  readonly version: string;
  agent?: Agent;
}

function readConfigFile(env: NodeJS.ProcessEnv, cwd: string): LoadedFile | undefined {
  if (env[RESOLVED_MARKER] === '1') return undefined;
  const explicit = env.TS_OTEL_RUN_CONFIG?.trim();
  const path = explicit ? (isAbsolute(explicit) ? explicit : resolve(cwd, explicit)) : findConfigFile(cwd);
  if (!path) return undefined;
  try {
    return loadConfigFileSync(path);
  } catch (e) {
    diag.warn(`config file ignored: ${e instanceof Error ? e.message : describe(e)}`);
    return undefined;
  }
}

/**
 * What both preload entries run. Starts the agent at most once per process, whichever entry or
 * installed copy gets here first, and only on the main thread. Settings come from the environment
 * and the config file; an invalid one is a warning and the next source down (in the end the
 * default) is used: telemetry settings must never crash the program.
 */
export function startFromEnvironment(): AgentSlot | undefined {
  const g = globalThis as unknown as Record<symbol, AgentSlot | undefined>;
  if (g[AGENT]) return g[AGENT];
  if (!onMainThread()) return undefined;
  const slot: AgentSlot = { version: VERSION };
  g[AGENT] = slot;
  try {
    const cwd = process.cwd();
    const file = readConfigFile(process.env, cwd);
    const resolution = resolveConfig({ env: process.env, ...(file ? { file } : {}), cwd });
    setLevel(resolution.config.OTEL_LOG_LEVEL);
    for (const p of resolution.problems) {
      const fallback = p.setting ? `using ${fallbackWords[resolution.sources[p.setting]]}` : 'ignored';
      diag.warn(`${p.message}; ${fallback}`);
    }
    if (resolution.config.OTEL_SDK_DISABLED) {
      diag.debug('OTEL_SDK_DISABLED is true: nothing is instrumented');
      return slot;
    }
    // Loaded only now: with the SDK disabled, nothing beyond the configuration is loaded.
    const { startAgent } = require('../agent') as typeof import('../agent');
    slot.agent = startAgent(resolution.config, diag);
  } catch (e) {
    diag.error(`could not start; the program runs without telemetry: ${describe(e)}`);
  }
  return slot;
}

const fallbackWords = {
  default: 'the default',
  file: "the config file's value",
  env: "the environment's value",
  flag: "the command line's value",
} as const;
