import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { compare, compileRange, parseVersion, satisfies } from '../../../src/instrumentation/semver';

/** range → [versions inside, versions outside] */
type Table = Record<string, [string[], string[]]>;

function check(table: Table): void {
  for (const [range, [inside, outside]] of Object.entries(table)) {
    it(`'${range}'`, () => {
      const test = compileRange(range);
      for (const v of inside) assert.equal(test(v), true, `${v} should satisfy '${range}'`);
      for (const v of outside) assert.equal(test(v), false, `${v} should not satisfy '${range}'`);
      for (const v of inside) assert.equal(satisfies(v, range), true, `satisfies(${v}, '${range}')`);
    });
  }
}

describe('parseVersion', () => {
  it('parses full versions, with pre-release, build metadata and a v prefix', () => {
    assert.deepEqual(parseVersion('1.2.3'), [1, 2, 3, '']);
    assert.deepEqual(parseVersion('v1.2.3'), [1, 2, 3, '']);
    assert.deepEqual(parseVersion(' 10.20.30 '), [10, 20, 30, '']);
    assert.deepEqual(parseVersion('1.2.3-rc.1'), [1, 2, 3, 'rc.1']);
    assert.deepEqual(parseVersion('1.2.3-rc.1+build.5'), [1, 2, 3, 'rc.1']);
    assert.deepEqual(parseVersion('1.2.3+build'), [1, 2, 3, '']);
  });

  it('rejects partial or malformed versions', () => {
    for (const text of ['', '1', '1.2', '1.2.x', '*', '1.2.3.4', 'a.b.c', '1.2.3-', '1.2.3-rc..1!', '>=1.2.3', 'v', '-1.2.3', '1.2.3 4']) {
      assert.equal(parseVersion(text), undefined, text);
    }
  });
});

describe('compare', () => {
  const order = [
    '0.0.1',
    '0.1.0',
    '1.0.0-0',
    '1.0.0-1',
    '1.0.0-2',
    '1.0.0-10',
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    '1.0.1',
    '1.1.0',
    '1.10.0',
    '2.0.0',
    '10.0.0',
  ];

  it('orders versions the semver way, pre-releases below their release', () => {
    for (let i = 0; i < order.length; i++) {
      for (let j = 0; j < order.length; j++) {
        const a = parseVersion(order[i]!)!;
        const b = parseVersion(order[j]!)!;
        assert.equal(Math.sign(compare(a, b)), Math.sign(i - j), `${order[i]} vs ${order[j]}`);
      }
    }
  });

  it('ignores build metadata', () => {
    assert.equal(compare(parseVersion('1.2.3+a')!, parseVersion('1.2.3+b')!), 0);
  });
});

describe('comparators', () => {
  check({
    '>=8.2.0': [['8.2.0', '8.2.1', '8.10.0', '9.0.0', '100.0.0'], ['8.1.9', '8.2.0-rc.1', '7.99.99', '0.0.0']],
    '>8.2.0': [['8.2.1', '9.0.0'], ['8.2.0', '8.1.0', '8.2.0-rc.1']],
    '<8.2.0': [['8.1.9', '0.0.1', '8.2.0-rc.1'], ['8.2.0', '8.2.1', '9.0.0']],
    '<=8.2.0': [['8.2.0', '8.1.9', '8.2.0-rc.1'], ['8.2.1', '9.0.0']],
    '=8.2.0': [['8.2.0', 'v8.2.0', '8.2.0+build'], ['8.2.1', '8.1.0', '8.2.0-rc.1']],
    '8.2.0': [['8.2.0'], ['8.2.1', '8.1.9', '8.2.0-rc.1']],
    '1.2.3-beta.2': [['1.2.3-beta.2'], ['1.2.3-beta.1', '1.2.3', '1.2.3-beta.3']],
    '>=1.2.3-beta.2': [['1.2.3-beta.2', '1.2.3-beta.10', '1.2.3', '2.0.0'], ['1.2.3-beta.1', '1.2.3-alpha', '1.2.2']],
  });
});

