import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { TraceState as ApiTraceState } from '@opentelemetry/api';
import {
  createTraceState,
  isValidTraceStateKey,
  isValidTraceStateValue,
  MAX_TRACE_STATE_MEMBERS,
  parseTraceState,
  serializeTraceState,
} from '../../../src/propagation/index';
import type { TraceState } from '../../../src/trace/types';

function members(n: number, from = 1): string {
  const out: string[] = [];
  for (let i = from; i < from + n; i++) out.push(`bar${String(i).padStart(2, '0')}=${String(i).padStart(2, '0')}`);
  return out.join(',');
}

describe('parseTraceState', () => {
  it('keeps members in order and serializes them without OWS', () => {
    const s = parseTraceState('congo=t61rcWkgMzE, rojo=00f067aa0ba902b7');
    assert.equal(s.get('congo'), 't61rcWkgMzE');
    assert.equal(s.get('rojo'), '00f067aa0ba902b7');
    assert.equal(s.serialize(), 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
  });

  it('accepts OWS around members, as in the W3C test suite (test_tracestate_ows_handling)', () => {
    for (const header of ['foo=1 \t , \t bar=2, \t baz=3', 'foo=1\t \t,\t \tbar=2,\t \tbaz=3']) {
      const s = parseTraceState(header);
      assert.equal(s.serialize(), 'foo=1,bar=2,baz=3', JSON.stringify(header));
    }
    for (const header of [' foo=1', '\tfoo=1', 'foo=1 ', 'foo=1\t', '\t foo=1 \t']) {
      assert.equal(parseTraceState(header).get('foo'), '1', JSON.stringify(header));
    }
  });

  it('accepts every character the grammar allows (test_tracestate_all_allowed_characters)', () => {
    let lcalpha = '';
    for (let c = 0x61; c <= 0x7a; c++) lcalpha += String.fromCharCode(c);
    const simpleKey = `${lcalpha}0123456789_-*/`;
    const tenantKey = `${simpleKey}@a-z0-9_-*/`;
    let value = '';
    for (let c = 0x20; c <= 0x7e; c++) if (c !== 0x2c && c !== 0x3d) value += String.fromCharCode(c);
    assert.equal(parseTraceState(`${simpleKey}=${value}`).get(simpleKey), value);
    assert.equal(parseTraceState(`${tenantKey}=${value}`).get(tenantKey), value);
  });

  it('drops members with illegal keys and keeps the others', () => {
    const s = parseTraceState('foo =1,FOO=1,foo.bar=1,ok=1');
    assert.equal(s.get('foo '), undefined);
    assert.equal(s.get('FOO'), undefined);
    assert.equal(s.get('foo.bar'), undefined);
    assert.equal(s.serialize(), 'ok=1');
  });

  it('drops members with an illegal multi-tenant key and keeps the others', () => {
    for (const bad of ['foo@=1', '@foo=1', 'foo@@bar=1', 'foo@bar@baz=1', 'foo@1bar=1']) {
      const s = parseTraceState(`${bad},bar=2`);
      assert.equal(s.serialize(), 'bar=2', bad);
    }
    assert.equal(parseTraceState('1tenant@sys=x').get('1tenant@sys'), 'x', 'a tenant id may start with a digit');
    assert.equal(parseTraceState('1simple=x').serialize(), '', 'a simple key may not');
  });

  it('enforces the key length limits (test_tracestate_key_length_limit)', () => {
    assert.equal(parseTraceState(`${'z'.repeat(256)}=1`).get('z'.repeat(256)), '1');
    assert.equal(parseTraceState(`foo=1,${'z'.repeat(257)}=1`).serialize(), 'foo=1');
    const tenant241 = `${'t'.repeat(241)}@${'v'.repeat(14)}`;
    assert.equal(parseTraceState(`${tenant241}=1`).get(tenant241), '1');
    assert.equal(parseTraceState(`foo=1,${'t'.repeat(242)}@v=1`).serialize(), 'foo=1');
    assert.equal(parseTraceState(`foo=1,t@${'v'.repeat(15)}=1`).serialize(), 'foo=1');
  });

  it('enforces the value grammar: 1 to 256 characters, printable, no "," or "=", no trailing space', () => {
    assert.equal(parseTraceState(`a=${'v'.repeat(256)}`).get('a'), 'v'.repeat(256));
    assert.equal(parseTraceState(`a=${'v'.repeat(257)},b=1`).serialize(), 'b=1');
    assert.equal(parseTraceState('a=x y').get('a'), 'x y', 'an inner space is allowed');
    assert.equal(parseTraceState('a=,b=1').serialize(), 'b=1', 'an empty value is not');
    assert.equal(parseTraceState('a=x=y,b=1').serialize(), 'b=1');
    assert.equal(parseTraceState('a=\x01,b=1').serialize(), 'b=1');
    assert.equal(parseTraceState('a=é,b=1').serialize(), 'b=1');
    assert.equal(parseTraceState('a=x\x7f,b=1').serialize(), 'b=1');
  });

  it('keeps at most 32 members: the 33rd and later are dropped (test_tracestate_member_count_limit)', () => {
    const s32 = parseTraceState(members(32));
    assert.equal(s32.serialize(), members(32));
    const s33 = parseTraceState(members(33));
    assert.equal(s33.serialize(), members(32));
    assert.equal(s33.get('bar33'), undefined);
    assert.equal(MAX_TRACE_STATE_MEMBERS, 32);
  });

  it('does not count invalid or empty members toward the 32', () => {
    const header = `${'BAD=1,'.repeat(40)}, ,,${members(32)}`;
    assert.equal(parseTraceState(header).serialize(), members(32));
  });

  it('keeps the first of duplicated keys', () => {
    assert.equal(parseTraceState('foo=1,bar=2,foo=3').serialize(), 'foo=1,bar=2');
  });

  it('gives an empty state for a header that is entirely invalid, empty, or not a string', () => {
    for (const header of ['', ' ', ',,,', 'garbage', 'A=1,B=2', '=', 'a', 123, null, undefined, {}, ['a=1']]) {
      const s = parseTraceState(header);
      assert.equal(s.serialize(), '', JSON.stringify(header));
      assert.equal(s.get('a'), undefined);
    }
  });
});

describe('TraceState', () => {
  it('set() puts a new key in front and leaves the original unchanged', () => {
    const a = parseTraceState('foo=1,bar=2');
    const b = a.set('baz', '3');
    assert.equal(b.serialize(), 'baz=3,foo=1,bar=2');
    assert.equal(a.serialize(), 'foo=1,bar=2');
  });

  it('set() of an existing key moves it to the front with its new value', () => {
    const s = parseTraceState('foo=1,bar=2,baz=3').set('bar', '9');
    assert.equal(s.serialize(), 'bar=9,foo=1,baz=3');
    assert.equal(s.get('bar'), '9');
  });

  it('set() with an invalid key or value returns the same state', () => {
    const s = parseTraceState('foo=1');
    for (const [k, v] of [
      ['UPPER', '1'],
      ['', '1'],
      ['k', ''],
      ['k', 'a,b'],
      ['k', 'a=b'],
      ['k', 'trailing '],
      ['k', 'x'.repeat(257)],
      ['k', 'new\nline'],
    ] as const) {
      assert.equal(s.set(k, v), s, `${k}=${v}`);
    }
    assert.equal(s.set(1 as unknown as string, 'x'), s);
  });

  it('set() on a full state drops the right-most member', () => {
    const full = parseTraceState(members(32));
    const next = full.set('new', 'x');
    assert.equal(next.serialize(), `new=x,${members(31)}`);
    assert.equal(next.get('bar32'), undefined);
    assert.equal(full.set('bar10', 'x').serialize().split(',').length, 32, 'updating a key keeps 32');
  });

  it('unset() removes a key; an absent key returns the same state', () => {
    const s = parseTraceState('foo=1,bar=2,baz=3');
    assert.equal(s.unset('bar').serialize(), 'foo=1,baz=3');
    assert.equal(s.unset('nope'), s);
    assert.equal(s.unset('foo').unset('bar').unset('baz').serialize(), '');
    assert.equal(s.serialize(), 'foo=1,bar=2,baz=3');
  });

  it('createTraceState() is empty; createTraceState(raw) parses', () => {
    assert.equal(createTraceState().serialize(), '');
    assert.equal(createTraceState('a=1,b=2').get('b'), '2');
    assert.equal(createTraceState().set('a', '1').serialize(), 'a=1');
  });

  it('validates keys and values on their own', () => {
    assert.equal(isValidTraceStateKey('vendor@system'), true);
    assert.equal(isValidTraceStateKey('Vendor'), false);
    assert.equal(isValidTraceStateValue('ok value'), true);
    assert.equal(isValidTraceStateValue(' leading is fine'), true);
    assert.equal(isValidTraceStateValue('trailing '), false);
  });

  it('is usable where @opentelemetry/api expects a TraceState', () => {
    const api: ApiTraceState = parseTraceState('a=1');
    assert.equal(api.set('b', '2').serialize(), 'b=2,a=1');
  });

  it('serializeTraceState cleans a foreign state whose serialization is not valid', () => {
    const foreign: TraceState = {
      get: () => undefined,
      set() {
        return this;
      },
      unset() {
        return this;
      },
      serialize: () => 'good=1,BAD=2,evil=x\r\nset-cookie: a=b,also=ok',
    };
    assert.equal(serializeTraceState(foreign), 'good=1,also=ok');
    assert.equal(serializeTraceState({ ...foreign, serialize: () => 42 as unknown as string }), '');
  });

  it('parses a huge header in linear time', () => {
    const huge = `a=1,${'x'.repeat(2_000_000)},${'b=2,'.repeat(100_000)}`;
    const started = process.hrtime.bigint();
    const s = parseTraceState(huge);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(s.serialize(), 'a=1,b=2');
    assert.ok(ms < 2000, `took ${ms} ms`);
  });
});
