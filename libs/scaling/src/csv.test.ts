import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChinchillaCsv, parseRunsCsv, splitCsv } from './csv.js';

test('parseRunsCsv reads n, d, loss with optional family and c, ignoring extra columns', () => {
  const runs = parseRunsCsv('family,n,d,loss,c,note\r\nGATr,1e6,2e7,0.5,1.2e15,"a, b"\nTransformer,2000000,3e7,0.25,,x\n\n');
  assert.deepEqual(runs, [
    { n: 1e6, d: 2e7, loss: 0.5, family: 'GATr', c: 1.2e15 },
    { n: 2e6, d: 3e7, loss: 0.25, family: 'Transformer' },
  ]);
});

test('parseRunsCsv names the missing columns and what the header must hold', () => {
  assert.throws(() => parseRunsCsv('n,loss\n1,2\n'), /missing column\(s\) "d".*n \(parameters\), d \(training samples or tokens\), loss/);
  assert.throws(() => parseRunsCsv(''), /empty/);
  assert.throws(() => parseRunsCsv('n,d,loss\n'), /no runs/);
});

test('parseRunsCsv errors name the row, the column and the fix', () => {
  assert.throws(() => parseRunsCsv('n,d,loss\n1,2,3\n4,abc,6\n'), /row 3 \(data row 2\), column "d": "abc" is not a number; give a positive number or remove the row/);
  assert.throws(() => parseRunsCsv('n,d,loss\n1,2,-3\n'), /row 2 \(data row 1\), column "loss": -3 must be a positive finite number/);
  assert.throws(() => parseRunsCsv('n,d,loss\n0,2,3\n'), /column "n": 0 must be a positive/);
  assert.throws(() => parseRunsCsv('n,d,loss\n1,2,NaN\n'), /column "loss": "NaN" is not a number/);
  assert.throws(() => parseRunsCsv('n,d,loss\n1,,3\n'), /column "d": empty/);
  assert.throws(() => parseRunsCsv('n,d,loss\n1,2,Infinity\n'), /must be a positive finite number/);
  assert.throws(() => parseRunsCsv('n,d,loss,c\n1,2,3,-1\n'), /column "c": -1 .*positive FLOPs or leave the cell empty/);
});

test('splitCsv handles quotes, escaped quotes and CRLF', () => {
  assert.deepEqual(splitCsv('a,"b ""x"", c"\r\n1,2'), [['a', 'b "x", c'], ['1', '2']]);
});

test('parseChinchillaCsv derives d = C/(6n) and drops the highest-loss runs', () => {
  const text = 'x,Model Size,Training FLOP,loss\n0,1e9,6e18,2.5\n0,2e9,1.2e19,2.4\n0,1e9,1e19,5.0\n0,3e9,3e19,2.2\n';
  const all = parseChinchillaCsv(text);
  assert.equal(all.length, 4);
  assert.equal(all[0].d, 1e9);
  assert.equal(all[0].c, 6e18);
  const kept = parseChinchillaCsv(text, { dropHighestLoss: 1 });
  assert.deepEqual(kept.map((r) => r.loss), [2.5, 2.4, 2.2]);
  assert.throws(() => parseChinchillaCsv('Model Size,loss\n1,2\n'), /missing column\(s\) "Training FLOP"/);
});
