import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isWrapped, originalOf, RecordingShimmer } from '../../../src/instrumentation/shimmer';
import { ORIGINAL, WRAPPED_BY } from '../../../src/symbols';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = (...args: any[]) => any;

/** A wrapper that counts calls and delegates, keeping `this`. */
function counting(calls: { n: number }) {
  return (original: Fn): Fn =>
    function (this: unknown, ...args: unknown[]) {
      calls.n++;
      return original.apply(this, args);
    };
}

describe('RecordingShimmer.wrap', () => {
  it('replaces the function with the wrapper, which delegates to the original', () => {
    const calls = { n: 0 };
    const target = {
      base: 10,
      add(this: { base: number }, x: number) {
        return this.base + x;
      },
    };
    const original = target.add;
    const s = new RecordingShimmer('test');
    assert.equal(s.wrap(target, 'add', counting(calls)), true);
    assert.notEqual(target.add, original);
    assert.equal(target.add(5), 15);
    assert.equal(calls.n, 1);
  });

  it('passes the original to the wrapper', () => {
    const target = { f: () => 1 };
    const original = target.f;
    let seen: unknown;
    new RecordingShimmer('test').wrap(target, 'f', (o) => {
      seen = o;
      return () => 2;
    });
    assert.equal(seen, original);
  });

  it('keeps name and length', () => {
    const target = {
      namedThing(_a: number, _b: number, _c: number) {
        return 0;
      },
    };
    new RecordingShimmer('test').wrap(target, 'namedThing', () => (...args: unknown[]) => args.length);
    assert.equal(target.namedThing.name, 'namedThing');
    assert.equal(target.namedThing.length, 3);
  });

  it('copies own properties of the original, symbol keys and accessors included', () => {
    const sym = Symbol('marker');
    function original() {
      return 'o';
    }
    original.flag = true;
    (original as unknown as Record<symbol, unknown>)[sym] = 'symbol value';
    Object.defineProperty(original, 'hidden', { value: 'h', enumerable: false });
    Object.defineProperty(original, 'computed', { get: () => 'got', enumerable: true, configurable: true });
    const target = { original };
    new RecordingShimmer('test').wrap(target, 'original', () => (() => 'w') as unknown as typeof original);
    const w = target.original as unknown as Record<PropertyKey, unknown>;
    assert.equal(w.flag, true);
    assert.equal(w[sym], 'symbol value');
    assert.equal(w.hidden, 'h');
    assert.equal(Object.getOwnPropertyDescriptor(w, 'hidden')?.enumerable, false);
    assert.equal(typeof Object.getOwnPropertyDescriptor(w, 'computed')?.get, 'function');
    assert.equal(w.computed, 'got');
  });

  it("does not overwrite the wrapper's own properties with the original's", () => {
    function original() {}
    original.version = 'original';
    const target = { original };
    new RecordingShimmer('test').wrap(target, 'original', () => {
      const w = () => {};
      w.version = 'wrapper';
      return w;
    });
    assert.equal((target.original as unknown as { version: string }).version, 'wrapper');
  });

  it('keeps the prototype: a wrapped constructor used with new still makes instances of the original', () => {
    function Widget(this: { size: number }, size: number) {
      this.size = size;
    }
    Widget.prototype.double = function (this: { size: number }) {
      return this.size * 2;
    };
    const target = { Widget };
    const calls = { n: 0 };
    new RecordingShimmer('test').wrap(target, 'Widget', counting(calls));
    const Wrapped = target.Widget as unknown as new (size: number) => { size: number; double(): number };
    assert.equal((Wrapped as unknown as { prototype: unknown }).prototype, Widget.prototype);
    const w = new Wrapped(21);
    assert.equal(calls.n, 1);
    assert.ok(w instanceof (Widget as unknown as Fn));
    assert.ok(w instanceof Wrapped);
    assert.equal(w.size, 21);
    assert.equal(w.double(), 42);
  });

  it('gives an arrow-function wrapper the original prototype too', () => {
    function Ctor() {}
    const target = { Ctor };
    new RecordingShimmer('test').wrap(target, 'Ctor', () => () => undefined);
    assert.equal((target.Ctor as unknown as { prototype: unknown }).prototype, Ctor.prototype);
  });

  it('marks the wrapper with the original and the owner', () => {
    const target = { f() {} };
    const original = target.f;
    new RecordingShimmer('my-instrumentation').wrap(target, 'f', () => () => {});
    const w = target.f as unknown as Record<symbol, unknown>;
    assert.equal(w[ORIGINAL], original);
    assert.equal(w[WRAPPED_BY], 'my-instrumentation');
    assert.equal(isWrapped(target.f), true);
    assert.equal(isWrapped(original), false);
    assert.equal(originalOf(target.f), original);
    assert.equal(originalOf(original), original);
  });

  it('is idempotent: wrapping again returns false and does not double wrap', () => {
    const calls = { n: 0 };
    const target = { f: (x: number) => x + 1 };
    const s = new RecordingShimmer('test');
    assert.equal(s.wrap(target, 'f', counting(calls)), true);
    const first = target.f;
    let called = false;
    assert.equal(
      s.wrap(target, 'f', (o) => {
        called = true;
        return o;
      }),
      false,
    );
    assert.equal(called, false, 'the second wrapper is not even called');
    assert.equal(target.f, first);
    assert.equal(target.f(1), 2);
    assert.equal(calls.n, 1);
    assert.equal(s.size, 1);
  });

  it('another shimmer (another instrumentation, another copy) also sees the function as wrapped', () => {
    const target = { f() {} };
    new RecordingShimmer('a').wrap(target, 'f', () => () => {});
    const other = new RecordingShimmer('b');
    assert.equal(other.wrap(target, 'f', () => () => {}), false);
    assert.equal(other.size, 0);
  });

  it('keeps the enumerable and configurable flags of the original data property', () => {
    const target: Record<string, Fn> = {};
    Object.defineProperty(target, 'hidden', { value() {}, writable: true, enumerable: false, configurable: true });
    Object.defineProperty(target, 'fixed', { value() {}, writable: true, enumerable: true, configurable: false });
    const s = new RecordingShimmer('test');
    s.wrap(target, 'hidden', () => () => {});
    s.wrap(target, 'fixed', () => () => {});
    const hidden = Object.getOwnPropertyDescriptor(target, 'hidden')!;
    assert.deepEqual([hidden.enumerable, hidden.configurable, hidden.writable], [false, true, true]);
    const fixed = Object.getOwnPropertyDescriptor(target, 'fixed')!;
    assert.deepEqual([fixed.enumerable, fixed.configurable, fixed.writable], [true, false, true]);
    assert.ok(isWrapped(target.hidden) && isWrapped(target.fixed));
    assert.deepEqual(Object.keys(target), ['fixed']);
  });

  it('can wrap a read-only but configurable property and keeps it read-only', () => {
    const target: Record<string, Fn> = {};
    Object.defineProperty(target, 'ro', { value() {}, writable: false, enumerable: true, configurable: true });
    new RecordingShimmer('test').wrap(target, 'ro', () => () => {});
    assert.ok(isWrapped(target.ro));
    assert.equal(Object.getOwnPropertyDescriptor(target, 'ro')!.writable, false);
  });

  class Base {
    hello() {
      return 'base';
    }
  }

  it('wraps a method inherited from a prototype with an own property, leaving the prototype alone', () => {
    const obj = new Base();
    const s = new RecordingShimmer('test');
    assert.equal(s.wrap(obj, 'hello', (o) => function (this: Base) { return `wrapped ${o.call(this)}`; }), true);
    assert.equal(obj.hello(), 'wrapped base');
    assert.ok(Object.prototype.hasOwnProperty.call(obj, 'hello'));
    assert.equal(isWrapped(Base.prototype.hello), false);
    assert.equal(new Base().hello(), 'base');
    assert.equal(s.unwrap(obj, 'hello'), true);
    assert.equal(obj.hello, Base.prototype.hello);
    assert.equal(obj.hello(), 'base');
  });

  it(
    'unwrapping a method that was inherited deletes the own property, so the inherited one shows again',
    () => {
      const obj = new Base();
      const s = new RecordingShimmer('test');
      s.wrap(obj, 'hello', () => () => 'wrapped');
      assert.equal(s.unwrap(obj, 'hello'), true);
      assert.equal(Object.prototype.hasOwnProperty.call(obj, 'hello'), false, 'unwrap deletes the own property');
    },
  );

  it('assigns through the setter when the property is an accessor with a setter', () => {
    let stored: Fn = () => 'original';
    const sets: Fn[] = [];
    const ns = {};
    Object.defineProperty(ns, 'fn', {
      get: () => stored,
      set: (v: Fn) => {
        sets.push(v);
        stored = v;
      },
      enumerable: true,
      configurable: false,
    });
    const original = stored;
    const target = ns as { fn: Fn };
    const s = new RecordingShimmer('test');
    assert.equal(s.wrap(target, 'fn', () => () => 'wrapped'), true);
    assert.equal(sets.length, 1, 'the setter was called');
    assert.equal(target.fn(), 'wrapped');
    assert.equal(typeof Object.getOwnPropertyDescriptor(ns, 'fn')!.get, 'function', 'still an accessor');
    assert.equal(s.unwrap(target, 'fn'), true);
    assert.equal(sets.length, 2);
    assert.equal(target.fn, original);
    assert.equal(typeof Object.getOwnPropertyDescriptor(ns, 'fn')!.get, 'function', 'still an accessor');
  });

  it('replaces a configurable getter-only accessor and restores the getter on unwrap', () => {
    const original = () => 'o';
    const target = {} as { fn: Fn };
    const getter = () => original;
    Object.defineProperty(target, 'fn', { get: getter, enumerable: true, configurable: true });
    const s = new RecordingShimmer('test');
    assert.equal(s.wrap(target, 'fn', () => () => 'w'), true);
    assert.equal(target.fn(), 'w');
    assert.equal(s.unwrap(target, 'fn'), true);
    assert.equal(Object.getOwnPropertyDescriptor(target, 'fn')!.get, getter);
  });

  describe('refuses with a clear TypeError', () => {
    const s = new RecordingShimmer('test');

    it('a missing property', () => {
      assert.throws(() => s.wrap({} as { nope: Fn }, 'nope', (o) => o), {
        name: 'TypeError',
        message: "cannot wrap 'nope': no such property",
      });
    });

    it('a property that is not a function', () => {
      for (const value of [1, 'text', null, undefined, {}, []]) {
        assert.throws(() => s.wrap({ x: value } as unknown as { x: Fn }, 'x', (o) => o), {
          name: 'TypeError',
          message: "cannot wrap 'x': not a function",
        });
      }
    });

    it('a non-configurable read-only property', () => {
      const target = {} as { f: Fn };
      Object.defineProperty(target, 'f', { value() {}, writable: false, configurable: false });
      const before = target.f;
      assert.throws(() => s.wrap(target, 'f', () => () => {}), {
        name: 'TypeError',
        message: "cannot wrap 'f': read-only property",
      });
      assert.equal(target.f, before);
    });

    it('a frozen object', () => {
      const target = Object.freeze({ f() {} });
      assert.throws(() => s.wrap(target, 'f', () => () => {}), { name: 'TypeError', message: "cannot wrap 'f': read-only property" });
    });

    it('a getter-only non-configurable accessor', () => {
      const target = {} as { f: Fn };
      Object.defineProperty(target, 'f', { get: () => () => {}, configurable: false });
      assert.throws(() => s.wrap(target, 'f', () => () => {}), {
        name: 'TypeError',
        message: "cannot wrap 'f': read-only accessor",
      });
    });

    it('a wrapper that does not return a function', () => {
      const target = { f() {} };
      const before = target.f;
      assert.throws(() => s.wrap(target, 'f', () => 'oops' as unknown as Fn), {
        name: 'TypeError',
        message: "wrapper for 'f' did not return a function",
      });
      assert.equal(target.f, before);
      assert.equal(isWrapped(before), false);
    });

    it('symbol-named properties are named in the message', () => {
      const key = Symbol('secretMethod');
      assert.throws(() => s.wrap({} as Record<symbol, Fn>, key, (o) => o), {
        message: "cannot wrap 'Symbol(secretMethod)': no such property",
      });
    });

    it('nothing is recorded when wrap throws', () => {
      assert.equal(s.size, 0);
    });
  });

  it(
    'a wrapper that returns the original unchanged does not mark it as its own wrapper',
    () => {
      const target = { f() {} };
      const original = target.f;
      const s = new RecordingShimmer('test');
      s.wrap(target, 'f', (o) => o);
      // checked without calling originalOf, which would hang
      assert.notEqual(Object.getOwnPropertyDescriptor(original, ORIGINAL)?.value, original);
      s.unwrap(target, 'f');
      assert.equal(isWrapped(target.f), false);
      assert.equal(s.wrap(target, 'f', () => () => {}), true);
    },
  );
});

