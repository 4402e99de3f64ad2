import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadWeightSpaceDataset, weightSpaceCachePath } from './cache.js';
import { defaultWeightSpaceConfig, weightSpaceConfigHash } from './config.js';
import { hashWeightSpaceExamples, sliceWeightSpaceExamples } from './examples.js';
import { generateWeightSpaceExamples } from './generate.js';

const cfg = { ...defaultWeightSpaceConfig(), hidden: [6, 6], fitSteps: 20, valExamples: 3, testExamples: 2, seed: 9 };
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('cache: generated, then hit, extended by prefix, corrupt files regenerated', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ws-cache-'));
  dirs.push(dir);
  const first = await loadWeightSpaceDataset(cfg, { trainSize: 4, cacheDir: dir });
  assert.deepEqual(first.cache, { train: 'generated', val: 'generated', test: 'generated' });
  assert.equal(hashWeightSpaceExamples(first.train), hashWeightSpaceExamples(generateWeightSpaceExamples(cfg, 'train', 0, 4)));
  const again = await loadWeightSpaceDataset(cfg, { trainSize: 3, cacheDir: dir });
  assert.deepEqual(again.cache, { train: 'hit', val: 'hit', test: 'hit' });
  assert.equal(hashWeightSpaceExamples(again.train), hashWeightSpaceExamples(sliceWeightSpaceExamples(first.train, 0, 3)));
  const more = await loadWeightSpaceDataset(cfg, { trainSize: 6, cacheDir: dir });
  assert.equal(more.cache.train, 'extended');
  assert.equal(hashWeightSpaceExamples(more.train), hashWeightSpaceExamples(generateWeightSpaceExamples(cfg, 'train', 0, 6)));
  assert.deepEqual((await readdir(dir)).filter((f) => f.includes('-train-')), [`weight-space-${more.configHash.slice(0, 24)}-train-n6.bin`]);
  // flip one byte of the val body: checksum mismatch -> regenerated, same data
  const valPath = weightSpaceCachePath(dir, weightSpaceConfigHash(cfg), 'val');
  const buf = await readFile(valPath);
  buf[buf.length - 1] ^= 0xff;
  await writeFile(valPath, buf);
  const fixed = await loadWeightSpaceDataset(cfg, { trainSize: 6, cacheDir: dir });
  assert.equal(fixed.cache.val, 'generated');
  assert.equal(fixed.cacheProblems.val, 'checksum mismatch');
  assert.equal(hashWeightSpaceExamples(fixed.val), hashWeightSpaceExamples(first.val));
  // another seed never reads this seed's files
  const other = await loadWeightSpaceDataset({ ...cfg, seed: 10 }, { trainSize: 2, cacheDir: dir });
  assert.equal(other.cache.train, 'generated');
  assert.notEqual(hashWeightSpaceExamples(other.train), hashWeightSpaceExamples(sliceWeightSpaceExamples(first.train, 0, 2)));
});
