import { formatValue } from '../config/parse';
import type { Resolution, Source } from '../config/resolve';
import { flagName, SETTING_NAMES, SETTINGS, type SettingDef } from '../config/settings';
import { startupSummaryParts } from '../agent/summary';
import { redactUrl } from '../diag/redact';
import { nearestPackage } from '../resource/package-json';

const SOURCE_TEXT: Record<Source, (name: string, file?: string) => string> = {
  default: (name) => {
    const def: SettingDef = SETTINGS[name as keyof typeof SETTINGS];
    return def.default === undefined && def.defaultText ? `default (${def.defaultText})` : 'default';
  },
  file: (_n, file) => `config file ${file}`,
  env: () => 'environment',
  flag: (name) => `flag --${flagName(name)}`,
};

/** The value with secrets masked: header names stay visible, their values do not; URLs lose credentials. */
export function maskedValue(def: SettingDef, value: unknown): unknown {
  if (value !== undefined && def.type.kind === 'url') return redactUrl(value as string);
  if (value === undefined || !def.secret) return value;
  if (def.type.kind === 'keyValues') {
    return Object.fromEntries(Object.keys(value as Record<string, string>).map((k) => [k, '***']));
  }
  return '***';
}

function shownValue(def: SettingDef, value: unknown): string {
  const masked = maskedValue(def, value);
  return masked === undefined ? '-' : formatValue(def.type, masked);
}

/** `ts-otel-run config`: every setting, its value and where it came from; then what it amounts to. */
export function printConfig(resolution: Resolution, json: boolean): string {
  const rows = SETTING_NAMES.map((name) => {
    const def: SettingDef = SETTINGS[name];
    return {
      name,
      flag: `--${flagName(name)}`,
      masked: maskedValue(def, resolution.config[name]) ?? null,
      value: shownValue(def, resolution.config[name]),
      source: resolution.sources[name],
      from: SOURCE_TEXT[resolution.sources[name]](name, resolution.file),
    };
  });
  // The program is not known here: its package is taken to be the working directory's.
  const effective = startupSummaryParts(resolution.config, undefined, nearestPackage(process.cwd()));
  if (json) {
    const settings = Object.fromEntries(rows.map((r) => [r.name, { value: r.masked, source: r.source, flag: r.flag }]));
    return `${JSON.stringify({ file: resolution.file ?? null, settings, effective }, null, 2)}\n`;
  }
  const w1 = Math.max(...rows.map((r) => r.name.length));
  const w2 = Math.min(48, Math.max(...rows.map((r) => r.value.length)));
  const lines = [`config file: ${resolution.file ?? '(none found)'}`, ''];
  for (const r of rows) lines.push(`${r.name.padEnd(w1)}  ${r.value.padEnd(w2)}  ${r.from}`);
  lines.push('', `service: ${effective.service}`);
  for (const line of effective.signals) lines.push(line);
  lines.push(`instrumentations: ${effective.instrumentations.join(', ') || 'none'}`);
  return `${lines.join('\n')}\n`;
}