describe('x-ranges', () => {
  check({
    '8': [['8.0.0', '8.2.3', '8.99.99'], ['7.9.9', '9.0.0', '9.0.0-0', '80.0.0']],
    '8.x': [['8.0.0', '8.5.1'], ['7.0.0', '9.0.0']],
    '8.X': [['8.0.0'], ['9.0.0']],
    '8.*': [['8.1.0'], ['9.1.0']],
    '8.2.x': [['8.2.0', '8.2.99'], ['8.3.0', '8.1.9', '9.2.0']],
    '8.2': [['8.2.0', '8.2.7'], ['8.3.0', '8.1.0']],
    '8.x.x': [['8.0.0', '8.9.9'], ['9.0.0']],
    '8.x.3': [['8.0.0', '8.9.9'], ['9.0.0']],
    '*': [['0.0.0', '1.2.3', '99.0.0', '1.0.0-rc.1'], ['not-a-version']],
    x: [['0.0.0', '5.0.0'], []],
    '': [['0.0.0', '5.0.0'], []],
    '>=8': [['8.0.0', '9.0.0'], ['7.9.9']],
    '>8': [['9.0.0', '10.0.0'], ['8.0.0', '8.9.9']],
    '>8.2': [['8.3.0', '9.0.0'], ['8.2.9', '8.2.0']],
    '<8': [['7.9.9'], ['8.0.0', '8.0.1']],
    '<=8': [['8.9.9', '7.0.0'], ['9.0.0']],
    '<=8.2': [['8.2.9'], ['8.3.0']],
  });
});

describe('caret ranges', () => {
  check({
    '^1.2.3': [['1.2.3', '1.2.4', '1.9.0', '1.99.99'], ['1.2.2', '2.0.0', '2.0.0-0', '0.9.0', '1.2.3-beta']],
    '^0.2.3': [['0.2.3', '0.2.9'], ['0.3.0', '0.2.2', '1.0.0']],
    '^0.0.3': [['0.0.3'], ['0.0.4', '0.0.2', '0.1.0']],
    '^1': [['1.0.0', '1.9.9'], ['2.0.0', '0.9.9']],
    '^1.x': [['1.0.0', '1.9.9'], ['2.0.0']],
    '^0': [['0.0.0', '0.9.9'], ['1.0.0']],
    '^0.0': [['0.0.0', '0.0.9'], ['0.1.0']],
    '^0.2': [['0.2.0', '0.2.9'], ['0.3.0']],
    '^1.2.3-beta.2': [['1.2.3-beta.2', '1.2.3', '1.5.0'], ['1.2.3-beta.1', '2.0.0']],
    '^*': [['0.0.1', '9.9.9'], []],
  });
});

describe('tilde ranges', () => {
  check({
    '~1.2.3': [['1.2.3', '1.2.9'], ['1.3.0', '1.2.2', '2.0.0']],
    '~1.2': [['1.2.0', '1.2.9'], ['1.3.0', '1.1.9']],
    '~1': [['1.0.0', '1.9.9'], ['2.0.0', '0.9.9']],
    '~0.2.3': [['0.2.3', '0.2.5'], ['0.3.0']],
    '~>1.2.3': [['1.2.3', '1.2.9'], ['1.3.0']],
    '~*': [['0.0.0', '5.5.5'], []],
  });
});

describe('hyphen ranges', () => {
  check({
    '1.2.3 - 2.3.4': [['1.2.3', '2.0.0', '2.3.4'], ['1.2.2', '2.3.5', '2.4.0']],
    '1.2.3 - 2.3': [['1.2.3', '2.3.0', '2.3.99'], ['1.2.2', '2.4.0', '2.4.0-0']],
    '1.2.3 - 2': [['1.2.3', '2.99.0'], ['3.0.0', '1.2.2']],
    '1.2 - 2.3.4': [['1.2.0', '2.3.4'], ['1.1.9', '2.3.5']],
    'v1.0.0 - v2.0.0': [['1.0.0', '2.0.0'], ['2.0.1', '0.9.9']],
  });
});

