import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { resolveConfig } from '../../../src/config/resolve';
import { diag, type Level, setLevel, setSink } from '../../../src/diag';
import { moduleVersion, Registry, stripNodePrefix } from '../../../src/instrumentation/registry';
import { isWrapped, originalOf } from '../../../src/instrumentation/shimmer';
import type {
  CatalogEntry,
  Instrumentation,
  InstrumentationContext,
  PatchInfo,
  Target,
} from '../../../src/instrumentation/types';
import { ORIGINAL, WRAPPED_BY } from '../../../src/symbols';
import { testServices } from '../../helpers/engine';

/**
 * The registry on its own: the tests call `onModule` directly, as the require and import hooks do,
 * with hand-made catalog entries whose `load` counts its calls.
 */

const config = resolveConfig({ env: {}, cwd: process.cwd() }).config;

// ---------------------------------------------------------------------------------------------
// Diagnostics: every line is recorded; the previous sink and level are restored after each test.
// ---------------------------------------------------------------------------------------------

/** The level in force, read back through `enabled` (the diag module has no getter). */
function currentLevel(): Level {
  for (const level of ['verbose', 'debug', 'info', 'warn', 'error'] as const) if (diag.enabled(level)) return level;
  return 'none';
}

let lines: string[] = [];
let restoreDiag: (() => void) | undefined;

const warnings = () => lines.filter((l) => l.startsWith('ts-otel-run: warn: '));
const debugs = () => lines.filter((l) => l.startsWith('ts-otel-run: debug: '));

// `diag.once` remembers its keys for the whole process, so every test uses fresh ids and versions.
let seq = 0;
const uid = (prefix: string) => `${prefix}-${++seq}`;

// ---------------------------------------------------------------------------------------------
// Packages on disk: a directory with a package.json, as the hooks give the registry in `baseDir`.
// ---------------------------------------------------------------------------------------------

const tmpRoot = mkdtempSync(join(tmpdir(), 'ts-otel-run-registry-test-'));
after(() => rmSync(tmpRoot, { recursive: true, force: true }));

