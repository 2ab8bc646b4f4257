import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { redactUrl } from '../../../src/diag/redact';

describe('redactUrl on URLs', () => {
  it('removes user and password', () => {
    assert.equal(redactUrl('http://alice:hunter2@collector:4318/v1/traces'), 'http://collector:4318/v1/traces');
    assert.equal(redactUrl('https://alice:hunter2@collector.example.com/otlp?x=1#f'), 'https://collector.example.com/otlp?x=REDACTED#f');
  });

  it('removes a user alone', () => {
    assert.equal(redactUrl('http://alice@collector:4318'), 'http://collector:4318/');
  });

  it('removes a password alone', () => {
    assert.equal(redactUrl('http://:hunter2@collector:4318'), 'http://collector:4318/');
  });

  it('removes percent-encoded credentials and passwords containing @', () => {
    const out = redactUrl('http://alice:p%40ss%3Aword@collector:4318');
    assert.equal(out, 'http://collector:4318/');
    const raw = redactUrl('http://alice:p@ss@collector:4318/x');
    assert.equal(raw, 'http://collector:4318/x');
  });

  it('works for any scheme', () => {
    assert.equal(redactUrl('ftp://bob:secret@files:2121/x'), 'ftp://files:2121/x');
    assert.equal(redactUrl('grpc://bob:secret@collector:4317'), 'grpc://collector:4317');
  });

  it('leaves a URL without credentials exactly as given', () => {
    for (const url of ['http://collector:4318', 'http://collector:4318/', 'HTTP://X:1', 'http://[::1]:4318', 'http://c:4318/otlp#x=1']) {
      assert.equal(redactUrl(url), url);
    }
  });

  it('does not mistake an @ in the path, query or fragment for credentials', () => {
    assert.equal(redactUrl('http://collector:4318/users/@me'), 'http://collector:4318/users/@me');
    assert.equal(redactUrl('http://collector:4318/?email=a@b.c'), 'http://collector:4318/?email=REDACTED');
    assert.equal(redactUrl('http://collector:4318/#a@b'), 'http://collector:4318/#a@b');
  });
});

describe('redactUrl on query strings', () => {
  it('keeps the names of the parameters and hides every value', () => {
    assert.equal(redactUrl('https://otlp.example.com/v1/traces?api-key=k3y-s3cr3t&region=eu'), 'https://otlp.example.com/v1/traces?api-key=REDACTED&region=REDACTED');
    assert.equal(redactUrl('https://u:p@otlp.example.com/?token=abc#frag=1'), 'https://otlp.example.com/?token=REDACTED#frag=1');
    assert.equal(redactUrl('collector:4318/x?key=abc&flag&empty='), 'collector:4318/x?key=REDACTED&flag&empty=REDACTED');
  });

  it('never returns a value, parseable or not', () => {
    for (const url of ['http://c/?k=SECRET', 'http://bad host/?k=SECRET', 'c:1/?a=1&k=SECRET&b=2', 'http://c/?k=SECRET=more', 'http://c/??k=SECRET']) {
      assert.ok(!redactUrl(url).includes('SECRET'), redactUrl(url));
    }
  });
});

describe('redactUrl on text that is not a URL with credentials', () => {
  it("masks the userinfo of a scheme-less endpoint such as 'user:pw@host:4318'", () => {
    assert.equal(redactUrl('user:pw@host:4318'), '***@host:4318');
    assert.equal(redactUrl('alice@collector'), '***@collector');
  });

  it('masks the userinfo of a URL that does not parse, keeping its scheme', () => {
    assert.equal(redactUrl('http://alice:hunter2@exa mple:4318'), 'http://***@exa mple:4318');
    assert.equal(redactUrl('http://alice:hunter2@collector:99999'), 'http://***@collector:99999');
  });

  it('leaves other text alone', () => {
    for (const text of ['', 'collector:4318', 'not a url', '/v1/traces', 'http://', 'host/path@x']) {
      assert.equal(redactUrl(text), text);
    }
  });
});

describe('redactUrl never returns the password', () => {
  const password = 'hunter2';
  const cases = [
    `http://alice:${password}@collector:4318`,
    `https://alice:${password}@collector`,
    `http://:${password}@collector`,
    `alice:${password}@collector:4318`,
    `http://alice:${password}@bad host:4318`,
    `http://alice:${password}@collector:notaport`,
    `alice:${password}@`,
    `x://alice:${password}@y`,
  ];
  for (const text of cases) {
    it(text, () => {
      const out = redactUrl(text);
      assert.ok(!out.includes(password), `'${out}' still holds the password`);
      assert.ok(!out.includes('alice'), `'${out}' still holds the user`);
    });
  }

  it(
    'not even when the unencoded password holds a character that ends the authority (/ ? # or a space)',
    () => {
      for (const text of [
        'http://alice:pa/ss@collector:4318',
        'http://alice:se#cret@collector:4318',
        'http://alice:se?cret@collector:4318',
        'alice:p w@host:4318',
        'alice:pa/ss@host:4318',
      ]) {
        const out = redactUrl(text);
        for (const part of ['pa/ss', 'se#cret', 'se?cret', 'p w']) assert.ok(!out.includes(part), `'${out}' leaks the password`);
      }
    },
  );
});
