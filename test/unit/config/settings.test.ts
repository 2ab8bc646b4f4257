import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { formatValue, parseValue } from '../../../src/config/parse';
import {
  defaultDescription,
  flagName,
  kebabName,
  NAME_BY_KEY,
  SETTING_NAMES,
  SETTINGS,
  settingDef,
  type SettingDef,
  type SettingName,
} from '../../../src/config/settings';

const GROUPS = new Set([
  'General',
  'Exporters',
  'OTLP exporter',
  'OTLP exporter, per signal',
  'Batch processors',
  'Limits',
  'Metrics',
  'Instrumentations',
  'ts-otel-run',
]);

const defs = SETTING_NAMES.map((name) => [name, SETTINGS[name] as SettingDef] as const);

describe('the settings table', () => {
  it('is not empty and SETTING_NAMES lists exactly its keys', () => {
    assert.ok(SETTING_NAMES.length > 50);
    assert.deepEqual([...SETTING_NAMES].sort(), Object.keys(SETTINGS).sort());
  });

  it('names every setting as the specification spells it, or with the TS_OTEL_RUN_ prefix', () => {
    for (const name of SETTING_NAMES) assert.match(name, /^(OTEL|TS_OTEL_RUN)_[A-Z0-9_]+[A-Z0-9]$/, name);
  });

  it('every setting has a non-empty help and a known group', () => {
    for (const [name, def] of defs) {
      assert.equal(typeof def.help, 'string', name);
      assert.ok(def.help.trim().length > 0, `${name} has no help`);
      assert.ok(GROUPS.has(def.group), `${name} has group ${def.group}`);
    }
  });

  it('settingDef returns the table entry', () => {
    assert.equal(settingDef('OTEL_SERVICE_NAME'), SETTINGS.OTEL_SERVICE_NAME);
  });

  it('every fixed default is valid for its own type and survives formatting', () => {
    let checked = 0;
    for (const [name, def] of defs) {
      if (def.default === undefined) continue;
      checked++;
      const text = formatValue(def.type, def.default);
      const parsed = parseValue(def.type, text, process.cwd());
      if (!parsed.ok) assert.fail(`${name}: default ${JSON.stringify(def.default)} (${text}) is invalid: ${parsed.reason}`);
      assert.deepEqual(parsed.value, def.default, name);
    }
    assert.ok(checked > 20, `only ${checked} defaults checked`);
  });

  it('a setting has either a fixed default or a text describing it, never both', () => {
    for (const [name, def] of defs) {
      assert.ok(!(def.default !== undefined && def.defaultText !== undefined), `${name} has both`);
    }
  });

  it('only the config file path is barred from config files', () => {
    const barred = defs.filter(([, def]) => def.inFile === false).map(([name]) => name);
    assert.deepEqual(barred, ['TS_OTEL_RUN_CONFIG']);
  });

  it('headers and client keys are secret, general and per signal', () => {
    const secret = defs.filter(([, def]) => def.secret).map(([name]) => name).sort();
    assert.deepEqual(
      secret,
      [
        'OTEL_EXPORTER_OTLP_CLIENT_KEY',
        'OTEL_EXPORTER_OTLP_HEADERS',
        'OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY',
        'OTEL_EXPORTER_OTLP_LOGS_HEADERS',
        'OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY',
        'OTEL_EXPORTER_OTLP_METRICS_HEADERS',
        'OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY',
        'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
      ],
    );
  });

  it('enum and enumList values are lower-case (parsing lower-cases the input)', () => {
    for (const [name, def] of defs) {
      if (def.type.kind !== 'enum' && def.type.kind !== 'enumList') continue;
      for (const v of def.type.values) assert.equal(v, v.toLowerCase(), `${name}: ${v}`);
    }
  });
});

