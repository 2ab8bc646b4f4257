import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { AttributeBag, boundedAttributes, isAttributeValue } from '../../../src/trace/attributes';

const NO_LIMITS = { countLimit: 128, valueLengthLimit: Infinity };

describe('isAttributeValue', () => {
  it('accepts strings, numbers, booleans', () => {
    for (const v of ['', 'x', 0, -1.5, NaN, true, false]) assert.ok(isAttributeValue(v), String(v));
  });

  it('accepts homogeneous arrays, with null and undefined holes', () => {
    for (const v of [[], ['a', 'b'], [1, 2], [true, false], ['a', null, undefined, 'b'], [null, 1], [undefined], [null, null]]) {
      assert.ok(isAttributeValue(v), JSON.stringify(v));
    }
  });

  it('refuses objects, functions, symbols, bigints, null, undefined, mixed and nested arrays', () => {
    for (const v of [{}, { a: 1 }, () => 1, Symbol('s'), 1n, null, undefined, ['a', 1], [1, true], [[1]], [{}], new Date(), new Map()]) {
      assert.ok(!isAttributeValue(v), String(typeof v));
    }
  });
});

describe('AttributeBag', () => {
  it('keeps valid values and ignores invalid ones without counting them as dropped', () => {
    const bag = new AttributeBag(NO_LIMITS);
    assert.equal(bag.set('s', 'v'), true);
    assert.equal(bag.set('n', 42), true);
    assert.equal(bag.set('b', false), true);
    assert.equal(bag.set('a', ['x', null, 'y']), true);
    assert.equal(bag.set('obj', { a: 1 }), false);
    assert.equal(bag.set('mixed', [1, 'a']), false);
    assert.equal(bag.set('', 'empty key'), false);
    assert.equal(bag.set('u', undefined), false);
    assert.equal(bag.set('nul', null), false);
    assert.equal(bag.set(5 as unknown as string, 'numeric key'), false);
    assert.deepEqual(bag.values, { s: 'v', n: 42, b: false, a: ['x', null, 'y'] });
    assert.equal(bag.dropped, 0);
    assert.equal(bag.count, 4);
  });

  it('counts new keys past the limit as dropped; overwriting a kept key is not a drop', () => {
    const bag = new AttributeBag({ countLimit: 2, valueLengthLimit: Infinity });
    bag.set('a', 1);
    bag.set('b', 2);
    assert.equal(bag.set('c', 3), false);
    assert.equal(bag.set('d', 4), false);
    assert.equal(bag.set('a', 10), true);
    assert.equal(bag.set('b', 'twenty'), true);
    assert.deepEqual(bag.values, { a: 10, b: 'twenty' });
    assert.equal(bag.dropped, 2);
    // an invalid value for a new key past the limit is ignored, not dropped
    bag.set('e', { x: 1 });
    assert.equal(bag.dropped, 2);
  });

  it('a count limit of 0 keeps nothing and counts everything', () => {
    const bag = new AttributeBag({ countLimit: 0, valueLengthLimit: Infinity });
    bag.setAll({ a: 1, b: 'x' });
    assert.deepEqual(bag.values, {});
    assert.equal(bag.dropped, 2);
  });

  it('truncates strings, and strings inside arrays, to the length limit', () => {
    const bag = new AttributeBag({ countLimit: 128, valueLengthLimit: 3 });
    bag.set('s', 'abcdef');
    bag.set('short', 'ab');
    bag.set('arr', ['abcdef', null, 'xy', undefined]);
    bag.set('n', 123456);
    bag.set('nums', [123456, 7]);
    bag.set('bool', true);
    assert.deepEqual(bag.values, { s: 'abc', short: 'ab', arr: ['abc', null, 'xy', undefined], n: 123456, nums: [123456, 7], bool: true });
  });

  it('a length limit of 0 keeps empty strings', () => {
    const bag = new AttributeBag({ countLimit: 128, valueLengthLimit: 0 });
    bag.set('s', 'abc');
    bag.set('a', ['x']);
    assert.deepEqual(bag.values, { s: '', a: [''] });
  });

  for (const valueLengthLimit of [Infinity, 10]) {
    it(`copies arrays (length limit ${valueLengthLimit}): changing the caller's array later changes nothing`, () => {
      const bag = new AttributeBag({ countLimit: 128, valueLengthLimit });
      const arr = ['a', 'b'];
      const nums = [1, 2];
      bag.set('arr', arr);
      bag.setAll({ nums });
      arr.push('c');
      arr[0] = 'z';
      nums.length = 0;
      assert.deepEqual(bag.values, { arr: ['a', 'b'], nums: [1, 2] });
    });
  }

  it('setAll ignores what is not an object', () => {
    const bag = new AttributeBag(NO_LIMITS);
    for (const v of [null, undefined, 'str', 5, true]) bag.setAll(v);
    assert.deepEqual(bag.values, {});
  });

  it('a "__proto__" key is stored as a plain attribute and never changes the prototype', () => {
    const bag = new AttributeBag(NO_LIMITS);
    bag.set('__proto__', ['polluted']);
    bag.setAll(JSON.parse('{"__proto__": "x", "constructor": "y"}'));
    assert.equal(Object.getPrototypeOf(bag.values), Object.prototype);
    assert.deepEqual(Object.keys(bag.values).sort(), ['__proto__', 'constructor']);
    assert.equal(Object.getOwnPropertyDescriptor(bag.values, '__proto__')?.value, 'x');
    assert.equal(bag.count, 2);
    assert.equal(JSON.stringify(bag.values), '{"__proto__":"x","constructor":"y"}');
  });

  it('"hasOwnProperty" and "toString" are ordinary keys', () => {
    const bag = new AttributeBag({ countLimit: 2, valueLengthLimit: Infinity });
    bag.set('hasOwnProperty', 'a');
    bag.set('toString', 'b');
    bag.set('toString', 'c');
    assert.deepEqual({ ...bag.values }, { hasOwnProperty: 'a', toString: 'c' });
    assert.equal(bag.dropped, 0);
  });
});

describe('boundedAttributes', () => {
  it('copies within the limits and reports the dropped count', () => {
    const input = { a: 'long value', b: 2, c: 3, d: { no: 1 } };
    const { values, dropped } = boundedAttributes(input, { countLimit: 2, valueLengthLimit: 4 });
    assert.deepEqual(values, { a: 'long', b: 2 });
    assert.equal(dropped, 1);
    assert.notEqual(values, input);
  });

  it('gives empty attributes for nothing', () => {
    assert.deepEqual(boundedAttributes(undefined, NO_LIMITS), { values: {}, dropped: 0 });
  });
});