function packageDir(version: string | undefined, name = 'pkg'): string {
  const dir = mkdtempSync(join(tmpRoot, 'pkg-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify(version === undefined ? { name } : { name, version }));
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Catalog entries and libraries.
// ---------------------------------------------------------------------------------------------

type Counted = CatalogEntry & { loads: number };

/** A catalog entry whose `load` counts its calls and builds the instrumentation from `body`. */
function entry(
  id: string,
  modules: string[],
  body: Omit<Instrumentation, 'id'> | (() => Omit<Instrumentation, 'id'>),
  eager?: boolean,
): Counted {
  const e: Counted = {
    id,
    modules,
    eager,
    loads: 0,
    load() {
      e.loads++;
      const b = typeof body === 'function' ? body() : body;
      return { id, ...b };
    },
  };
  return e;
}

interface Lib {
  greet(name: string): string;
  shout(name: string): string;
}

/** A fresh library object, as a module's exports. */
function lib(): Lib {
  return {
    greet(name: string) {
      return `hello ${name}`;
    },
    shout(name: string) {
      return `HELLO ${name}`;
    },
  };
}

/** A wrapper that adds one ` [w]` per layer of wrapping. */
const suffix =
  (tag = ' [w]') =>
  (original: (name: string) => string) =>
    function (this: unknown, name: string) {
      return original.call(this, name) + tag;
    };

/** A target that wraps `greet` and counts its calls. */
function greetTarget(module: string, versions = '*'): Target & { calls: number } {
  const t = {
    module,
    versions,
    calls: 0,
    patch(exports: Lib, ctx: InstrumentationContext) {
      t.calls++;
      ctx.shimmer.wrap(exports, 'greet', suffix());
    },
  };
  return t;
}

describe('Registry', () => {
  beforeEach(() => {
    lines = [];
    const previousLevel = currentLevel();
    const previousSink = setSink((line) => lines.push(line));
    setLevel('debug');
    restoreDiag = () => {
      setSink(previousSink);
      setLevel(previousLevel);
    };
  });
  afterEach(() => {
    restoreDiag?.();
    restoreDiag = undefined;
  });

  describe('lazy loading', () => {
    it('the constructor loads nothing', () => {
      const a = entry(uid('a'), ['pkg-a'], { targets: [greetTarget('pkg-a')] });
      const b = entry(uid('b'), ['http'], { setup: () => {} }, true);
      const registry = new Registry([a, b], config, diag, testServices());
      assert.equal(a.loads, 0);
      assert.equal(b.loads, 0);
      assert.deepEqual(registry.ids(), [a.id, b.id]);
      assert.deepEqual(lines, []);
    });

    it('a module no entry names loads nothing and comes back as it was', () => {
      const a = entry(uid('a'), ['pkg-a'], { targets: [greetTarget('pkg-a')] });
      const registry = new Registry([a], config, diag, testServices());
      const exports = lib();
      assert.equal(registry.onModule('pkg-b', exports, packageDir('1.0.0'), 'commonjs'), exports);
      assert.equal(registry.onModule('pkg-a/lib/other.js', exports, packageDir('1.0.0'), 'commonjs'), exports);
      assert.equal(a.loads, 0);
      assert.equal(isWrapped(exports.greet), false);
      assert.deepEqual(registry.report(), []);
    });

    it('the first matching module loads the instrumentation, once; later modules do not load it again', () => {
      const t1 = greetTarget('pkg-a');
      const t2 = greetTarget('pkg-a/lib/client.js');
      const a = entry(uid('a'), ['pkg-a', 'pkg-a/lib/client.js'], { targets: [t1, t2] });
      const registry = new Registry([a], config, diag, testServices());
      const dir = packageDir('1.0.0');
      registry.onModule('pkg-a', lib(), dir, 'commonjs');
      assert.equal(a.loads, 1);
      registry.onModule('pkg-a', lib(), packageDir('1.1.0'), 'commonjs');
      registry.onModule('pkg-a/lib/client.js', lib(), dir, 'commonjs');
      assert.equal(a.loads, 1);
      assert.equal(t1.calls, 2);
      assert.equal(t2.calls, 1);
    });

    it('an entry is loaded only by its own modules', () => {
      const a = entry(uid('a'), ['pkg-a'], { targets: [greetTarget('pkg-a')] });
      const b = entry(uid('b'), ['pkg-b'], { targets: [greetTarget('pkg-b')] });
      const registry = new Registry([a, b], config, diag, testServices());
      registry.onModule('pkg-a', lib(), packageDir('1.0.0'), 'commonjs');
      assert.equal(a.loads, 1);
      assert.equal(b.loads, 0);
    });
  });

  describe('module names', () => {
    it('lists each module once, without node: prefixes', () => {
      const registry = new Registry(
        [
          entry(uid('a'), ['http', 'node:fs'], {}),
          entry(uid('b'), ['node:http', 'pg', 'pg/lib/client.js'], {}),
          entry(uid('c'), ['pg'], {}),
        ],
        config,
        diag,
        testServices(),
      );
      const names = registry.moduleNames();
      assert.deepEqual([...names].sort(), ['fs', 'http', 'pg', 'pg/lib/client.js']);
      assert.equal(new Set(names).size, names.length);
    });

    it('stripNodePrefix strips only a leading node:', () => {
      assert.equal(stripNodePrefix('node:http'), 'http');
      assert.equal(stripNodePrefix('http'), 'http');
      assert.equal(stripNodePrefix('my-node:thing'), 'my-node:thing');
    });

    it("onModule('node:http') reaches an entry that names 'http', and info.module has no prefix", () => {
      const infos: PatchInfo[] = [];
      const a = entry(uid('a'), ['http'], {
        targets: [{ module: 'http', versions: '*', patch: (_e, _c, info) => void infos.push(info) }],
      });
      const registry = new Registry([a], config, diag, testServices());
      registry.onModule('node:http', {}, undefined, 'commonjs');
      assert.equal(a.loads, 1);
      assert.equal(infos.length, 1);
      assert.equal(infos[0]!.module, 'http');
    });

    it("an entry and target that name 'node:os' are reached by onModule('os')", () => {
      let calls = 0;
      const a = entry(uid('a'), ['node:os'], {
        targets: [{ module: 'node:os', versions: '*', patch: () => void calls++ }],
      });
      const registry = new Registry([a], config, diag, testServices());
      registry.onModule('os', {}, undefined, 'commonjs');
      assert.equal(calls, 1);
      assert.deepEqual(registry.report(), [{ id: a.id, module: 'os', version: process.versions.node }]);
    });
  });

  describe('versions', () => {
    it("reads the package's version from baseDir/package.json; a builtin has Node's version", () => {
      assert.equal(moduleVersion(packageDir('3.4.5-beta.1')), '3.4.5-beta.1');
      assert.equal(moduleVersion(undefined), process.versions.node);
      assert.equal(moduleVersion(packageDir(undefined)), '0.0.0');
      const empty = mkdtempSync(join(tmpRoot, 'nopkg-'));
      assert.equal(moduleVersion(empty), '0.0.0');
      const broken = mkdtempSync(join(tmpRoot, 'badpkg-'));
      writeFileSync(join(broken, 'package.json'), '{ not json');
      assert.equal(moduleVersion(broken), '0.0.0');
    });

    it('a target whose range excludes the version is skipped, with a debug line giving the range', () => {
      const t = greetTarget('pkg-a', '>=2 <3');
      const a = entry(uid('a'), ['pkg-a'], { targets: [t] });
      const registry = new Registry([a], config, diag, testServices());
      const exports = lib();
      assert.equal(registry.onModule('pkg-a', exports, packageDir('1.2.3'), 'commonjs'), exports);
      assert.equal(t.calls, 0);
      assert.equal(isWrapped(exports.greet), false);
      assert.deepEqual(lines, [`ts-otel-run: debug: ${a.id}: skipped pkg-a@1.2.3: supported versions are >=2 <3\n`]);
      assert.deepEqual(registry.report(), []);
    });

    it('a target whose range includes the version is patched, with a debug line', () => {
      const t = greetTarget('pkg-a', '>=2 <3');
      const a = entry(uid('a'), ['pkg-a'], { targets: [t] });
      const registry = new Registry([a], config, diag, testServices());
      const exports = lib();
      registry.onModule('pkg-a', exports, packageDir('2.9.0'), 'module');
      assert.equal(t.calls, 1);
      assert.equal(exports.greet('x'), 'hello x [w]');
      assert.deepEqual(lines, [`ts-otel-run: debug: ${a.id}: patched pkg-a@2.9.0 (module)\n`]);
    });

    it('of two targets for one module, only the one whose range matches patches', () => {
      const v1 = greetTarget('pkg-a', '^1.0.0');
      const v2 = greetTarget('pkg-a', '^2.0.0');
      const a = entry(uid('a'), ['pkg-a'], { targets: [v1, v2] });
      const registry = new Registry([a], config, diag, testServices());
      registry.onModule('pkg-a', lib(), packageDir('2.1.0'), 'commonjs');
      assert.equal(v1.calls, 0);
      assert.equal(v2.calls, 1);
      registry.onModule('pkg-a', lib(), packageDir('1.5.0'), 'commonjs');
      assert.equal(v1.calls, 1);
      assert.equal(v2.calls, 1);
    });

    it("a builtin is matched against Node's version", () => {
      const major = Number(process.versions.node.split('.')[0]);
      const now = greetTarget('os', `>=${major} <${major + 1}`);
      const future = greetTarget('os', `>=${major + 1}`);
      const infos: PatchInfo[] = [];
      const a = entry(uid('a'), ['os'], {
        targets: [now, future, { module: 'os', versions: '*', patch: (_e, _c, info) => void infos.push(info) }],
      });
      const registry = new Registry([a], config, diag, testServices());
      registry.onModule('os', lib(), undefined, 'commonjs');
      assert.equal(now.calls, 1);
      assert.equal(future.calls, 0);
      assert.deepEqual(infos, [{ module: 'os', version: process.versions.node, baseDir: undefined, format: 'commonjs' }]);
      assert.ok(debugs().some((l) => l.includes(`skipped os@${process.versions.node}: supported versions are >=${major + 1}`)));
    });

    it('an invalid range gives one warning and the target stays off; the other targets still patch', () => {
      const bad = greetTarget('pkg-a', 'not a range');
      const good = { module: 'pkg-a', versions: '1.x', calls: 0, patch: () => void good.calls++ };
      const a = entry(uid('a'), ['pkg-a'], { targets: [bad, good] });
      const registry = new Registry([a], config, diag, testServices());
      const exports = lib();
      assert.equal(registry.onModule('pkg-a', exports, packageDir('1.0.0'), 'commonjs'), exports);
      assert.equal(bad.calls, 0);
      assert.equal(good.calls, 1);
      assert.equal(isWrapped(exports.greet), false);
      assert.equal(warnings().length, 1, lines.join(''));
      assert.match(warnings()[0]!, new RegExp(`^ts-otel-run: warn: ${a.id}: .*invalid version range 'not a range'.* for pkg-a; the target stays off\\n$`));
      // The range is compiled once: later modules do not warn again.
      registry.onModule('pkg-a', lib(), packageDir('1.0.1'), 'commonjs');
      assert.equal(bad.calls, 0);
      assert.equal(good.calls, 2);
      assert.equal(warnings().length, 1);
    });

    it('a package without a version is 0.0.0, which a bounded range does not include', () => {
      const t = greetTarget('pkg-a', '>=1 <2');
      const a = entry(uid('a'), ['pkg-a'], { targets: [t] });
      const registry = new Registry([a], config, diag, testServices());
      registry.onModule('pkg-a', lib(), packageDir(undefined), 'commonjs');
      assert.equal(t.calls, 0);
      assert.ok(debugs().some((l) => l.includes('skipped pkg-a@0.0.0: supported versions are >=1 <2')));
    });
  });

  describe('what patch receives', () => {
    it('(exports, ctx, info): the exports object itself, the context, and module/version/baseDir/format', () => {
      const calls: { exports: unknown; ctx: InstrumentationContext; info: PatchInfo; self: unknown }[] = [];
      const id = uid('a');
      const a = entry(id, ['pkg-a'], {
        targets: [
          {
            module: 'pkg-a',
            versions: '>=1',
            patch(exports, ctx, info) {
              calls.push({ exports, ctx, info, self: this });
            },
          },
        ],
      });
      const registry = new Registry([a], config, diag, testServices());
      const dir = packageDir('1.2.3');
      const exports = lib();
      registry.onModule('pkg-a', exports, dir, 'module');
      assert.equal(calls.length, 1);
      const { ctx, info } = calls[0]!;
      assert.equal(calls[0]!.exports, exports);
      assert.deepEqual(info, { module: 'pkg-a', version: '1.2.3', baseDir: dir, format: 'module' });
      assert.equal(ctx.id, id);
      assert.equal(ctx.config, config);
      assert.equal(typeof ctx.shimmer.wrap, 'function');
      assert.equal(typeof ctx.shimmer.unwrap, 'function');
      assert.equal(ctx.isEnabled(), true);
      assert.ok(Object.isFrozen(ctx));
      // ctx.diag names the instrumentation.
      ctx.diag.warn('hello from the instrumentation');
      assert.equal(lines.at(-1), `ts-otel-run: warn: ${id}: hello from the instrumentation\n`);
    });

    it("ctx.shimmer's wraps are marked with the instrumentation's id", () => {
      const id = uid('a');
      const a = entry(id, ['pkg-a'], { targets: [greetTarget('pkg-a')] });
      const registry = new Registry([a], config, diag, testServices());
      const exports = lib();
      const greet = exports.greet;
      registry.onModule('pkg-a', exports, packageDir('1.0.0'), 'commonjs');
      assert.equal((exports.greet as unknown as Record<symbol, unknown>)[WRAPPED_BY], id);
      assert.equal(originalOf(exports.greet), greet);
      assert.equal(exports.greet.name, 'greet');
    });

    it('setup and every patch of one instrumentation share one context', () => {
      const ctxs: InstrumentationContext[] = [];
      const a = entry(uid('a'), ['pkg-a', 'pkg-b'], {
        setup: (ctx) => void ctxs.push(ctx),
        targets: [
          { module: 'pkg-a', versions: '*', patch: (_e, ctx) => void ctxs.push(ctx) },
          { module: 'pkg-b', versions: '*', patch: (_e, ctx) => void ctxs.push(ctx) },
        ],
      });
      const registry = new Registry([a], config, diag, testServices());
      registry.onModule('pkg-a', lib(), packageDir('1.0.0'), 'commonjs');
      registry.onModule('pkg-b', lib(), packageDir('1.0.0'), 'commonjs');
      assert.equal(ctxs.length, 3);
      assert.equal(ctxs[0], ctxs[1]);
      assert.equal(ctxs[1], ctxs[2]);
    });

    it('each instrumentation has its own context and shimmer', () => {
      const ctxs: InstrumentationContext[] = [];
      const patch = (_e: unknown, ctx: InstrumentationContext) => void ctxs.push(ctx);
      const a = entry(uid('a'), ['pkg-a'], { targets: [{ module: 'pkg-a', versions: '*', patch }] });
      const b = entry(uid('b'), ['pkg-a'], { targets: [{ module: 'pkg-a', versions: '*', patch }] });
      const registry = new Registry([a, b], config, diag, testServices());
      registry.onModule('pkg-a', lib(), packageDir('1.0.0'), 'commonjs');
      assert.equal(ctxs.length, 2);
      assert.notEqual(ctxs[0], ctxs[1]);
      assert.notEqual(ctxs[0]!.shimmer, ctxs[1]!.shimmer);
      assert.deepEqual(
        ctxs.map((c) => c.id),
        [a.id, b.id],
      );
    });
  });

  describe('replacing the exports', () => {
    it('a patch that returns a function replaces the exports', () => {
      const original = (name: string) => `hi ${name}`;
      const replacement = (name: string) => `${original(name)}!`;
      const a = entry(uid('a'), ['pkg-fn'], {
        targets: [{ module: 'pkg-fn', versions: '*', patch: () => replacement }],
      });
      const registry = new Registry([a], config, diag, testServices());
      assert.equal(registry.onModule('pkg-fn', original, packageDir('1.0.0'), 'commonjs'), replacement);
      assert.equal(registry.report().length, 1);
    });

    it('a patch that returns an object replaces the exports', () => {
      const replacement = { replaced: true };
      const a = entry(uid('a'), ['pkg-a'], {
        targets: [{ module: 'pkg-a', versions: '*', patch: () => replacement }],
      });
      const registry = new Registry([a], config, diag, testServices());
      assert.equal(registry.onModule('pkg-a', lib(), packageDir('1.0.0'), 'commonjs'), replacement);
    });

    it('a patch that returns undefined, a primitive or the exports themselves keeps the exports', () => {
      for (const value of [undefined, null, true, 0, 'text']) {
        const a = entry(uid('a'), ['pkg-a'], {
          targets: [{ module: 'pkg-a', versions: '*', patch: () => value }],
        });
        const registry = new Registry([a], config, diag, testServices());
        const exports = lib();
        assert.equal(registry.onModule('pkg-a', exports, packageDir('1.0.0'), 'commonjs'), exports, String(value));
      }
      const a = entry(uid('a'), ['pkg-a'], {
        targets: [{ module: 'pkg-a', versions: '*', patch: (e) => e }],
      });
      const registry = new Registry([a], config, diag, testServices());
      const exports = lib();
      assert.equal(registry.onModule('pkg-a', exports, packageDir('1.0.0'), 'commonjs'), exports);
    });

    it('the next instrumentation for the module gets the replacement', () => {
      const replacement = lib();
      const seenByB: unknown[] = [];
      const a = entry(uid('a'), ['pkg-a'], { targets: [{ module: 'pkg-a', versions: '*', patch: () => replacement }] });
      const b = entry(uid('b'), ['pkg-a'], {
        targets: [{ module: 'pkg-a', versions: '*', patch: (e) => void seenByB.push(e) }],
      });
      const registry = new Registry([a, b], config, diag, testServices());
      assert.equal(registry.onModule('pkg-a', lib(), packageDir('1.0.0'), 'commonjs'), replacement);
      assert.deepEqual(seenByB, [replacement]);
      assert.equal(seenByB[0], replacement);
    });

    it(
      'the same exports reached a second time (require, then import) get the replacement again',
      () => {
        const original = (name: string) => `hi ${name}`;
        const replacement = (name: string) => `${original(name)}!`;
        let calls = 0;
        const a = entry(uid('a'), ['pkg-fn'], {
          targets: [
            {
              module: 'pkg-fn',
              versions: '*',
              patch: () => {
                calls++;
                return replacement;
              },
            },
          ],
        });
        const registry = new Registry([a], config, diag, testServices());
        const dir = packageDir('1.0.0');
        assert.equal(registry.onModule('pkg-fn', original, dir, 'commonjs'), replacement);
        const second = registry.onModule('pkg-fn', original, dir, 'module');
        assert.equal(calls, 1);
        assert.equal(second, replacement);
      },
    );
  });

  describe('a patch that throws', () => {
    it('is undone, wrap by wrap; the program gets the original exports; one warning', () => {
      const id = uid('broken');
      let calls = 0;
      const a = entry(id, ['pkg-a'], {
        targets: [
          {
            module: 'pkg-a',
            versions: '*',
            patch(exports: Lib, ctx) {
              calls++;
              ctx.shimmer.wrap(exports, 'greet', suffix(' [broken]'));
              ctx.shimmer.wrap(exports, 'shout', suffix(' [broken]'));
              throw new Error('boom');
            },
          },
        ],
      });
      const registry = new Registry([a], config, diag, testServices());
      const exports = lib();
      const { greet, shout } = exports;
      const version = `1.0.${++seq}`;
      const dir = packageDir(version);
      assert.equal(registry.onModule('pkg-a', exports, dir, 'commonjs'), exports);
      assert.equal(calls, 1);
      assert.equal(exports.greet, greet);
      assert.equal(exports.shout, shout);
      assert.equal(exports.greet('x'), 'hello x');
      assert.deepEqual(Object.keys(exports), ['greet', 'shout']);
      assert.deepEqual(warnings(), [
        `ts-otel-run: warn: instrumentation '${id}' failed to patch pkg-a@${version}; the module is left as it was: Error: boom\n`,
      ]);
      assert.deepEqual(registry.report(), []);

      // Another copy of the same module and version: undone again, but no second warning.
      const again = lib();
      assert.equal(registry.onModule('pkg-a', again, dir, 'commonjs'), again);
      assert.equal(isWrapped(again.greet), false);
      assert.equal(warnings().length, 1);
    });

    it('the same module at another version warns again', () => {
      const id = uid('broken');
      const a = entry(id, ['pkg-a'], {
        targets: [
          {
            module: 'pkg-a',
            versions: '*',
            patch: () => {
              throw new Error('boom');
            },
          },
        ],
      });
      const registry = new Registry([a], config, diag, testServices());
      registry.onModule('pkg-a', lib(), packageDir('1.0.0'), 'commonjs');
      registry.onModule('pkg-a', lib(), packageDir('2.0.0'), 'commonjs');
      assert.equal(warnings().length, 2);
      assert.match(warnings()[0]!, /pkg-a@1\.0\.0/);
      assert.match(warnings()[1]!, /pkg-a@2\.0\.0/);
    });

    it('a non-Error thrown value is described in the warning', () => {
      const id = uid('broken');
      const a = entry(id, ['pkg-a'], {
        targets: [
          {
            module: 'pkg-a',
            versions: '*',
            patch: () => {
              throw 'just a string'; // eslint-disable-line no-throw-literal
            },
          },
        ],
      });
      const registry = new Registry([a], config, diag, testServices());
      registry.onModule('pkg-a', lib(), packageDir('1.0.0'), 'commonjs');
      assert.equal(warnings().length, 1);
      assert.match(warnings()[0]!, /: just a string\n$/);
    });

    it('other instrumentations of the same module still patch, before and after the failing one', () => {
      const before = greetTarget('pkg-a');
      const afterT = {
        module: 'pkg-a',
        versions: '*',
        patch(exports: Lib, ctx: InstrumentationContext) {
          ctx.shimmer.wrap(exports, 'shout', suffix(' [after]'));
        },
      };
      const a = entry(uid('a'), ['pkg-a'], { targets: [before] });
      const broken = entry(uid('broken'), ['pkg-a'], {
        targets: [
          {
            module: 'pkg-a',
            versions: '*',
            patch(exports: Lib, ctx) {
              // Wraps a function the first instrumentation left alone, then fails.
              ctx.shimmer.wrap(exports, 'shout', suffix(' [broken]'));
              throw new Error('boom');
            },
          },
        ],
      });
      const c = entry(uid('c'), ['pkg-a'], { targets: [afterT] });
      const registry = new Registry([a, broken, c], config, diag, testServices());
      const exports = lib();
      registry.onModule('pkg-a', exports, packageDir('1.0.0'), 'commonjs');
      assert.equal(exports.greet('x'), 'hello x [w]');
      assert.equal(exports.shout('x'), 'HELLO x [after]');
      assert.equal(warnings().length, 1);
      assert.deepEqual(
        registry.report().map((r) => r.id),
        [a.id, c.id],
      );
    });

    it("only the failing patch's wraps are undone: the same instrumentation's earlier patches stay", () => {
      const a = entry(uid('a'), ['pkg-a', 'pkg-b'], {
        targets: [
          greetTarget('pkg-a'),
          {
            module: 'pkg-b',
            versions: '*',
            patch(exports: Lib, ctx) {
              ctx.shimmer.wrap(exports, 'greet', suffix());
              throw new Error('boom');
            },
          },
        ],
      });
      const registry = new Registry([a], config, diag, testServices());
      const first = lib();
      const second = lib();
      registry.onModule('pkg-a', first, packageDir('1.0.0'), 'commonjs');
      registry.onModule('pkg-b', second, packageDir('1.0.0'), 'commonjs');
      assert.equal(first.greet('x'), 'hello x [w]');
      assert.equal(second.greet('x'), 'hello x');
      assert.equal(warnings().length, 1);
      // And disabling still undoes the earlier patch.
      assert.equal(registry.disable(a.id), true);
      assert.equal(first.greet('x'), 'hello x');
    });

    it('a failed patch is tried again for another copy of the module (which may succeed)', () => {
      let calls = 0;
      const a = entry(uid('a'), ['pkg-a'], {
        targets: [
          {
            module: 'pkg-a',
            versions: '*',
            patch(exports: Lib, ctx) {
              calls++;
              if (calls === 1) throw new Error('first time fails');
              ctx.shimmer.wrap(exports, 'greet', suffix());
            },
          },
        ],
      });
      const registry = new Registry([a], config, diag, testServices());
      const dir = packageDir('1.0.0');
      const first = lib();
      const second = lib();
      registry.onModule('pkg-a', first, dir, 'commonjs');
      registry.onModule('pkg-a', second, dir, 'commonjs');
      assert.equal(first.greet('x'), 'hello x');
      assert.equal(second.greet('x'), 'hello x [w]');
    });
  });

  describe('load that throws', () => {
    it('warns, the instrumentation stays off, and the other entries still patch', () => {
      const id = uid('unloadable');
      const bad: Counted = {
        id,
        modules: ['pkg-a'],
        loads: 0,
        load() {
          bad.loads++;
          throw new Error('cannot find module');
        },
      };
      const good = greetTarget('pkg-a');
      const g = entry(uid('good'), ['pkg-a'], { targets: [good] });
      const registry = new Registry([bad, g], config, diag, testServices());
      const exports = lib();
      assert.equal(registry.onModule('pkg-a', exports, packageDir('1.0.0'), 'commonjs'), exports);
      assert.equal(exports.greet('x'), 'hello x [w]');
      assert.deepEqual(warnings(), [
        `ts-otel-run: warn: instrumentation '${id}' could not be loaded and stays off: Error: cannot find module\n`,
      ]);
      // Not tried again.
      registry.onModule('pkg-a', lib(), packageDir('1.0.1'), 'commonjs');
      assert.equal(bad.loads, 1);
      assert.equal(warnings().length, 1);
      assert.equal(good.calls, 2);
      assert.deepEqual(
        registry.report().map((r) => r.id),
        [g.id, g.id],
      );
    });

    it('an eager entry whose load throws warns once at start', () => {
      const id = uid('unloadable');
      const bad: Counted = {
        id,
        modules: [],
        eager: true,
        loads: 0,
        load() {
          bad.loads++;
          throw new TypeError('nope');
        },
      };
      const registry = new Registry([bad], config, diag, testServices());
      registry.startEager();
      registry.startEager();
      assert.equal(bad.loads, 1);
      assert.deepEqual(warnings(), [
        `ts-otel-run: warn: instrumentation '${id}' could not be loaded and stays off: TypeError: nope\n`,
      ]);
    });
  });

  describe('the same exports object twice', () => {
    it('(as when require and import reach one CommonJS module) is patched once', () => {
      const t = greetTarget('pkg-a');
      const a = entry(uid('a'), ['pkg-a'], { targets: [t] });
      const registry = new Registry([a], config, diag, testServices());
      const exports = lib();
      const dir = packageDir('1.0.0');
      assert.equal(registry.onModule('pkg-a', exports, dir, 'commonjs'), exports);
      assert.equal(registry.onModule('pkg-a', exports, dir, 'module'), exports);
      assert.equal(t.calls, 1);
      assert.equal(exports.greet('x'), 'hello x [w]');
      assert.equal(registry.report().length, 1);
    });

    it('after disable and enable it is still patched once', () => {
      const t = greetTarget('pkg-a');
      const a = entry(uid('a'), ['pkg-a'], { targets: [t] });
      const registry = new Registry([a], config, diag, testServices());
      const exports = lib();
      const dir = packageDir('1.0.0');
      registry.onModule('pkg-a', exports, dir, 'commonjs');
      registry.onModule('pkg-a', exports, dir, 'module');
      registry.disable(a.id);
      registry.enable(a.id);
      assert.equal(t.calls, 2);
      assert.equal(exports.greet('x'), 'hello x [w]');
      assert.equal(registry.report().length, 1);
    });
  });

  describe('disable and enable', () => {
    function fullInstrumentation() {
      const log: string[] = [];
      const ctxs: InstrumentationContext[] = [];
      const unpatched: { exports: unknown; info: PatchInfo }[] = [];
      const body = {
        setup(ctx: InstrumentationContext) {
          log.push('setup');
          ctxs.push(ctx);
          return () => void log.push('dispose');
        },
        targets: [
          {
            module: 'pkg-a',
            versions: '*',
            patch(exports: Lib, ctx: InstrumentationContext) {
              log.push('patch');
              ctx.shimmer.wrap(exports, 'greet', suffix());
            },
            unpatch(exports: Lib, ctx: InstrumentationContext, info: PatchInfo) {
              log.push('unpatch');
              ctxs.push(ctx);
              unpatched.push({ exports, info });
            },
          },
        ],
      };
      return { log, ctxs, unpatched, body };
    }

    it('disable undoes the wraps, calls unpatch and the disposer, and isEnabled() becomes false', () => {
      const f = fullInstrumentation();
      const a = entry(uid('a'), ['pkg-a'], f.body);
      const registry = new Registry([a], config, diag, testServices());
      const exports = lib();
      const greet = exports.greet;
      const dir = packageDir('1.0.0');
      registry.onModule('pkg-a', exports, dir, 'commonjs');
      assert.deepEqual(f.log, ['setup', 'patch']);
      const ctx = f.ctxs[0]!;
      assert.equal(ctx.isEnabled(), true);

      assert.equal(registry.disable(a.id), true);
      assert.deepEqual(f.log, ['setup', 'patch', 'unpatch', 'dispose']);
      assert.equal(exports.greet, greet);
      assert.equal(isWrapped(exports.greet), false);
      assert.equal(ctx.isEnabled(), false);
      assert.equal(f.ctxs[1], ctx);
      assert.equal(f.unpatched.length, 1);
      assert.equal(f.unpatched[0]!.exports, exports);
      assert.deepEqual(f.unpatched[0]!.info, { module: 'pkg-a', version: '1.0.0', baseDir: dir, format: 'commonjs' });
      assert.deepEqual(registry.report(), []);
      assert.deepEqual(warnings(), []);

      // A second disable does nothing.
      assert.equal(registry.disable(a.id), false);
      assert.deepEqual(f.log, ['setup', 'patch', 'unpatch', 'dispose']);
    });

    it('disable and enable of an unknown id return false; enable of an enabled one returns false', () => {
      const a = entry(uid('a'), ['pkg-a'], { targets: [greetTarget('pkg-a')] });
      const registry = new Registry([a], config, diag, testServices());
      assert.equal(registry.disable('no-such-id'), false);
      assert.equal(registry.enable('no-such-id'), false);
      assert.equal(registry.enable(a.id), false);
      assert.equal(a.loads, 0);
    });

    it('enable patches again every module seen so far, including those seen while disabled; setup runs again', () => {
      const f = fullInstrumentation();
      const a = entry(uid('a'), ['pkg-a'], f.body);
      const registry = new Registry([a], config, diag, testServices());
      const first = lib();
      const second = lib();
      registry.onModule('pkg-a', first, packageDir('1.0.0'), 'commonjs');
      registry.disable(a.id);
      assert.equal(registry.onModule('pkg-a', second, packageDir('1.1.0'), 'commonjs'), second);
      assert.equal(isWrapped(second.greet), false);
      assert.deepEqual(f.log, ['setup', 'patch', 'unpatch', 'dispose']);

      assert.equal(registry.enable(a.id), true);
      assert.deepEqual(f.log, ['setup', 'patch', 'unpatch', 'dispose', 'setup', 'patch', 'patch']);
      assert.equal(first.greet('x'), 'hello x [w]');
      assert.equal(second.greet('x'), 'hello x [w]');
      assert.equal(f.ctxs[0]!.isEnabled(), true);
      assert.deepEqual(
        registry.report().map((r) => r.version),
        ['1.0.0', '1.1.0'],
      );
      assert.equal(a.loads, 1);
    });

    it('enable → disable → enable leaves exactly one wrapper in place', () => {
      const a = entry(uid('a'), ['pkg-a'], { targets: [greetTarget('pkg-a')] });
      const registry = new Registry([a], config, diag, testServices());
      const exports = lib();
      const greet = exports.greet;
      registry.onModule('pkg-a', exports, packageDir('1.0.0'), 'commonjs');
      for (let i = 0; i < 3; i++) {
        assert.equal(registry.disable(a.id), true);
        assert.equal(exports.greet, greet);
        assert.equal(registry.enable(a.id), true);
      }
      assert.equal(originalOf(exports.greet), greet);
      assert.equal((exports.greet as unknown as Record<symbol, unknown>)[ORIGINAL], greet);
      assert.equal(exports.greet('x'), 'hello x [w]');
      assert.equal(registry.report().length, 1);
    });

    it('a module seen while an entry was disabled before it ever loaded is loaded and patched by enable', () => {
      const t = greetTarget('pkg-a');
      const a = entry(uid('a'), ['pkg-a'], { targets: [t] });
      const registry = new Registry([a], config, diag, testServices());
      assert.equal(registry.disable(a.id), true);
      const exports = lib();
      assert.equal(registry.onModule('pkg-a', exports, packageDir('1.0.0'), 'commonjs'), exports);
      assert.equal(a.loads, 0);
      assert.equal(t.calls, 0);
      assert.equal(registry.enable(a.id), true);
      assert.equal(a.loads, 1);
      assert.equal(t.calls, 1);
      assert.equal(exports.greet('x'), 'hello x [w]');
    });

    it('enable with no module seen yet loads nothing; the next module is patched', () => {
      const t = greetTarget('pkg-a');
      const a = entry(uid('a'), ['pkg-a'], { targets: [t] });
      const registry = new Registry([a], config, diag, testServices());
      registry.disable(a.id);
      registry.enable(a.id);
      assert.equal(a.loads, 0);
      const exports = lib();
      registry.onModule('pkg-a', exports, packageDir('1.0.0'), 'commonjs');
      assert.equal(exports.greet('x'), 'hello x [w]');
    });

    it('disabling one instrumentation leaves the others on the same module patched', () => {
      const a = entry(uid('a'), ['pkg-a'], { targets: [greetTarget('pkg-a')] });
      const b = entry(uid('b'), ['pkg-a'], {
        targets: [
          {
            module: 'pkg-a',
            versions: '*',
            patch: (exports: Lib, ctx: InstrumentationContext) => void ctx.shimmer.wrap(exports, 'shout', suffix()),
          },
        ],
      });
      const registry = new Registry([a, b], config, diag, testServices());
      const exports = lib();
      registry.onModule('pkg-a', exports, packageDir('1.0.0'), 'commonjs');
      registry.disable(a.id);
      assert.equal(exports.greet('x'), 'hello x');
      assert.equal(exports.shout('x'), 'HELLO x [w]');
      assert.deepEqual(
        registry.report().map((r) => r.id),
        [b.id],
      );
    });

    it('an unpatch that throws is reported and the instrumentation is still disabled', () => {
      const id = uid('a');
      const a = entry(id, ['pkg-a'], {
        targets: [
          {
            module: 'pkg-a',
            versions: '*',
            patch: (exports: Lib, ctx: InstrumentationContext) => void ctx.shimmer.wrap(exports, 'greet', suffix()),
            unpatch: () => {
              throw new Error('cannot unpatch');
            },
          },
        ],
      });
      const registry = new Registry([a], config, diag, testServices());
      const exports = lib();
      registry.onModule('pkg-a', exports, packageDir('1.0.0'), 'commonjs');
      assert.equal(registry.disable(id), true);
      assert.equal(exports.greet('x'), 'hello x');
      assert.deepEqual(warnings(), [`ts-otel-run: warn: ${id}: unpatch of pkg-a@1.0.0 failed: Error: cannot unpatch\n`]);
    });

    it('a disposer that throws is reported and the instrumentation is still disabled', () => {
      const id = uid('a');
      let enabledSeen: boolean | undefined;
      const a = entry(
        id,
        [],
        {
          setup: (ctx) => () => {
            enabledSeen = ctx.isEnabled();
            throw new Error('cannot dispose');
          },
        },
        true,
      );
      const registry = new Registry([a], config, diag, testServices());
      registry.startEager();
      assert.equal(registry.disable(id), true);
      assert.equal(enabledSeen, false);
      assert.deepEqual(warnings(), [`ts-otel-run: warn: ${id}: teardown failed: Error: cannot dispose\n`]);
    });

    it('a wrapper the program kept after disable can see isEnabled() === false', () => {
      const a = entry(uid('a'), ['pkg-a'], {
        targets: [
          {
            module: 'pkg-a',
            versions: '*',
            patch(exports: Lib, ctx: InstrumentationContext) {
              ctx.shimmer.wrap(
                exports,
                'greet',
                (original) =>
                  function (this: unknown, name: string) {
                    const r = original.call(this, name);
                    return ctx.isEnabled() ? `${r} [w]` : r;
                  },
              );
            },
          },
        ],
      });
      const registry = new Registry([a], config, diag, testServices());
      const exports = lib();
      registry.onModule('pkg-a', exports, packageDir('1.0.0'), 'commonjs');
      const kept = exports.greet; // e.g. `const { greet } = require('pkg-a')`
      assert.equal(kept('x'), 'hello x [w]');
      registry.disable(a.id);
      assert.equal(kept('x'), 'hello x');
      registry.enable(a.id);
      assert.equal(kept('x'), 'hello x [w]');
    });

    it(
      'a patch that replaced the exports is patched again by enable, and reported',
      () => {
        const log: string[] = [];
        const original = (name: string) => `hi ${name}`;
        const a = entry(uid('a'), ['pkg-fn'], {
          targets: [
            {
              module: 'pkg-fn',
              versions: '*',
              patch: (exports: (n: string) => string) => {
                log.push('patch');
                return (name: string) => `${exports(name)}!`;
              },
              unpatch: () => void log.push('unpatch'),
            },
          ],
        });
        const registry = new Registry([a], config, diag, testServices());
        registry.onModule('pkg-fn', original, packageDir('1.0.0'), 'commonjs');
        assert.equal(registry.report().length, 1);
        registry.disable(a.id);
        registry.enable(a.id);
        assert.equal(registry.report().length, 1);
        registry.disable(a.id);
        assert.deepEqual(log, ['patch', 'unpatch', 'patch', 'unpatch']);
      },
    );
  });

  describe('eager entries', () => {
    it('startEager loads them and calls setup; entries that are not eager are not loaded', () => {
      const ctxs: InstrumentationContext[] = [];
      const eager = entry(uid('eager'), [], { setup: (ctx) => void ctxs.push(ctx) }, true);
      const lazy = entry(uid('lazy'), ['pkg-a'], { setup: (ctx) => void ctxs.push(ctx), targets: [greetTarget('pkg-a')] });
      const registry = new Registry([eager, lazy], config, diag, testServices());
      registry.startEager();
      assert.equal(eager.loads, 1);
      assert.equal(lazy.loads, 0);
      assert.equal(ctxs.length, 1);
      assert.equal(ctxs[0]!.id, eager.id);
      assert.equal(ctxs[0]!.config, config);
      assert.equal(ctxs[0]!.isEnabled(), true);
      // Called again (two starts), nothing happens twice.
      registry.startEager();
      assert.equal(eager.loads, 1);
      assert.equal(ctxs.length, 1);
    });

    it('an eager entry that needs a signal is not even loaded when that signal has nowhere to go', () => {
      const forMetrics = { ...entry(uid('metrics'), [], { setup: () => undefined }, true), needs: 'metrics' as const };
      const forLogs = { ...entry(uid('logs'), [], { setup: () => undefined }, true), needs: 'logs' as const };
      let loads = 0;
      const counting = (e: CatalogEntry): CatalogEntry => ({ ...e, load: () => (loads++, e.load()) });
      const off = { ...testServices(), meterProvider: undefined, loggerProvider: undefined };
      new Registry([counting(forMetrics), counting(forLogs)], config, diag, off).startEager();
      assert.equal(loads, 0, 'no metrics reader, no log exporter: nothing loaded');
      new Registry([counting(forMetrics), counting(forLogs)], config, diag, testServices()).startEager();
      assert.equal(loads, 2, 'both signals live: both loaded');
    });

    it('an eager entry with modules is set up at start and patches its modules later', () => {
      const log: string[] = [];
      const t = greetTarget('pkg-a');
      const eager = entry(uid('eager'), ['pkg-a'], { setup: () => void log.push('setup'), targets: [t] }, true);
      const registry = new Registry([eager], config, diag, testServices());
      registry.startEager();
      assert.deepEqual(log, ['setup']);
      registry.onModule('pkg-a', lib(), packageDir('1.0.0'), 'commonjs');
      assert.deepEqual(log, ['setup']);
      assert.equal(t.calls, 1);
      assert.equal(eager.loads, 1);
    });

    it('setup of a lazy entry runs when its first module is loaded', () => {
      const log: string[] = [];
      const lazy = entry(uid('lazy'), ['pkg-a'], {
        setup: () => void log.push('setup'),
        targets: [{ module: 'pkg-a', versions: '*', patch: () => void log.push('patch') }],
      });
      const registry = new Registry([lazy], config, diag, testServices());
      registry.startEager();
      assert.deepEqual(log, []);
      registry.onModule('pkg-a', lib(), packageDir('1.0.0'), 'commonjs');
      registry.onModule('pkg-a', lib(), packageDir('1.0.1'), 'commonjs');
      assert.deepEqual(log, ['setup', 'patch', 'patch']);
    });

    it(
      'an eager entry that is disabled and enabled again is set up again',
      () => {
        const log: string[] = [];
        const eager = entry(
          uid('eager'),
          [],
          {
            setup: () => {
              log.push('setup');
              return () => void log.push('dispose');
            },
          },
          true,
        );
        const registry = new Registry([eager], config, diag, testServices());
        registry.startEager();
        assert.equal(registry.disable(eager.id), true);
        assert.equal(registry.enable(eager.id), true);
        assert.deepEqual(log, ['setup', 'dispose', 'setup']);
      },
    );

    it('an eager entry disabled before start and enabled later is loaded and set up once, by enable', () => {
      const log: string[] = [];
      const eager = entry(uid('eager'), [], { setup: () => void log.push('setup') }, true);
      const registry = new Registry([eager], config, diag, testServices());
      registry.disable(eager.id);
      registry.enable(eager.id);
      assert.equal(eager.loads, 1);
      assert.deepEqual(log, ['setup']);
      registry.startEager();
      assert.equal(eager.loads, 1);
      assert.deepEqual(log, ['setup']);
    });

    it(
      'startEager does not set up an eager entry that is disabled',
      () => {
        const log: string[] = [];
        const eager = entry(uid('eager'), [], { setup: () => void log.push('setup') }, true);
        const registry = new Registry([eager], config, diag, testServices());
        registry.disable(eager.id);
        registry.startEager();
        assert.deepEqual(log, []);
        assert.equal(eager.loads, 0);
      },
    );

    it('a setup that throws gives a warning naming the instrumentation', () => {
      const id = uid('eager');
      const eager = entry(
        id,
        [],
        {
          setup: () => {
            throw new Error('no channel');
          },
        },
        true,
      );
      const registry = new Registry([eager], config, diag, testServices());
      registry.startEager();
      assert.deepEqual(warnings(), [
        `ts-otel-run: warn: instrumentation '${id}' failed to set up and stays off: Error: no channel\n`,
      ]);
    });

    it(
      'a setup that throws keeps the instrumentation off: its targets do not patch and it warns once',
      () => {
        const id = uid('lazy');
        const t = greetTarget('pkg-a');
        const lazy = entry(id, ['pkg-a'], {
          setup: () => {
            throw new Error('no channel');
          },
          targets: [t],
        });
        const registry = new Registry([lazy], config, diag, testServices());
        const first = lib();
        registry.onModule('pkg-a', first, packageDir('1.0.0'), 'commonjs');
        registry.onModule('pkg-a', lib(), packageDir('1.0.1'), 'commonjs');
        assert.equal(t.calls, 0);
        assert.equal(isWrapped(first.greet), false);
        assert.equal(warnings().length, 1, lines.join(''));
      },
    );
  });

  describe('report', () => {
    it('lists id, module and version of every patch, in entry order; nothing skipped or failed', () => {
      const a = entry(uid('a'), ['pkg-a', 'pkg-a/lib/client.js'], {
        targets: [greetTarget('pkg-a'), greetTarget('pkg-a/lib/client.js')],
      });
      const b = entry(uid('b'), ['http', 'pkg-a'], {
        targets: [
          greetTarget('http'),
          greetTarget('pkg-a', '>=5'),
        ],
      });
      const c = entry(uid('c'), ['pkg-a'], {
        targets: [
          {
            module: 'pkg-a',
            versions: '*',
            patch: () => {
              throw new Error('boom');
            },
          },
        ],
      });
      const registry = new Registry([a, b, c], config, diag, testServices());
      assert.deepEqual(registry.report(), []);
      registry.onModule('pkg-a', lib(), packageDir('1.2.3'), 'commonjs');
      registry.onModule('node:http', lib(), undefined, 'commonjs');
      registry.onModule('pkg-a/lib/client.js', lib(), packageDir('1.2.3'), 'module');
      assert.deepEqual(registry.report(), [
        { id: a.id, module: 'pkg-a', version: '1.2.3' },
        { id: a.id, module: 'pkg-a/lib/client.js', version: '1.2.3' },
        { id: b.id, module: 'http', version: process.versions.node },
      ]);
    });
  });

  describe('exports that are not objects or functions', () => {
    it('are passed through without calling patch', () => {
      for (const value of ['a string', 42, true, null, undefined, Symbol('s')]) {
        const t = greetTarget('pkg-a');
        const a = entry(uid('a'), ['pkg-a'], { targets: [t] });
        const registry = new Registry([a], config, diag, testServices());
        assert.equal(registry.onModule('pkg-a', value, packageDir('1.0.0'), 'commonjs'), value);
        assert.equal(t.calls, 0, String(value));
        assert.deepEqual(registry.report(), []);
        assert.deepEqual(warnings(), []);
      }
    });

    it('a function export is patched', () => {
      const fn = Object.assign(() => 'called', { greet: (n: string) => `hello ${n}` });
      const t = greetTarget('pkg-fn');
      const a = entry(uid('a'), ['pkg-fn'], { targets: [t] });
      const registry = new Registry([a], config, diag, testServices());
      assert.equal(registry.onModule('pkg-fn', fn, packageDir('1.0.0'), 'commonjs'), fn);
      assert.equal(t.calls, 1);
      assert.equal(fn.greet('x'), 'hello x [w]');
    });
  });
});
