import type { Command } from 'commander';
import { resolve } from 'node:path';
import { findConfigFile, loadConfigFile, type LoadedFile } from '../config/file';
import { RESOLVED_MARKER, resolveConfig, settingsToEnv, type Resolution } from '../config/resolve';
import { NAME_BY_KEY, type SettingName } from '../config/settings';
import { diag, setLevel } from '../diag';
import { VERSION } from '../version';
import { launch, LaunchError, resolveCommand, withPreload } from './launch';

/** A usage error: printed, then the launcher exits 2 before any program starts. */
export class UsageError extends Error {}

/** The absolute path of the `--import` entry the launcher puts in NODE_OPTIONS. */
export const REGISTER_ENTRY = resolve(__dirname, '../register/register.mjs');

export async function resolveFor(flags: ReadonlyMap<SettingName, string>, env: NodeJS.ProcessEnv, cwd: string): Promise<Resolution> {
  const explicit = flags.get('TS_OTEL_RUN_CONFIG')?.trim() || env.TS_OTEL_RUN_CONFIG?.trim();
  let file: LoadedFile | undefined;
  const path = explicit ? resolve(cwd, explicit) : findConfigFile(cwd);
  if (path) {
    try {
      file = await loadConfigFile(path);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new UsageError(`invalid config file: ${reason.includes(path) ? reason : `${path}: ${reason}`}`);
    }
  }
  const resolution = resolveConfig({ env, flags, cwd, ...(file ? { file } : {}) });
  if (resolution.problems.length) {
    throw new UsageError(resolution.problems.map((p) => p.message).join('\nts-otel-run: error: '));
  }
  setLevel(resolution.config.OTEL_LOG_LEVEL);
  return resolution;
}

export function childEnvironment(resolution: Resolution, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, ...settingsToEnv(resolution), [RESOLVED_MARKER]: '1' };
  if (!resolution.config.OTEL_SDK_DISABLED) out.NODE_OPTIONS = withPreload(env.NODE_OPTIONS, REGISTER_ENTRY);
  return out;
}

const HELP_AFTER = `
Options end at the first word that is not an option, or at --; the rest belongs to the command.
Each option can also be set by its environment variable (in brackets) or, under the option's
name, in a config file: .ts-otel-runrc, ts-otel-run.config.{js,cjs,mjs,json,yaml}, or a
"ts-otel-run" key in package.json. Precedence: option > environment > config file > default.
Every option also has a kebab-case spelling: --service-name for --service_name.

Examples:
  ts-otel-run --traces_exporter console node app.js
  ts-otel-run --service_name shop --exporter_otlp_endpoint http://collector:4318 npm start
  ts-otel-run config --json
  NODE_OPTIONS="--import ts-otel-run/register" node app.js      (preload only, settings from the environment)

Exit status: the program's own; 2 for a usage error, 126 when the command cannot be executed,
127 when it is not found.`;

/**
 * The commander program. `argv` only decides how much to build: the flags of the `config`
 * subcommand are added when it is the one being run (a few hundred Option objects are a few
 * milliseconds of every launch).
 */
