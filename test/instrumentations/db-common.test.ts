import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { MYSQL, POSTGRES, sanitizeSql, summarizeSql } from '../../instrumentations/db-common';

/** The query text made safe, and the summary that names database spans. */

describe('sanitizeSql', () => {
  const cases: [string, string][] = [
    ["SELECT * FROM users WHERE id = 42 AND name = 'O''Brien'", 'SELECT * FROM users WHERE id = ? AND name = ?'],
    ['SELECT a FROM t WHERE x IN (1, 2, 3) AND y = 1.5e-3', 'SELECT a FROM t WHERE x IN (?) AND y = ?'],
    ["INSERT INTO t (a, b) VALUES ('x', 7), ('y', 8)", 'INSERT INTO t (a, b) VALUES (?), (?)'],
    ['UPDATE t SET v = $1 WHERE id = $2', 'UPDATE t SET v = $1 WHERE id = $2'],
    ['SELECT col1, t2.col_3 FROM t2', 'SELECT col1, t2.col_3 FROM t2'],
    ["SELECT E'esc\\'aped', $$dollar 'quoted'$$, $tag$ body $tag$", 'SELECT ?, ?, ?'],
    ["SELECT 0xFF, X'0A', B'101', N'text'", 'SELECT ?, ?, ?, ?'],
    ['SELECT 1 -- a comment with 123 and secrets\nFROM t', 'SELECT ? FROM t'],
    ['SELECT /* 42 */ a FROM t', 'SELECT a FROM t'],
    ['SELECT "Quoted Column" FROM "Table" WHERE "x" = 3', 'SELECT "Quoted Column" FROM "Table" WHERE "x" = ?'],
    ["SELECT 'unterminated", 'SELECT ?'],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input), () => assert.equal(sanitizeSql(input, POSTGRES), expected));
  }

  it('MySQL: double quotes and backslash escapes are strings, # starts a comment, backticks are names', () => {
    assert.equal(
      sanitizeSql("SELECT `col` FROM t WHERE a = \"s3cret\" AND b = 'it\\'s' # tail 99", MYSQL),
      'SELECT `col` FROM t WHERE a = ? AND b = ?',
    );
  });

  it('never returns a literal, whatever the input', () => {
    for (let i = 0; i < 500; i++) {
      const secret = `zz${i}secret`;
      const n = 100000 + i;
      for (const q of [`SELECT '${secret}', ${n}`, `SELECT * FROM t WHERE a = '${secret}' OR b = ${n}`, `CALL p('${secret}', ${n})`]) {
        const out = sanitizeSql(q, i % 2 ? MYSQL : POSTGRES);
        assert.ok(!out.includes(secret) && !out.includes(String(n)), out);
      }
    }
  });
});

describe('summarizeSql', () => {
  it('the operation and its tables', () => {
    assert.deepEqual(summarizeSql('SELECT * FROM users WHERE id = ?'), { summary: 'SELECT users', operation: 'SELECT', collection: 'users' });
    assert.equal(summarizeSql('SELECT * FROM a JOIN b ON a.id = b.a_id').summary, 'SELECT a b');
    assert.equal(summarizeSql('SELECT * FROM a JOIN b ON a.id = b.a_id').collection, undefined);
    assert.equal(summarizeSql('INSERT INTO orders (a) VALUES (?)').summary, 'INSERT orders');
    assert.equal(summarizeSql('UPDATE "Accounts" SET a = ?').summary, 'UPDATE Accounts');
    assert.equal(summarizeSql('DELETE FROM sessions WHERE t < ?').summary, 'DELETE sessions');
    assert.equal(summarizeSql('CREATE TABLE IF NOT EXISTS things (id int)').summary, 'CREATE things');
    assert.equal(summarizeSql('BEGIN').summary, 'BEGIN');
  });

  it('nothing for what is not a statement it knows', () => {
    assert.deepEqual(summarizeSql('not sql at all'), { summary: '' });
    assert.deepEqual(summarizeSql(''), { summary: '' });
  });
});
