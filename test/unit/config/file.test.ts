import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findConfigFile, loadConfigFile, loadConfigFileSync, MODULE_NAME, SEARCH_PLACES } from '../../../src/config/file';

const roots: string[] = [];
after(() => {
  for (const d of roots) rmSync(d, { recursive: true, force: true });
});

/**
 * A fresh directory tree. Its root always holds a package.json without the "ts-otel-run" key
 * (unless `bare` is set), so that the upward search never wanders into the real /tmp.
 */
function tree(files: Record<string, string>, { bare = false } = {}): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'ts-otel-run-file-')));
  roots.push(root);
  if (!bare) writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'root' }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

const placeContent = (place: string): string => {
  if (place === 'package.json') return JSON.stringify({ name: 'p', [MODULE_NAME]: { service_name: 'pkg' } });
  if (place.endsWith('.js') || place.endsWith('.cjs')) return 'module.exports = {};';
  if (place.endsWith('.mjs')) return 'export default {};';
  return '{}';
};

describe('SEARCH_PLACES', () => {
  it('starts with package.json and lists the rc files before the config files', () => {
    assert.equal(SEARCH_PLACES[0], 'package.json');
    assert.deepEqual(SEARCH_PLACES, [
      'package.json',
      '.ts-otel-runrc',
      '.ts-otel-runrc.json',
      '.ts-otel-runrc.yaml',
      '.ts-otel-runrc.yml',
      'ts-otel-run.config.js',
      'ts-otel-run.config.cjs',
      'ts-otel-run.config.mjs',
      'ts-otel-run.config.json',
      'ts-otel-run.config.yaml',
      'ts-otel-run.config.yml',
    ]);
  });
});

describe('findConfigFile', () => {
  it('within one directory, the first place in SEARCH_PLACES wins', () => {
    const files: Record<string, string> = {};
    for (const place of SEARCH_PLACES) files[`app/${place}`] = placeContent(place);
    const root = tree(files);
    const app = join(root, 'app');
    for (const place of SEARCH_PLACES) {
      assert.equal(findConfigFile(app), join(app, place), `expected ${place} to win`);
      unlinkSync(join(app, place));
    }
    assert.equal(findConfigFile(app), undefined);
  });

  it('finds each place on its own', () => {
    for (const place of SEARCH_PLACES) {
      const root = tree({ [`app/${place}`]: placeContent(place) });
      assert.equal(findConfigFile(join(root, 'app')), join(root, 'app', place), place);
    }
  });

  it('a package.json without the "ts-otel-run" key is not a config file: other places in its directory still count', () => {
    const root = tree({
      'app/package.json': JSON.stringify({ name: 'app', otel: {} }),
      'app/.ts-otel-runrc.yaml': 'service_name: x\n',
    });
    assert.equal(findConfigFile(join(root, 'app')), join(root, 'app', '.ts-otel-runrc.yaml'));
  });

  it('a package.json with the "ts-otel-run" key is the config file, even with an rc file beside it', () => {
    const root = tree({
      'app/package.json': JSON.stringify({ name: 'app', 'ts-otel-run': { service_name: 'x' } }),
      'app/.ts-otel-runrc': 'service_name: y\n',
    });
    assert.equal(findConfigFile(join(root, 'app')), join(root, 'app', 'package.json'));
  });

  it('an unreadable or non-object package.json has no key', () => {
    for (const text of ['{ not json', '["ts-otel-run"]', '"ts-otel-run"', 'null', '']) {
      const root = tree({ 'app/package.json': text });
      assert.equal(findConfigFile(join(root, 'app')), undefined, text);
    }
  });

  it('searches upwards from cwd', () => {
    const root = tree({ 'app/.ts-otel-runrc.json': '{}', 'app/src/deep/er/.keep': '' });
    assert.equal(findConfigFile(join(root, 'app', 'src', 'deep', 'er')), join(root, 'app', '.ts-otel-runrc.json'));
  });

  it('a nearer config file wins over a farther one', () => {
    const root = tree({ 'app/.ts-otel-runrc.json': '{}', 'app/src/ts-otel-run.config.yml': 'a: 1' });
    assert.equal(findConfigFile(join(root, 'app', 'src')), join(root, 'app', 'src', 'ts-otel-run.config.yml'));
  });

  it('stops at the first directory holding a package.json, after looking in it', () => {
    const root = tree({
      '.ts-otel-runrc.json': '{}', // above the project: never reached
      'app/package.json': JSON.stringify({ name: 'app' }),
      'app/src/lib/.keep': '',
    });
    assert.equal(findConfigFile(join(root, 'app', 'src', 'lib')), undefined);
    writeFileSync(join(root, 'app', 'ts-otel-run.config.json'), '{}');
    assert.equal(findConfigFile(join(root, 'app', 'src', 'lib')), join(root, 'app', 'ts-otel-run.config.json'));
  });

  it('a package.json in cwd itself stops the search there', () => {
    const root = tree({ '.ts-otel-runrc': 'a: 1', 'app/package.json': '{}' });
    assert.equal(findConfigFile(join(root, 'app')), undefined);
  });

  it('returns undefined when nothing is found', () => {
    const root = tree({ 'a/b/c/.keep': '' });
    assert.equal(findConfigFile(join(root, 'a', 'b', 'c')), undefined);
  });

  it('names must match exactly, case included', () => {
    const root = tree({ 'app/.TS-OTEL-RUNRC': 'a: 1', 'app/Package.json': JSON.stringify({ 'ts-otel-run': {} }) });
    assert.equal(findConfigFile(join(root, 'app')), undefined);
  });

  it('a cwd that does not exist is searched from its existing parents', () => {
    const root = tree({ 'app/.ts-otel-runrc.json': '{}' });
    assert.equal(findConfigFile(join(root, 'app', 'gone', 'away')), join(root, 'app', '.ts-otel-runrc.json'));
  });
});