describe('alternatives and conjunctions', () => {
  check({
    '>=8 <9': [['8.0.0', '8.9.9'], ['7.9.9', '9.0.0', '9.0.1']],
    '>= 8 < 9': [['8.0.0', '8.5.0'], ['9.0.0', '7.0.0']],
    '>=  8   <   9': [['8.0.0'], ['9.0.0']],
    '>=8.0.0 <8.5.0 || >=9.1.0 <10': [['8.0.0', '8.4.9', '9.1.0', '9.9.9'], ['8.5.0', '9.0.0', '10.0.0', '7.0.0']],
    '^4 || ^5': [['4.0.0', '4.18.2', '5.0.0', '5.1.0'], ['3.9.9', '6.0.0']],
    '^4||^5': [['4.1.0', '5.1.0'], ['6.0.0']],
    '1.2.3 - 1.2.5 || 2': [['1.2.4', '2.1.0'], ['1.2.6', '3.0.0']],
    ' >=1.0.0 ': [['1.0.0'], ['0.9.0']],
    'v8.x': [['8.1.0'], ['9.0.0']],
    '>=v8.0.0': [['v8.0.0', '8.0.0'], ['7.0.0']],
  });

  it('conjunction of overlapping comparators is their intersection', () => {
    const test = compileRange('>=1.2.0 ^1.0.0 <1.5.0');
    assert.deepEqual(
      ['1.1.0', '1.2.0', '1.4.9', '1.5.0', '2.0.0'].map(test),
      [false, true, true, false, false],
    );
  });
});

describe('pre-releases', () => {
  it('8.1.0-rc.1 compares below 8.1.0', () => {
    assert.equal(satisfies('8.1.0-rc.1', '>=8.1.0'), false);
    assert.equal(satisfies('8.1.0-rc.1', '<8.1.0'), true);
    assert.equal(satisfies('8.1.0-rc.1', '>8.0.9'), true);
    assert.equal(satisfies('8.1.0', '>8.1.0-rc.1'), true);
  });

  it("an x-range's upper bound excludes the next major's pre-releases", () => {
    assert.equal(satisfies('9.0.0-beta', '8.x'), false);
    assert.equal(satisfies('9.0.0-0', '^8.0.0'), false);
    assert.equal(satisfies('9.0.0-beta', '<=8'), false);
    assert.equal(satisfies('8.3.0-0', '~8.2.0'), false);
  });

  it(
    "9.0.0-beta is not in '>=8 <9'",
    () => {
      assert.equal(satisfies('9.0.0-beta', '>=8 <9'), false);
      assert.equal(satisfies('9.0.0-0', '<9'), false);
      assert.equal(satisfies('9.0.0-rc.1', '>=8.0.0 <9'), false);
    },
  );
});

describe('invalid input', () => {
  it('invalid ranges throw, naming the range', () => {
    for (const range of ['abc', '>=>=1', '1.2.3.4', '^', '~', '>=', '=>1.0.0', '1.2.3 -', '- 1.2.3', 'latest', '>=1.0.0 <', '1.2.3 - 2.3.4 - 5', '1 - x.y.z.w']) {
      assert.throws(() => compileRange(range), (e: unknown) => e instanceof Error && e.message === `invalid version range '${range}'`, range);
      assert.throws(() => satisfies('1.0.0', range), Error, range);
    }
  });

  it('unparseable versions never match, even the match-all range', () => {
    for (const range of ['*', '', '>=0.0.0', '<99', '1.x || 2.x']) {
      const test = compileRange(range);
      for (const v of ['', 'banana', '1', '1.2', '1.2.x', 'latest', '1.2.3.4', '>=1.0.0', ' ', 'undefined']) {
        assert.equal(test(v), false, `'${v}' matched '${range}'`);
      }
    }
  });

  it('a compiled range can be reused', () => {
    const test = compileRange('^2');
    assert.equal(test('2.0.0'), true);
    assert.equal(test('3.0.0'), false);
    assert.equal(test('2.5.0'), true);
  });
});