export function buildProgram(flags: Map<SettingName, string>, argv: readonly string[] = []): Command {
  // commander and the ~300 options are loaded only here: a plain `ts-otel-run [--x v] node app.js`
  // never needs them (see fastParse).
  const { Command } = require('commander') as typeof import('commander');
  const { addSettingOptions } = require('./options') as typeof import('./options');
  const program = new Command('ts-otel-run');
  program
    .usage('[options] <command> [args...]')
    .description('Runs a command with OpenTelemetry traces, metrics and logs in every Node.js process it starts.')
    .addHelpText('after', HELP_AFTER)
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .helpCommand(false)
    .argument('[command]', 'the program to run, e.g. node, npm, npx')
    .argument('[args...]', 'its arguments, passed on untouched')
    .passThroughOptions()
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run ts-otel-run --help for usage)')
    .configureHelp({ sortOptions: false, showGlobalOptions: false })
    .configureOutput({ outputError: (text, write) => write(`ts-otel-run: ${text}`) })
    .exitOverride();
  addSettingOptions(program, flags);

  program
    .command('config')
    .description('print every resolved setting with where it came from (secrets masked)')
    .option('--json', 'print JSON instead of a table')
    .helpCommand(false)
    .configureOutput({ outputError: (text, write) => write(`ts-otel-run config: ${text}`) })
    .exitOverride()
    .action(async (opts: { json?: boolean }) => {
      const resolution = await resolveFor(flags, process.env, process.cwd());
      const { printConfig } = require('./config-command') as typeof import('./config-command');
      process.stdout.write(printConfig(resolution, opts.json === true));
    });
  if (argv.includes('config')) addSettingOptions(program.commands[0]!, flags);

  const collect = (value: string, previous: string[] = []) => [...previous, value];
  const check = program
    .command('check')
    .description('run a command with every signal sent to a built-in receiver, then check what arrived (for CI)')
    .usage('[expectations] [options] -- <command> [args...]')
    .argument('<command>', 'the program to run, e.g. node, npm')
    .argument('[args...]', 'its arguments')
    .option('--expect-span <name>', 'a span with this name (exact, or /regex/), optionally {attr=value,attr=/re/,attr}; repeatable', collect)
    .option('--expect-metric <name>', 'a metric with this name (exact, or /regex/); repeatable', collect)
    .option('--expect-log <text>', 'a log record whose body contains this text (or matches /regex/); repeatable', collect)
    .option('--expect-service <name>', 'telemetry from this service.name (exact, or /regex/); repeatable', collect)
    .option('--min-spans <n>', 'at least this many spans')
    .option('--no-error-spans', 'no span may have status ERROR')
    .option('--ready <url>', 'wait until this URL answers before probing')
    .option('--probe <url>', 'send a GET to this URL once ready; repeatable (then the program is stopped)', collect)
    .option('--probe-count <n>', 'how many times to send each probe (default 1)')
    .option('--timeout <seconds>', 'stop the program after this long if it has not ended (default 60)')
    .option('--allow-failure', "a non-zero exit of the program does not fail the check")
    .option('--protocol <protocol>', 'OTLP protocol the program exports with: http/protobuf (default), http/json, grpc')
    .option('--report <file>', 'write a report: JUnit XML (.xml) or JSON (.json)')
    .helpCommand(false)
    .passThroughOptions()
    .configureOutput({ outputError: (text, write) => write(`ts-otel-run check: ${text}`) })
    .exitOverride()
    .action(async (command: string, args: string[], opts: import('./check').CheckOptions) => {
      const { runCheck } = require('./check') as typeof import('./check');
      const status = await runCheck(flags, command, args, opts, {
        resolveFor,
        childEnvironment,
        usageError: (message) => new UsageError(message),
      });
      process.exit(status);
    });
  if (argv.includes('check')) addSettingOptions(check, flags);

  program
    .command('collect')
    .description('receive OTLP (gRPC and HTTP) on this machine and print traces, logs and metrics as they arrive')
    .option('--grpc-port <port>', 'gRPC port (default 4317)')
    .option('--http-port <port>', 'HTTP port (default 4318)')
    .option('--host <host>', 'interface to listen on (default 127.0.0.1)')
    .option('--out <file>', 'also append everything received to this file, one OTLP JSON request per line')
    .addHelpText('after', (require('./collect') as typeof import('./collect')).COLLECT_HELP_AFTER)
    .helpCommand(false)
    .configureOutput({ outputError: (text, write) => write(`ts-otel-run collect: ${text}`) })
    .exitOverride()
    .action(async (opts: { grpcPort?: string; httpPort?: string; host?: string; out?: string }) => {
      const { collectCommand } = require('./collect') as typeof import('./collect');
      await collectCommand(opts);
    });

  program.action(async (command: string | undefined, args: string[]) => {
    if (command === undefined) {
      throw new UsageError('missing command: what should ts-otel-run run? For example: ts-otel-run node app.js');
    }
    await run(flags, command, args);
  });
  return program;
}

/** Resolves the settings and starts the command: the launcher's one job. */
async function run(flags: ReadonlyMap<SettingName, string>, command: string, args: readonly string[]): Promise<void> {
  const resolution = await resolveFor(flags, process.env, process.cwd());
  const env = childEnvironment(resolution, process.env);
  const file = resolveCommand(command, process.env);
  if (diag.enabled('debug')) diag.debug(`running ${file} with NODE_OPTIONS=${env.NODE_OPTIONS ?? ''}`);
  launch({ file, argv0: command, args, env, debug: (m) => diag.debug(m) });
}

export interface FastParse {
  readonly flags: Map<SettingName, string>;
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * The common command line (setting flags, then the command) parsed without commander, which
 * costs ~10 ms of every launch to load and configure. It accepts only a strict subset: `--name
 * value` and `--name=value` for known settings, `--` and the command. Anything else (help,
 * version, the config subcommand, an unknown or malformed option, a missing command or value)
 * returns undefined and goes to commander, which parses it the same way and words the errors.
 */
export function fastParse(argv: readonly string[]): FastParse | undefined {
  const flags = new Map<SettingName, string>();
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-')) break;
    if (!arg.startsWith('--')) return undefined;
    const eq = arg.indexOf('=');
    const name = NAME_BY_KEY.get(eq < 0 ? arg.slice(2) : arg.slice(2, eq));
    if (!name) return undefined;
    if (eq >= 0) {
      flags.set(name, arg.slice(eq + 1));
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('-')) return undefined;
    flags.set(name, value);
    i++;
  }
  const command = argv[i];
  if (command === undefined || command === 'config' || command === 'check' || command === 'collect') return undefined;
  return { flags, command, args: argv.slice(i + 1) };
}

/** Runs the CLI; every failure ends the process with the documented exit status. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  try {
    const fast = fastParse(argv);
    if (fast) {
      await run(fast.flags, fast.command, fast.args);
      return;
    }
    const flags = new Map<SettingName, string>();
    await buildProgram(flags, argv).parseAsync(argv as string[], { from: 'user' });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') {
        process.exit(0);
      }
      process.exit(2); // commander has printed the error, with a suggestion where it has one
    }
    if (e instanceof UsageError) {
      process.stderr.write(`ts-otel-run: error: ${e.message}\n(run ts-otel-run --help for usage)\n`);
      process.exit(2);
    }
    if (e instanceof LaunchError) {
      process.stderr.write(`ts-otel-run: error: ${e.message}\n`);
      process.exit(e.exitCode);
    }
    process.stderr.write(`ts-otel-run: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  }
}