describe('loadConfigFileSync', () => {
  it('loads a .json file', () => {
    const root = tree({ 'c.json': JSON.stringify({ service_name: 'json', bsp_schedule_delay: 100, traces_exporter: ['console'] }) });
    const loaded = loadConfigFileSync(join(root, 'c.json'));
    assert.equal(loaded.path, join(root, 'c.json'));
    assert.deepEqual(loaded.values, { service_name: 'json', bsp_schedule_delay: 100, traces_exporter: ['console'] });
  });

  it('loads a .yaml file, with native YAML types', () => {
    const root = tree({
      '.ts-otel-runrc.yaml': 'service_name: yaml\nsdk_disabled: false\ntraces_exporter:\n  - console\n  - otlp\nresource_attributes:\n  team: a b\n',
    });
    const loaded = loadConfigFileSync(join(root, '.ts-otel-runrc.yaml'));
    assert.deepEqual(loaded.values, {
      service_name: 'yaml',
      sdk_disabled: false,
      traces_exporter: ['console', 'otlp'],
      resource_attributes: { team: 'a b' },
    });
  });

  it('loads an extension-less rc file as YAML or JSON', () => {
    const root = tree({ '.ts-otel-runrc': 'service_name: rc\n', 'json/.ts-otel-runrc': '{"service_name": "rcjson"}' });
    assert.deepEqual(loadConfigFileSync(join(root, '.ts-otel-runrc')).values, { service_name: 'rc' });
    assert.deepEqual(loadConfigFileSync(join(root, 'json', '.ts-otel-runrc')).values, { service_name: 'rcjson' });
  });

  it('loads a .cjs file', () => {
    const root = tree({ 'ts-otel-run.config.cjs': "module.exports = { service_name: 'cjs', bsp_schedule_delay: 1 + 1 };" });
    assert.deepEqual(loadConfigFileSync(join(root, 'ts-otel-run.config.cjs')).values, { service_name: 'cjs', bsp_schedule_delay: 2 });
  });

  it('loads the "ts-otel-run" key of a package.json', () => {
    const root = tree({ 'app/package.json': JSON.stringify({ name: 'app', 'ts-otel-run': { service_name: 'pkg' } }) });
    assert.deepEqual(loadConfigFileSync(join(root, 'app', 'package.json')).values, { service_name: 'pkg' });
  });

  it('an empty file is an empty configuration', () => {
    const root = tree({ 'empty.yaml': '' });
    assert.deepEqual(loadConfigFileSync(join(root, 'empty.yaml')).values, {});
  });

  it('refuses an .mjs file with a clear message naming it', () => {
    const root = tree({ 'ts-otel-run.config.mjs': 'export default { service_name: "mjs" };' });
    const path = join(root, 'ts-otel-run.config.mjs');
    assert.throws(
      () => loadConfigFileSync(path),
      (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.ok(e.message.startsWith(`${path}: `), e.message);
        assert.match(e.message, /ES module/);
        assert.match(e.message, /\.cjs/);
        return true;
      },
    );
  });

  it('rejects a file whose content is an array, naming the file', () => {
    const root = tree({ 'list.json': '[{"service_name": "x"}]', 'list.yaml': '- a\n- b\n' });
    for (const name of ['list.json', 'list.yaml']) {
      const path = join(root, name);
      assert.throws(() => loadConfigFileSync(path), {
        message: `${path}: the configuration must be an object of settings`,
      });
    }
  });

  it('rejects a file whose content is a scalar', () => {
    const root = tree({ 'scalar.yaml': 'just text\n', 'num.json': '42' });
    for (const name of ['scalar.yaml', 'num.json']) {
      const path = join(root, name);
      assert.throws(() => loadConfigFileSync(path), { message: `${path}: the configuration must be an object of settings` });
    }
  });

  it('names the file in syntax errors and for missing files', () => {
    const root = tree({ 'bad.json': '{ "service_name": ', 'bad.yaml': 'a: [1,\n', 'bad.cjs': 'module.exports = {' });
    for (const name of ['bad.json', 'bad.yaml', 'bad.cjs', 'missing.json']) {
      const path = join(root, name);
      assert.throws(
        () => loadConfigFileSync(path),
        (e: unknown) => e instanceof Error && e.message.includes(path),
        name,
      );
    }
  });
});