describe('RecordingShimmer.unwrap', () => {
  it('restores the original data property exactly', () => {
    const target: Record<string, Fn> = {};
    const original = () => 1;
    Object.defineProperty(target, 'f', { value: original, writable: true, enumerable: false, configurable: true });
    const before = Object.getOwnPropertyDescriptor(target, 'f');
    const s = new RecordingShimmer('test');
    s.wrap(target, 'f', () => () => 2);
    assert.equal(s.unwrap(target, 'f'), true);
    assert.deepEqual(Object.getOwnPropertyDescriptor(target, 'f'), before);
    assert.equal(target.f, original);
    assert.equal(s.size, 0);
  });

  it('returns false for something it never wrapped, and touches nothing', () => {
    const target = { f() {} };
    const before = target.f;
    const s = new RecordingShimmer('test');
    assert.equal(s.unwrap(target, 'f'), false);
    assert.equal(target.f, before);
  });

  it("does not undo another shimmer's wrap", () => {
    const target = { f() {} };
    const a = new RecordingShimmer('a');
    const b = new RecordingShimmer('b');
    a.wrap(target, 'f', () => () => {});
    const wrapped = target.f;
    assert.equal(b.unwrap(target, 'f'), false);
    assert.equal(target.f, wrapped);
  });

  it('only matches the same target object', () => {
    const one = { f() {} };
    const two = { f() {} };
    const s = new RecordingShimmer('test');
    s.wrap(one, 'f', () => () => {});
    assert.equal(s.unwrap(two, 'f'), false);
    assert.ok(isWrapped(one.f));
  });

  it('leaves the property alone when someone else replaced it after us, and returns false', () => {
    const target = { f: () => 'original' };
    const s = new RecordingShimmer('test');
    s.wrap(target, 'f', () => () => 'ours');
    const ours = target.f;
    const theirs = () => `theirs(${ours()})`;
    target.f = theirs;
    assert.equal(s.unwrap(target, 'f'), false);
    assert.equal(target.f, theirs);
    assert.equal(s.size, 0, 'the record is dropped all the same');
    assert.equal(s.unwrap(target, 'f'), false, 'and a second unwrap has nothing to do');
  });

  it('works again after an unwrap: wrap, unwrap, wrap', () => {
    const target = { f: () => 1 };
    const s = new RecordingShimmer('test');
    s.wrap(target, 'f', () => () => 2);
    s.unwrap(target, 'f');
    assert.equal(s.wrap(target, 'f', () => () => 3), true);
    assert.equal(target.f(), 3);
  });
});

