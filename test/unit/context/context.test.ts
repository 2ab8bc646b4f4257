import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  BAGGAGE_KEY,
  createContextKey,
  isTracingSuppressed,
  linkContextKeys,
  ROOT_CONTEXT,
  SPAN_KEY,
  suppressTracing,
} from '../../../src/context/context';
import { ContextManager } from '../../../src/context/manager';

const A = Symbol('a');
const B = Symbol('b');

describe('Context', () => {
  it('is immutable: setValue and deleteValue give new contexts', () => {
    const one = ROOT_CONTEXT.setValue(A, 1);
    const two = one.setValue(A, 2).setValue(B, 'b');
    assert.equal(ROOT_CONTEXT.getValue(A), undefined);
    assert.equal(one.getValue(A), 1);
    assert.equal(one.getValue(B), undefined);
    assert.equal(two.getValue(A), 2);
    assert.equal(two.getValue(B), 'b');
    const three = two.deleteValue(A);
    assert.equal(three.getValue(A), undefined);
    assert.equal(two.getValue(A), 2);
    assert.notEqual(three, two);
  });

  it('deleting a key that is not there gives the same context', () => {
    const ctx = ROOT_CONTEXT.setValue(A, 1);
    assert.equal(ctx.deleteValue(B), ctx);
  });

  it('keys are symbols shared by description (Symbol.for)', () => {
    assert.equal(createContextKey('span'), SPAN_KEY);
    assert.equal(createContextKey('baggage'), BAGGAGE_KEY);
    assert.notEqual(SPAN_KEY, BAGGAGE_KEY);
  });

  it('suppressTracing marks a context', () => {
    assert.equal(isTracingSuppressed(ROOT_CONTEXT), false);
    const s = suppressTracing(ROOT_CONTEXT);
    assert.equal(isTracingSuppressed(s), true);
    assert.equal(isTracingSuppressed(ROOT_CONTEXT), false);
  });
});

describe('linkContextKeys', () => {
  // Keys of their own, so that the links made here touch no other test.
  const OURS = Symbol('test.ours');
  const THEIRS = Symbol('test.theirs');
  linkContextKeys(OURS, THEIRS);

  it('a value set under one key is read under its partner', () => {
    const a = ROOT_CONTEXT.setValue(OURS, 'x');
    assert.equal(a.getValue(THEIRS), 'x');
    const b = ROOT_CONTEXT.setValue(THEIRS, 'y');
    assert.equal(b.getValue(OURS), 'y');
  });

  it('writing either key replaces the value seen under both', () => {
    const ctx = ROOT_CONTEXT.setValue(OURS, 'first').setValue(THEIRS, 'second');
    assert.equal(ctx.getValue(OURS), 'second');
    assert.equal(ctx.getValue(THEIRS), 'second');
  });

  it('deleting either key deletes both', () => {
    const ctx = ROOT_CONTEXT.setValue(OURS, 'v');
    const gone = ctx.deleteValue(THEIRS);
    assert.equal(gone.getValue(OURS), undefined);
    assert.equal(gone.getValue(THEIRS), undefined);
    assert.notEqual(gone, ctx);
  });

  it('unlinked keys stay apart; linking a key to itself is nothing', () => {
    linkContextKeys(A, A);
    const ctx = ROOT_CONTEXT.setValue(OURS, 1).setValue(A, 2);
    assert.equal(ctx.getValue(B), undefined);
    assert.equal(ctx.getValue(A), 2);
  });
});