describe('loadConfigFile (async)', () => {
  it('loads an .mjs file (its default export)', async () => {
    const root = tree({ 'ts-otel-run.config.mjs': "export default { service_name: 'mjs', traces_exporter: ['console'] };" });
    const path = join(root, 'ts-otel-run.config.mjs');
    const loaded = await loadConfigFile(path);
    assert.equal(loaded.path, path);
    assert.deepEqual({ ...loaded.values }, { service_name: 'mjs', traces_exporter: ['console'] });
  });

  it('loads .json and .yaml files too', async () => {
    const root = tree({ 'a.json': '{"service_name": "a"}', 'b.yml': 'service_name: b\n' });
    assert.deepEqual((await loadConfigFile(join(root, 'a.json'))).values, { service_name: 'a' });
    assert.deepEqual((await loadConfigFile(join(root, 'b.yml'))).values, { service_name: 'b' });
  });

  it('rejects an array, naming the file', async () => {
    const root = tree({ 'arr.mjs': 'export default [1, 2];', 'arr.json': '[]' });
    for (const name of ['arr.mjs', 'arr.json']) {
      const path = join(root, name);
      await assert.rejects(loadConfigFile(path), { message: `${path}: the configuration must be an object of settings` });
    }
  });

  it('names the file when the module throws', async () => {
    const root = tree({ 'boom.mjs': "throw new Error('boom');" });
    const path = join(root, 'boom.mjs');
    await assert.rejects(loadConfigFile(path), (e: unknown) => e instanceof Error && e.message.includes(path) && /boom/.test(e.message));
  });
});
