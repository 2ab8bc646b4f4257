import { tmpdir } from 'node:os';
import { resolveConfig } from '../../../src/config/resolve';
import type { Config } from '../../../src/config/settings';
import type { DetectContext, SystemInfo } from '../../../src/resource/detectors';

/** A real, validated Config built from these environment variables. */
export function configOf(env: Record<string, string> = {}): Config {
  const resolution = resolveConfig({ env, cwd: tmpdir() });
  if (resolution.problems.length > 0) throw new Error(resolution.problems.map((p) => p.message).join('; '));
  return resolution.config;
}

export const FAKE_SYSTEM: SystemInfo = {
  hostname: () => 'fake-host',
  arch: () => 'x64',
  platform: () => 'linux',
  release: () => '6.1.0-fake',
  version: () => '#1 SMP PREEMPT_DYNAMIC Fake 6.1.0',
  userInfo: () => ({ username: 'fake-user' }),
};

export class FileNotFound extends Error {
  readonly code = 'ENOENT';
}

/** A file reader over an in-memory table; records every path asked for. */
export function filesReader(files: Record<string, string>, calls: string[] = []): (path: string) => string {
  return (path) => {
    calls.push(path);
    const text = files[path];
    if (text === undefined) throw new FileNotFound(`ENOENT: no such file or directory, open '${path}'`);
    return text;
  };
}

export function throwingReader(): (path: string) => string {
  return (path) => {
    throw new Error(`EACCES: permission denied, open '${path}'`);
  };
}

export interface ContextOverrides {
  readonly env?: DetectContext['env'];
  readonly read?: DetectContext['read'];
  readonly system?: Partial<SystemInfo>;
}

export function contextOf(overrides: ContextOverrides = {}): DetectContext {
  return {
    env: overrides.env ?? {},
    read: overrides.read ?? filesReader({}),
    system: { ...FAKE_SYSTEM, ...overrides.system },
  };
}
