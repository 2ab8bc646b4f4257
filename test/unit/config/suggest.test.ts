import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { NAME_BY_KEY } from '../../../src/config/settings';
import { closest } from '../../../src/config/suggest';

const KEYS = ['service_name', 'traces_exporter', 'metrics_exporter', 'logs_exporter', 'log_level', 'propagators'];

describe('closest', () => {
  it('finds the intended word behind a typo', () => {
    assert.equal(closest('servce_name', KEYS), 'service_name'); // deletion
    assert.equal(closest('service_nname', KEYS), 'service_name'); // insertion
    assert.equal(closest('service_namr', KEYS), 'service_name'); // substitution
    assert.equal(closest('sevrice_name', KEYS), 'service_name'); // transposition: two edits
    assert.equal(closest('trace_exporter', KEYS), 'traces_exporter');
    assert.equal(closest('propagator', KEYS), 'propagators');
  });

  it('returns the word itself when it is a candidate', () => {
    assert.equal(closest('log_level', KEYS), 'log_level');
  });

  it('picks the nearest of several near candidates', () => {
    assert.equal(closest('logs_level', KEYS), 'log_level');
    assert.equal(closest('log_exporter', KEYS), 'logs_exporter');
  });

  it('does not spend seconds on a huge word: candidates too different in length are skipped (found by fuzzing)', () => {
    const start = process.hrtime.bigint();
    assert.equal(closest('k'.repeat(1_000_000), NAME_BY_KEY.keys()), undefined);
    assert.ok(process.hrtime.bigint() - start < 1_000_000_000n);
    assert.equal(closest('servce_name_x', KEYS), 'service_name'); // within the limit: still found
  });

  it('on a tie, the first candidate wins', () => {
    assert.equal(closest('cat', ['bat', 'hat']), 'bat');
    assert.equal(closest('cat', ['hat', 'bat']), 'hat');
  });

  it('returns undefined for far-off words', () => {
    assert.equal(closest('zzzzzzzz', KEYS), undefined);
    assert.equal(closest('endpoint', KEYS), undefined);
    assert.equal(closest('abc', ['xyz']), undefined);
  });

  it('allows two edits for short words and a quarter of the length for long ones', () => {
    assert.equal(closest('ab', ['xy']), 'xy'); // 2 edits, the floor
    const long = 'abcdefghijklmnopqrst'; // 20 letters: 5 edits allowed
    assert.equal(closest('XXXXXfghijklmnopqrst', [long]), long);
    assert.equal(closest('XXXXXXghijklmnopqrst', [long]), undefined);
  });

  it('returns undefined with no candidates', () => {
    assert.equal(closest('anything', []), undefined);
  });

  it('takes any iterable, such as the keys of NAME_BY_KEY', () => {
    assert.equal(closest('bsp-schedule-dely', NAME_BY_KEY.keys()), 'bsp-schedule-delay');
    assert.equal(closest('exporter_otlp_endpiont', new Set(NAME_BY_KEY.keys())), 'exporter_otlp_endpoint');
  });

  it('is case-sensitive: a word in capitals is far from its lower-case form', () => {
    assert.equal(closest('SERVICE_NAME', KEYS), undefined);
  });
});
