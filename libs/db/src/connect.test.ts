import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DatabaseConfigError, openDatabase, redactUrl } from './connect.js';

describe('openDatabase errors', () => {
  const cases: [string, string, RegExp][] = [
    ['not a url', 'nonsense', /DATABASE_URL is not a valid URL/],
    ['wrong scheme', 'mysql://u@127.0.0.1/db', /DATABASE_URL must start with postgres:\/\//],
    ['no database', 'postgres://postgres@127.0.0.1:5432', /DATABASE_URL names no database/],
    ['unreachable server', 'postgres://postgres:s3cret@127.0.0.1:1/equiscale', /DATABASE_URL: cannot connect to 127\.0\.0\.1:1\/equiscale \(ECONNREFUSED\)/],
  ];
  for (const [label, url, re] of cases) {
    it(`gives one clear line for ${label}`, async () => {
      await assert.rejects(openDatabase({ url }), (err: unknown) => {
        assert.ok(err instanceof DatabaseConfigError);
        assert.match(err.message, re);
        assert.ok(!err.message.includes('\n'), 'one line');
        assert.ok(!err.message.includes('s3cret'), 'password never shown');
        return true;
      });
    });
  }

  it('redacts passwords', () => {
    assert.equal(redactUrl('postgres://u:pw@h:5432/d'), 'postgres://u:***@h:5432/d');
  });
});
