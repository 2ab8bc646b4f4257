import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LaunchError, resolveCommand, withPreload } from '../../../src/cli/launch';

const roots: string[] = [];
after(() => {
  for (const d of roots) rmSync(d, { recursive: true, force: true });
});
function tempDir(prefix = 'ts-otel-run-launch-'): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  roots.push(d);
  return d;
}

function script(path: string, mode = 0o755): string {
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, mode);
  return path;
}

function launchError(fn: () => unknown, exitCode: 126 | 127, message?: RegExp | string): LaunchError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof LaunchError, `expected a LaunchError, got ${String(caught)}`);
  assert.ok(caught instanceof Error);
  assert.equal(caught.exitCode, exitCode, caught.message);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else if (message) assert.match(caught.message, message);
  return caught;
}

const REGISTER = '/opt/app/node_modules/ts-otel-run/dist/src/register/register.mjs';
const OWN = '/home/me/ts-otel-run-checkout/dist/src/register/register.mjs';

describe('withPreload', () => {
  it('adds --import <path> when NODE_OPTIONS is unset or blank', () => {
    assert.equal(withPreload(undefined, OWN), `--import ${OWN}`);
    assert.equal(withPreload('', OWN), `--import ${OWN}`);
    assert.equal(withPreload('   ', OWN), `--import ${OWN}`);
  });

  it('puts it in front of the existing options, which are kept', () => {
    assert.equal(withPreload('--max-old-space-size=4096', OWN), `--import ${OWN} --max-old-space-size=4096`);
    assert.equal(
      withPreload('  --enable-source-maps --require ./setup.js ', OWN),
      `--import ${OWN} --enable-source-maps --require ./setup.js`,
    );
  });

  it('quotes a path with spaces', () => {
    assert.equal(withPreload(undefined, '/my app/register.mjs'), '--import "/my app/register.mjs"');
    assert.equal(withPreload(undefined, '/a\tb/register.mjs'), '--import "/a\tb/register.mjs"');
  });

  it('escapes double quotes and backslashes inside the quotes', () => {
    assert.equal(withPreload(undefined, '/a"b/register.mjs'), '--import "/a\\"b/register.mjs"');
    assert.equal(withPreload(undefined, '/a\\b/register.mjs'), '--import "/a\\\\b/register.mjs"');
    assert.equal(withPreload(undefined, '/x y/"q"\\/r.mjs'), '--import "/x y/\\"q\\"\\\\/r.mjs"');
  });

  it("does not quote paths that need no quoting (single quotes are not special to NODE_OPTIONS)", () => {
    assert.equal(withPreload(undefined, "/it's/register.mjs"), "--import /it's/register.mjs");
  });

  it('does not add the entry twice', () => {
    for (const path of [OWN, '/my app/register.mjs']) {
      const once = withPreload('--trace-warnings', path);
      assert.equal(withPreload(once, path), once, path);
    }
  });

  it(
    'does not add the entry twice when its path holds a double quote or a backslash',
    () => {
      for (const path of ['/a"b/register.mjs', '/a\\b/register.mjs']) {
        const once = withPreload(undefined, path);
        assert.equal(withPreload(once, path), once, path);
      }
    },
  );

  it("recognises a ts-otel-run/register entry that is already there, by package name or another copy's path", () => {
    for (const existing of [
      '--import ts-otel-run/register',
      '--require ts-otel-run/register',
      '--import=ts-otel-run/register --inspect',
      `--import ${REGISTER.replace('/dist/src/register/register.mjs', '/register')}`,
    ]) {
      assert.equal(withPreload(existing, OWN), existing, existing);
    }
  });

  it('does not take other packages for ours', () => {
    const existing = '--import ts-otel-runner/register.js';
    assert.equal(withPreload(existing, OWN), `--import ${OWN} ${existing}`);
  });

  it('the quoted result is read back by node as one path', () => {
    // End to end with node itself: a preload in a directory whose name has a space and a double quote.
    const dir = join(tempDir(), 'my "app" dir');
    mkdirSync(dir);
    const preload = join(dir, 'preload.mjs');
    writeFileSync(preload, "process.stdout.write('preloaded\\n');\n");
    const options = withPreload('--no-warnings', preload);
    const r = spawnSync(process.execPath, ['-e', "process.stdout.write('main\\n')"], {
      env: { PATH: process.env.PATH, NODE_OPTIONS: options },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'preloaded\nmain\n');
  });
});

describe('resolveCommand', () => {
  const root = tempDir();
  const bin1 = join(root, 'bin1');
  const bin2 = join(root, 'bin2');
  const work = join(root, 'work');
  for (const d of [bin1, bin2, work, join(work, 'sub'), join(bin1, 'adir')]) mkdirSync(d, { recursive: true });
  script(join(bin1, 'tool'));
  script(join(bin2, 'tool'));
  script(join(bin2, 'only2'));
  script(join(bin1, 'noexec'), 0o644);
  script(join(bin2, 'noexec'));
  script(join(bin1, 'denied'), 0o644);
  script(join(bin2, 'denied'), 0o600);
  script(join(work, 'local'));
  script(join(work, 'sub', 'deep'));
  script(join(work, 'plain.txt'), 0o644);
  symlinkSync(join(bin1, 'tool'), join(work, 'link'));
  const PATH = [bin1, bin2].join(delimiter);

  it('finds a command in the first PATH directory that has it', () => {
    assert.equal(resolveCommand('tool', { PATH }, work), join(bin1, 'tool'));
    assert.equal(resolveCommand('tool', { PATH: [bin2, bin1].join(delimiter) }, work), join(bin2, 'tool'));
    assert.equal(resolveCommand('only2', { PATH }, work), join(bin2, 'only2'));
  });

  it('skips a non-executable file and keeps searching', () => {
    assert.equal(resolveCommand('noexec', { PATH }, work), join(bin2, 'noexec'));
  });

  it('skips a directory of that name and keeps searching', () => {
    launchError(() => resolveCommand('adir', { PATH }, work), 127, 'command not found: adir');
  });

  it('127 when no PATH directory has it', () => {
    launchError(() => resolveCommand('nowhere-to-be-found', { PATH }, work), 127, 'command not found: nowhere-to-be-found');
    launchError(() => resolveCommand('tool', { PATH: join(root, 'missing-dir') }, work), 127);
  });

  it('126 when it is found only without execute permission, naming the file', () => {
    const e = launchError(() => resolveCommand('denied', { PATH }, work), 126);
    assert.equal(e.message, `cannot execute denied (${join(bin1, 'denied')}): permission denied`);
  });

  it('127 for the empty command', () => {
    launchError(() => resolveCommand('', { PATH }, work), 127, "command not found: ''");
  });

  it('does not search PATH for a name with a slash: it is a path relative to cwd', () => {
    assert.equal(resolveCommand('./local', { PATH }, work), join(work, 'local'));
    assert.equal(resolveCommand('sub/deep', { PATH }, work), join(work, 'sub', 'deep'));
    assert.equal(resolveCommand('../bin1/tool', { PATH: '' }, work), join(bin1, 'tool'));
    launchError(() => resolveCommand('./tool', { PATH }, work), 127, 'command not found: ./tool (no such file)');
  });

  it('takes an absolute path as is', () => {
    assert.equal(resolveCommand(join(bin2, 'only2'), { PATH: '' }, '/'), join(bin2, 'only2'));
  });

  it('follows a symlink to an executable', () => {
    assert.equal(resolveCommand('./link', {}, work), join(work, 'link'));
  });

  it('126 for a path to a non-executable file', () => {
    launchError(() => resolveCommand('./plain.txt', { PATH }, work), 126, 'cannot execute ./plain.txt: permission denied');
  });

  it('126 for a path to a directory', () => {
    launchError(() => resolveCommand('./sub', { PATH }, work), 126, 'cannot execute ./sub: it is a directory');
    launchError(() => resolveCommand(bin1, { PATH }, work), 126, /it is a directory/);
    launchError(() => resolveCommand('sub/', { PATH }, work), 126);
  });

  it('127 for a path to nothing', () => {
    launchError(() => resolveCommand('./nope', { PATH }, work), 127);
    launchError(() => resolveCommand('/definitely/not/here', { PATH }, work), 127);
  });

  it('an empty PATH entry means the working directory', () => {
    const saved = process.cwd();
    process.chdir(work);
    try {
      assert.equal(resolveCommand('local', { PATH: `${bin1}${delimiter}` }), join(work, 'local'));
      assert.equal(resolveCommand('local', { PATH: `${delimiter}${bin1}` }), join(work, 'local'));
      assert.equal(resolveCommand('local', { PATH: `${bin1}${delimiter}${delimiter}${bin2}` }), join(work, 'local'));
      launchError(() => resolveCommand('local', { PATH: bin1 }), 127);
    } finally {
      process.chdir(saved);
    }
  });

  it('entries before an empty one still come first', () => {
    const saved = process.cwd();
    process.chdir(bin2);
    try {
      assert.equal(resolveCommand('tool', { PATH: `${bin1}${delimiter}` }), join(bin1, 'tool'));
    } finally {
      process.chdir(saved);
    }
  });

  it(
    'an empty PATH entry means the given cwd, not the process working directory',
    () => {
      assert.notEqual(process.cwd(), work);
      assert.equal(resolveCommand('local', { PATH: `${delimiter}${bin1}` }, work), join(work, 'local'));
      assert.equal(resolveCommand('deep', { PATH: 'sub' }, work), join(work, 'sub', 'deep'));
    },
  );

  it('uses process.cwd() when no cwd is given, for paths with a slash', () => {
    const saved = process.cwd();
    process.chdir(work);
    try {
      assert.equal(resolveCommand('./local', {}), join(work, 'local'));
    } finally {
      process.chdir(saved);
    }
  });

  it('LaunchError is an Error with the exit status', () => {
    const e = new LaunchError('m', 126);
    assert.ok(e instanceof Error);
    assert.equal(e.message, 'm');
    assert.equal(e.exitCode, 126);
  });
});