describe('ContextManager', () => {
  it('active() is the base context outside any with()', () => {
    assert.equal(new ContextManager().active(), ROOT_CONTEXT);
    const base = ROOT_CONTEXT.setValue(A, 'base');
    const m = new ContextManager(base);
    assert.equal(m.active(), base);
    const other = ROOT_CONTEXT.setValue(A, 'other');
    m.setBase(other);
    assert.equal(m.active(), other);
  });

  it('with() makes a context active for the call and returns its result', () => {
    const m = new ContextManager();
    const ctx = ROOT_CONTEXT.setValue(A, 1);
    const result = m.with(ctx, () => {
      assert.equal(m.active(), ctx);
      return 'r';
    });
    assert.equal(result, 'r');
    assert.equal(m.active(), ROOT_CONTEXT);
  });

  it('with() passes thisArg and the arguments', () => {
    const m = new ContextManager();
    const self = { tag: 'self' };
    const got = m.with(
      ROOT_CONTEXT,
      function (this: typeof self, a: number, b: string) {
        return [this, a, b] as const;
      },
      self,
      1,
      'two',
    );
    assert.deepEqual(got, [self, 1, 'two']);
    assert.equal(got[0], self);
  });

  it('nested with() restores the outer context, also when the inner one throws', () => {
    const m = new ContextManager();
    const outer = ROOT_CONTEXT.setValue(A, 'outer');
    const inner = ROOT_CONTEXT.setValue(A, 'inner');
    m.with(outer, () => {
      m.with(inner, () => assert.equal(m.active(), inner));
      assert.equal(m.active(), outer);
      assert.throws(() =>
        m.with(inner, () => {
          throw new Error('inner');
        }),
      );
      assert.equal(m.active(), outer);
    });
    assert.equal(m.active(), ROOT_CONTEXT);
  });

  it('async continuations keep their context: setTimeout, promises, await, setImmediate, events emitted later', async () => {
    const m = new ContextManager();
    const results: string[] = [];
    const run = (name: string) =>
      m.with(ROOT_CONTEXT.setValue(A, name), async () => {
        await new Promise((r) => setTimeout(r, name === 'one' ? 20 : 5));
        results.push(`${name}:timeout:${m.active().getValue(A)}`);
        await Promise.resolve();
        results.push(`${name}:await:${m.active().getValue(A)}`);
        await new Promise<void>((r) => setImmediate(r));
        results.push(`${name}:immediate:${m.active().getValue(A)}`);
        const v = await new Promise<unknown>((resolve) => setTimeout(() => resolve(m.active().getValue(A)), 1));
        results.push(`${name}:callback:${v}`);
      });
    await Promise.all([run('one'), run('two')]);
    assert.deepEqual(results.filter((r) => r.startsWith('one')), ['one:timeout:one', 'one:await:one', 'one:immediate:one', 'one:callback:one']);
    assert.deepEqual(results.filter((r) => r.startsWith('two')), ['two:timeout:two', 'two:await:two', 'two:immediate:two', 'two:callback:two']);
    assert.equal(m.active(), ROOT_CONTEXT);
  });

  it('a promise chained outside a with() does not see it', async () => {
    const m = new ContextManager();
    let p!: Promise<void>;
    m.with(ROOT_CONTEXT.setValue(A, 'in'), () => {
      p = new Promise((r) => setTimeout(r, 1));
    });
    await p;
    assert.equal(m.active(), ROOT_CONTEXT);
  });

  it('bind() runs a function in the given context wherever it is called, with this and arguments', () => {
    const m = new ContextManager();
    const ctx = ROOT_CONTEXT.setValue(A, 'bound');
    function target(this: unknown, x: number, y: number) {
      return { self: this, sum: x + y, value: m.active().getValue(A) };
    }
    const bound = m.bind(ctx, target);
    assert.equal(bound.length, 2);
    const self = {};
    const out = m.with(ROOT_CONTEXT.setValue(A, 'caller'), () => bound.call(self, 2, 3));
    assert.deepEqual(out, { self, sum: 5, value: 'bound' });
    assert.equal(out.self, self);
  });

  it('bind() keeps the context for a callback called later, asynchronously', async () => {
    const m = new ContextManager();
    const ctx = ROOT_CONTEXT.setValue(A, 'bound');
    const value = await new Promise((resolve) => {
      const cb = m.bind(ctx, () => resolve(m.active().getValue(A)));
      m.with(ROOT_CONTEXT.setValue(A, 'other'), () => setTimeout(cb, 1));
    });
    assert.equal(value, 'bound');
  });

  it('bind() returns what is not a function as it is', () => {
    const m = new ContextManager();
    const obj = { a: 1 };
    assert.equal(m.bind(ROOT_CONTEXT, obj), obj);
    assert.equal(m.bind(ROOT_CONTEXT, 5), 5);
    assert.equal(m.bind(ROOT_CONTEXT, undefined), undefined);
  });

  it('enable() returns the manager; separate managers do not share the active context', () => {
    const a = new ContextManager();
    const b = new ContextManager();
    assert.equal(a.enable(), a);
    const ctx = ROOT_CONTEXT.setValue(A, 1);
    a.with(ctx, () => assert.equal(b.active(), ROOT_CONTEXT));
  });

  it('disable() ends the active context', () => {
    const m = new ContextManager();
    m.with(ROOT_CONTEXT.setValue(A, 1), () => {
      m.disable();
      assert.equal(m.active(), ROOT_CONTEXT);
    });
  });
});
