import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** The signals a spawned program receives when the launcher receives them. */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;

/** Signals a terminal sends to its whole foreground process group. */
const TERMINAL_SIGNALS = new Set<string>(['SIGINT', 'SIGQUIT', 'SIGWINCH']);

/** What a shell searches when PATH is unset. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export class LaunchError extends Error {
  constructor(
    message: string,
    readonly exitCode: 126 | 127,
  ) {
    super(message);
  }
}

function executable(path: string): 'ok' | 'missing' | 'denied' | 'directory' {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 'missing';
  }
  if (st.isDirectory()) return 'directory';
  try {
    accessSync(path, constants.X_OK);
    return 'ok';
  } catch {
    return 'denied';
  }
}

/**
 * Finds the file a command names, the way a shell does: a name with a slash is a path (relative to
 * the working directory), any other name is looked up in PATH. Throws a LaunchError with the
 * shell's exit status: 127 when nothing is found, 126 when it is there but cannot be executed.
 */
export function resolveCommand(command: string, env: NodeJS.ProcessEnv, cwd = process.cwd()): string {
  if (command === '') throw new LaunchError("command not found: ''", 127);
  if (command.includes('/') || isAbsolute(command)) {
    const path = resolve(cwd, command);
    const state = executable(path);
    if (state === 'ok') return path;
    if (state === 'missing') throw new LaunchError(`command not found: ${command} (no such file)`, 127);
    const why = state === 'directory' ? 'it is a directory' : 'permission denied';
    throw new LaunchError(`cannot execute ${command}: ${why}`, 126);
  }
  let denied: string | undefined;
  for (const dir of (env.PATH ?? DEFAULT_PATH).split(delimiter)) {
    const path = join(resolve(cwd, dir || '.'), command);
    const state = executable(path);
    if (state === 'ok') return path;
    if (state === 'denied' && !denied) denied = path;
  }
  if (denied) throw new LaunchError(`cannot execute ${command} (${denied}): permission denied`, 126);
  throw new LaunchError(`command not found: ${command}`, 127);
}

/** `ts-otel-run/register` given by package name (or a path ending so), as a word of NODE_OPTIONS. */
const BY_NAME = /(?:^|[\s"'=/])ts-otel-run\/register(?:\.m?js)?(?=$|[\s"'])/;

function quoteNodeOption(value: string): string {
  // NODE_OPTIONS splits on spaces; double quotes (with backslash escapes) keep a value whole.
  return /[\s"\\]/.test(value) ? `"${value.replace(/(["\\])/g, '\\$1')}"` : value;
}

/**
 * Adds `--import <register entry>` in front of NODE_OPTIONS, keeping what is there, unless a
 * ts-otel-run register entry is already preloaded (by path or by package name).
 */
export function withPreload(nodeOptions: string | undefined, registerPath: string): string {
  const current = nodeOptions?.trim() ?? '';
  const quoted = quoteNodeOption(registerPath);
  if (current.includes(quoted) || current.includes(registerPath) || BY_NAME.test(current)) return current;
  const flag = `--import ${quoted}`;
  return current ? `${flag} ${current}` : flag;
}

/**
 * Whether a signal the terminal generated also reached the program: true when the launcher is in
 * the foreground process group of its terminal (the program, spawned into the same group, got the
 * signal directly). Forwarding it again would deliver Ctrl-C twice.
 */
function terminalAlsoSignalledChild(): boolean {
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync('/proc/self/stat', 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // state ppid pgrp session tty_nr tpgid
      const pgrp = Number(fields[2]);
      const ttyNr = Number(fields[4]);
      const tpgid = Number(fields[5]);
      return ttyNr !== 0 && tpgid === pgrp;
    } catch {
      // fall through to the portable guess
    }
  }
  return process.stdin.isTTY === true;
}

function signalNumber(signal: NodeJS.Signals): number {
  const { constants } = require('node:os') as typeof import('node:os');
  return (constants.signals as Record<string, number>)[signal] ?? 0;
}

export interface LaunchOptions {
  readonly file: string;
  readonly argv0: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Replace the launcher by the program when Node can (process.execve); default true. */
  readonly exec?: boolean;
  readonly debug?: (message: string) => void;
}

/**
 * Starts the program. Where Node has `process.execve`, the launcher becomes the program (same PID,
 * no process in between, signals and exit status are the program's own). Elsewhere it spawns the
 * program with stdio inherited, forwards signals, and leaves with the program's exit code or dies
 * by the signal that killed it. Never returns.
 */
export function launch(options: LaunchOptions): void {
  const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (options.exec !== false && typeof execve === 'function') {
    options.debug?.(`exec ${options.file}`);
    try {
      execve.call(process, options.file, [options.argv0, ...options.args], options.env);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new LaunchError(`command not found: ${options.argv0}`, 127);
      if (code === 'EACCES' || code === 'ENOEXEC') throw new LaunchError(`cannot execute ${options.argv0}: ${code}`, 126);
      options.debug?.(`process.execve failed (${code ?? e}); spawning instead`);
    }
  }
  spawnAndWait(options);
}

function spawnAndWait(options: LaunchOptions): void {
  options.debug?.(`spawn ${options.file}`);
  // Loaded here: with process.execve the launcher never needs child_process.
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const child = spawn(options.file, options.args, { stdio: 'inherit', env: options.env, argv0: options.argv0 });

  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const signal of FORWARDED_SIGNALS) {
    const handler = () => {
      if (TERMINAL_SIGNALS.has(signal) && terminalAlsoSignalledChild()) return;
      try {
        child.kill(signal);
      } catch {
        // the child is already gone; its exit will be handled below
      }
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  const detach = () => {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
  };

  child.on('error', (e: NodeJS.ErrnoException) => {
    detach();
    const status = e.code === 'ENOENT' ? 127 : 126;
    process.stderr.write(`ts-otel-run: error: cannot start ${options.argv0}: ${e.message}\n`);
    process.exit(status);
  });

  child.on('exit', (code, signal) => {
    detach();
    if (signal) {
      // Die the way the program died, so that a parent (a shell, CI) sees the same status.
      try {
        process.kill(process.pid, signal);
      } catch {
        // fall back to the shell's convention below
      }
      setTimeout(() => process.exit(128 + signalNumber(signal)), 100);
      return;
    }
    process.exit(code ?? 1);
  });
}
