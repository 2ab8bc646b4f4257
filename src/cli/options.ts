import { Command, Option } from 'commander';
import { describeType } from '../config/parse';
import {
  defaultDescription,
  flagName,
  kebabName,
  SETTING_NAMES,
  SETTINGS,
  type SettingDef,
  type SettingName,
} from '../config/settings';

function placeholder(def: SettingDef): string {
  switch (def.type.kind) {
    case 'bool':
      return '<bool>';
    case 'int':
      return def.type.unit === 'ms' ? '<ms>' : '<n>';
    case 'number':
      return '<ratio>';
    case 'enum':
      return '<name>';
    case 'enumList':
    case 'list':
    case 'patternList':
      return '<list>';
    case 'keyValues':
      return '<k=v,...>';
    case 'url':
      return '<url>';
    case 'file':
      return '<file>';
    case 'string':
      return '<value>';
  }
}

/** The help line of a setting: what it does, what it takes, its variable and its default. */
export function helpText(name: SettingName): string {
  const def: SettingDef = SETTINGS[name];
  const kind = def.type.kind;
  const takes = kind === 'enum' || kind === 'enumList' ? `; ${describeType(def.type)}` : '';
  return `${def.help}${takes} [${name}, default: ${defaultDescription(def)}]`;
}

/**
 * Adds a flag for every setting, in the table's groups, plus a hidden kebab-case alias. Values are
 * collected raw (the last occurrence wins) into `into`; they are validated together with the
 * environment and the config file, so that every invalid value is named in one report.
 */
export function addSettingOptions(command: Command, into: Map<SettingName, string>): Command {
  for (const name of SETTING_NAMES) {
    const def: SettingDef = SETTINGS[name];
    const record = (value: string) => {
      into.set(name, value);
      return value;
    };
    command.addOption(
      new Option(`--${flagName(name)} ${placeholder(def)}`, helpText(name)).helpGroup(`${def.group}:`).argParser(record),
    );
    if (kebabName(name) !== flagName(name)) {
      command.addOption(new Option(`--${kebabName(name)} ${placeholder(def)}`).hideHelp().argParser(record));
    }
  }
  return command;
}