describe('flag and file key names', () => {
  it('flagName drops OTEL_ or TS_OTEL_RUN_ and lower-cases', () => {
    assert.equal(flagName('OTEL_TRACES_EXPORTER'), 'traces_exporter');
    assert.equal(flagName('TS_OTEL_RUN_CONFIG'), 'config');
    assert.equal(flagName('TS_OTEL_RUN_EXTRA_INSTRUMENTATIONS'), 'extra_instrumentations');
    assert.equal(flagName('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'), 'exporter_otlp_traces_endpoint');
    assert.equal(flagName('SOMETHING_ELSE'), 'something_else');
  });

  it('kebabName uses dashes', () => {
    assert.equal(kebabName('OTEL_TRACES_EXPORTER'), 'traces-exporter');
    assert.equal(kebabName('TS_OTEL_RUN_CONFIG'), 'config');
    assert.equal(kebabName('OTEL_BSP_SCHEDULE_DELAY'), 'bsp-schedule-delay');
  });

  it('flag names are unique across all settings', () => {
    const seen = new Map<string, SettingName>();
    for (const name of SETTING_NAMES) {
      const f = flagName(name);
      assert.ok(!seen.has(f), `${name} and ${seen.get(f)} share --${f}`);
      seen.set(f, name);
    }
  });

  it('kebab names are unique across all settings', () => {
    const seen = new Map<string, SettingName>();
    for (const name of SETTING_NAMES) {
      const k = kebabName(name);
      assert.ok(!seen.has(k), `${name} and ${seen.get(k)} share ${k}`);
      seen.set(k, name);
    }
  });

  it('NAME_BY_KEY maps both spellings of every setting back to it, and no other key', () => {
    for (const name of SETTING_NAMES) {
      assert.equal(NAME_BY_KEY.get(flagName(name)), name, flagName(name));
      assert.equal(NAME_BY_KEY.get(kebabName(name)), name, kebabName(name));
    }
    const expected = new Set(SETTING_NAMES.flatMap((n) => [flagName(n), kebabName(n)]));
    assert.equal(NAME_BY_KEY.size, expected.size);
    assert.equal(NAME_BY_KEY.get('traces_exporter'), 'OTEL_TRACES_EXPORTER');
    assert.equal(NAME_BY_KEY.get('traces-exporter'), 'OTEL_TRACES_EXPORTER');
    assert.equal(NAME_BY_KEY.get('OTEL_TRACES_EXPORTER'), undefined);
    assert.equal(NAME_BY_KEY.get('config'), 'TS_OTEL_RUN_CONFIG');
  });
});

describe('OTLP settings', () => {
  const FIELDS = ['ENDPOINT', 'PROTOCOL', 'HEADERS', 'TIMEOUT', 'COMPRESSION', 'CERTIFICATE', 'CLIENT_KEY', 'CLIENT_CERTIFICATE', 'INSECURE'];
  const all = SETTINGS as unknown as Record<string, SettingDef>;

  it('each general field exists, in the OTLP exporter group', () => {
    for (const field of FIELDS) {
      const def = all[`OTEL_EXPORTER_OTLP_${field}`];
      assert.ok(def, field);
      assert.equal(def.group, 'OTLP exporter');
    }
  });

  for (const signal of ['TRACES', 'METRICS', 'LOGS']) {
    it(`per-signal settings exist for ${signal}, with the general type and no fixed default`, () => {
      for (const field of FIELDS) {
        const name = `OTEL_EXPORTER_OTLP_${signal}_${field}`;
        const def = all[name];
        assert.ok(def, `${name} is missing`);
        const general = all[`OTEL_EXPORTER_OTLP_${field}`]!;
        assert.deepEqual(def.type, general.type, name);
        assert.equal(def.default, undefined, `${name} must not have a default: it would hide the general setting`);
        assert.equal(def.defaultText, `OTEL_EXPORTER_OTLP_${field}`);
        assert.equal(def.group, 'OTLP exporter, per signal');
        assert.ok(def.help.endsWith(`for ${signal.toLowerCase()} only`), def.help);
        assert.equal(def.secret, general.secret, name);
      }
    });
  }

  it('general defaults: http/protobuf, 10 s, no compression, not insecure', () => {
    assert.equal(SETTINGS.OTEL_EXPORTER_OTLP_PROTOCOL.default, 'http/protobuf');
    assert.equal(SETTINGS.OTEL_EXPORTER_OTLP_TIMEOUT.default, 10000);
    assert.equal(SETTINGS.OTEL_EXPORTER_OTLP_COMPRESSION.default, 'none');
    assert.equal(SETTINGS.OTEL_EXPORTER_OTLP_INSECURE.default, false);
    assert.equal((SETTINGS.OTEL_EXPORTER_OTLP_ENDPOINT as SettingDef).default, undefined);
  });
});

describe('defaultDescription', () => {
  it('prefers the text, then the default, lists comma-separated, else unset', () => {
    assert.equal(defaultDescription(SETTINGS.OTEL_PROPAGATORS), 'tracecontext,baggage');
    assert.equal(defaultDescription(SETTINGS.OTEL_BSP_SCHEDULE_DELAY), '5000');
    assert.equal(defaultDescription(SETTINGS.OTEL_SDK_DISABLED), 'false');
    assert.equal(defaultDescription(SETTINGS.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT), 'OTEL_EXPORTER_OTLP_TIMEOUT');
    assert.equal(defaultDescription(SETTINGS.OTEL_RESOURCE_ATTRIBUTES), 'unset');
  });
});
