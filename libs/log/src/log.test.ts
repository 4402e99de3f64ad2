import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, redactUrl } from './index.js';

test('one JSON object per line; secrets and database passwords never printed', () => {
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l), level: 'debug' }).child({ worker: 'w1' });
  log.info('connected to postgres://u:hunter2@db:5432/x', { token: 's3cr3t', authorization: 'Bearer s3cr3t', step: 3 });
  log.debug('debug line');
  assert.equal(lines.length, 2);
  assert.ok(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')));
  const first = JSON.parse(lines[0]);
  assert.equal(first.level, 'info');
  assert.equal(first.worker, 'w1');
  assert.equal(first.step, 3);
  assert.ok(!lines[0].includes('hunter2') && !lines[0].includes('s3cr3t'));
  assert.match(first.msg, /postgres:\/\/u:\*\*\*@db:5432\/x/);
  assert.equal(redactUrl('postgres://u:pw@h:5432/d'), 'postgres://u:***@h:5432/d');
  assert.equal(redactUrl('not a url'), '<unparseable URL>');
});
