import { formatValue, parseValue } from './parse';
import { type Config, flagName, NAME_BY_KEY, SETTING_NAMES, SETTINGS, type SettingDef, type SettingName } from './settings';
import { closest } from './suggest';
import { redactUrl } from '../diag/redact';
import type { LoadedFile } from './file';

export type Source = 'default' | 'file' | 'env' | 'flag';

/** Set by the launcher for everything it starts: the environment already holds the resolved settings. */
export const RESOLVED_MARKER = 'TS_OTEL_RUN_RESOLVED';

export interface Problem {
  /** The setting concerned, when the problem is about one. */
  readonly setting?: SettingName;
  readonly source: Source;
  /** One complete line naming where the value came from, the value (unless secret) and what is allowed. */
  readonly message: string;
}

export interface Resolution {
  readonly config: Config;
  readonly sources: Readonly<Record<SettingName, Source>>;
  readonly file?: string;
  readonly problems: readonly Problem[];
  /** The config file's `check` section, for `ts-otel-run check` (not a setting: passed on as it is). */
  readonly check?: unknown;
}

export interface ResolveInput {
  readonly env: NodeJS.ProcessEnv;
  /** Raw flag values by setting, as typed on the command line (the last occurrence wins). */
  readonly flags?: ReadonlyMap<SettingName, string>;
  readonly file?: LoadedFile;
  readonly cwd: string;
}

export function displayValue(def: SettingDef, raw: unknown): string {
  if (def.secret) return '***';
  let text = typeof raw === 'string' ? raw : jsonText(raw);
  if (def.type.kind === 'url') text = redactUrl(text);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * A file value as JSON, for messages. A JavaScript config file can hold what JSON cannot show (a
 * function or a symbol: no text at all; a bigint or a cycle: a throw), and the message about that
 * value must not become a crash of its own.
 */
function jsonText(raw: unknown): string {
  try {
    const text: unknown = JSON.stringify(raw);
    if (typeof text === 'string') return text;
  } catch {
    // a bigint, a cycle, a throwing toJSON: described by its type below
  }
  return typeof raw === 'bigint' ? `${raw}n` : `a ${typeof raw === 'object' ? 'value that is not JSON' : typeof raw}`;
}

function where(name: SettingName, source: Source, file: string | undefined, fileKey: string | undefined): string {
  switch (source) {
    case 'flag':
      return `--${flagName(name)}`;
    case 'file':
      return `${file}: key '${fileKey ?? flagName(name)}'`;
    default:
      return name;
  }
}

/** An empty value is the same as an unset one, as the specification says for the environment. */
function present(raw: unknown): boolean {
  return raw !== undefined && raw !== null && !(typeof raw === 'string' && raw.trim() === '');
}

/**
 * Resolves every setting once, flag > environment > config file > default. An invalid value is
 * reported as a problem and the next source down is used, so a caller that decides to carry on
 * (the preload) still gets a complete, valid configuration; a caller that must not (the launcher)
 * stops on the problems.
 */
export function resolveConfig(input: ResolveInput): Resolution {
  const problems: Problem[] = [];
  const fileValues = new Map<SettingName, unknown>();
  const fileKeys = new Map<SettingName, string>();

  if (input.file) {
    for (const [key, raw] of Object.entries(input.file.values)) {
      if (key === 'check') continue; // the check subcommand's expectations, read by it
      const name = NAME_BY_KEY.get(key);
      if (!name) {
        const guess = closest(key, NAME_BY_KEY.keys());
        problems.push({
          source: 'file',
          message: `${input.file.path}: unknown key '${key}'${guess ? ` (did you mean '${guess}'?)` : ''}`,
        });
        continue;
      }
      if ((SETTINGS[name] as SettingDef).inFile === false) {
        problems.push({
          setting: name,
          source: 'file',
          message: `${input.file.path}: key '${key}' cannot be set in a config file`,
        });
        continue;
      }
      fileValues.set(name, raw);
      fileKeys.set(name, key);
    }
  }

  const values: Record<string, unknown> = {};
  const sources: Record<string, Source> = {};
  for (const name of SETTING_NAMES) {
    const def: SettingDef = SETTINGS[name];
    const candidates: [Source, unknown][] = [
      ['flag', input.flags?.get(name)],
      ['env', input.env[name]],
      ['file', fileValues.get(name)],
    ];
    let chosen: Source = 'default';
    let value: unknown = def.default;
    for (const [source, raw] of candidates) {
      if (!present(raw)) continue;
      const parsed = parseValue(def.type, raw, input.cwd);
      // A list of nothing (`OTEL_PROPAGATORS=,`) is as good as unset.
      if (parsed.ok && Array.isArray(parsed.value) && parsed.value.length === 0) continue;
      if (parsed.ok) {
        chosen = source;
        value = parsed.value;
        break;
      }
      problems.push({
        setting: name,
        source,
        message: `${where(name, source, input.file?.path, fileKeys.get(name))}: invalid value '${displayValue(def, raw)}': ${parsed.reason}`,
      });
    }
    values[name] = value;
    sources[name] = chosen;
  }

  return {
    config: Object.freeze(values) as Config,
    sources: Object.freeze(sources) as Record<SettingName, Source>,
    ...(input.file ? { file: input.file.path } : {}),
    ...(input.file && input.file.values.check !== undefined ? { check: input.file.values.check } : {}),
    problems,
  };
}

/**
 * The variables to add to a child's environment so that it sees exactly this resolution: every
 * setting that came from a flag or the config file, in canonical form.
 */
export function settingsToEnv(resolution: Resolution): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of SETTING_NAMES) {
    const source = resolution.sources[name];
    if (source !== 'flag' && source !== 'file') continue;
    out[name] = formatValue(SETTINGS[name].type, resolution.config[name]);
  }
  return out;
}