describe('RecordingShimmer.size and unwrapSince', () => {
  it('size counts the wraps in place', () => {
    const target = { a() {}, b() {}, c() {} };
    const s = new RecordingShimmer('test');
    assert.equal(s.size, 0);
    s.wrap(target, 'a', () => () => {});
    s.wrap(target, 'b', () => () => {});
    assert.equal(s.size, 2);
    s.wrap(target, 'a', () => () => {}); // already wrapped
    assert.equal(s.size, 2);
    s.unwrap(target, 'a');
    assert.equal(s.size, 1);
  });

  it('undoes only the wraps made after the mark', () => {
    const target = { a() {}, b() {}, c() {} };
    const originals = { ...target };
    const s = new RecordingShimmer('test');
    s.wrap(target, 'a', () => () => {});
    const mark = s.size;
    s.wrap(target, 'b', () => () => {});
    s.wrap(target, 'c', () => () => {});
    s.unwrapSince(mark);
    assert.ok(isWrapped(target.a), 'the wrap before the mark stays');
    assert.equal(target.b, originals.b);
    assert.equal(target.c, originals.c);
    assert.equal(s.size, mark);
  });

  it('undoes newest first', () => {
    const log: string[] = [];
    const target = {} as { a: Fn; b: Fn; c: Fn };
    for (const key of ['a', 'b', 'c'] as const) {
      let value: Fn = () => key;
      Object.defineProperty(target, key, {
        get: () => value,
        set: (v: Fn) => {
          log.push(`${key}:${isWrapped(v) ? 'wrap' : 'restore'}`);
          value = v;
        },
        configurable: true,
      });
    }
    const s = new RecordingShimmer('test');
    s.wrap(target, 'a', () => () => {});
    s.wrap(target, 'b', () => () => {});
    s.wrap(target, 'c', () => () => {});
    log.length = 0;
    s.unwrapSince(0);
    assert.deepEqual(log, ['c:restore', 'b:restore', 'a:restore']);
    assert.equal(s.size, 0);
  });

  it('with a mark at the current size, does nothing', () => {
    const target = { a() {} };
    const s = new RecordingShimmer('test');
    s.wrap(target, 'a', () => () => {});
    s.unwrapSince(s.size);
    assert.ok(isWrapped(target.a));
  });

  it('skips, but forgets, a wrap that someone else replaced since', () => {
    const target = { a: () => 'a', b: () => 'b' };
    const s = new RecordingShimmer('test');
    s.wrap(target, 'a', () => () => 'wa');
    s.wrap(target, 'b', () => () => 'wb');
    const theirs = () => 'theirs';
    target.a = theirs;
    s.unwrapSince(0);
    assert.equal(target.a, theirs);
    assert.equal(target.b(), 'b');
    assert.equal(s.size, 0);
  });

  it(
    'undoes the wraps made after the mark even when an earlier wrap was unwrapped meanwhile',
    () => {
      const target = { a() {}, b() {} };
      const s = new RecordingShimmer('test');
      s.wrap(target, 'a', () => () => {});
      const mark = s.size;
      s.wrap(target, 'b', () => () => {}); // made after the mark
      s.unwrap(target, 'a'); // an older wrap undone meanwhile
      s.unwrapSince(mark);
      assert.equal(isWrapped(target.b), false);
    },
  );
});

describe('isWrapped and originalOf', () => {
  it('isWrapped is false for non-functions and plain functions', () => {
    for (const v of [undefined, null, 1, 'f', {}, [], () => {}, function named() {}, class {}]) assert.equal(isWrapped(v), false);
  });

  it('isWrapped only looks at own marks, not inherited ones', () => {
    const marked = () => {};
    Object.defineProperty(marked, ORIGINAL, { value: () => {} });
    const child = Object.setPrototypeOf(() => {}, marked) as Fn;
    assert.equal(isWrapped(marked), true);
    assert.equal(isWrapped(child), false);
  });

  it('originalOf follows a chain of wrappers to the first original', () => {
    const original = () => 0;
    const w1 = () => 1;
    const w2 = () => 2;
    Object.defineProperty(w1, ORIGINAL, { value: original });
    Object.defineProperty(w2, ORIGINAL, { value: w1 });
    assert.equal(originalOf(w2), original);
    assert.equal(originalOf(w1), original);
    assert.equal(originalOf(original), original);
    assert.equal(originalOf(42), 42);
  });
});
