import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cacheFilePath, decodeCacheFile, encodeCacheFile, loadDataset } from './cache.js';
import { benchmarkConfigHash } from './config.js';
import { hashExamples, sliceExamples } from './examples.js';
import { generateExamples } from './generate.js';
import { smallConfig } from './test-support.js';

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'rb-cache-test-'));
  dirs.push(d);
  return d;
}

describe('loadDataset cache', () => {
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('generates once, then serves from cache without regenerating (also smaller train sets by prefix)', async () => {
    const dir = await freshDir();
    const cfg = smallConfig();
    let progress: [number, number][] = [];
    const first = await loadDataset(cfg, { trainSize: 9, cacheDir: dir, onProgress: (d, t) => progress.push([d, t]) });
    assert.deepEqual(first.cache, { train: 'generated', val: 'generated', test: 'generated' });
    assert.equal(first.train.count, 9);
    assert.equal(first.val.count, 6);
    assert.equal(first.test.count, 6);
    assert.deepEqual(progress.at(-1), [21, 21]);
    assert.ok(progress.every(([d], i) => i === 0 || d > progress[i - 1][0]), 'progress increases');
    assert.equal(first.configHash, benchmarkConfigHash(cfg));

    progress = [];
    const again = await loadDataset(cfg, { trainSize: 9, cacheDir: dir, onProgress: (d, t) => progress.push([d, t]) });
    assert.deepEqual(again.cache, { train: 'hit', val: 'hit', test: 'hit' });
    assert.deepEqual(progress, []);
    for (const s of ['train', 'val', 'test'] as const) assert.equal(hashExamples(again[s]), hashExamples(first[s]));

    const smaller = await loadDataset(cfg, { trainSize: 4, cacheDir: dir });
    assert.equal(smaller.cache.train, 'hit');
    assert.equal(hashExamples(smaller.train), hashExamples(sliceExamples(first.train, 0, 4)));
    assert.equal(hashExamples(smaller.train), hashExamples(await generateExamples(cfg, 'train', 0, 4)));
    assert.ok((await readdir(dir)).every((f) => !f.endsWith('.tmp')), 'no temp files left behind');
  });

  it('extends a smaller cached train set exactly as a fresh generation would', async () => {
    const dir = await freshDir();
    const cfg = smallConfig();
    await loadDataset(cfg, { trainSize: 5, cacheDir: dir });
    const progress: [number, number][] = [];
    const bigger = await loadDataset(cfg, { trainSize: 11, cacheDir: dir, onProgress: (d, t) => progress.push([d, t]) });
    assert.equal(bigger.cache.train, 'extended');
    assert.deepEqual(progress.at(-1), [6, 6]);
    assert.equal(hashExamples(bigger.train), hashExamples(await generateExamples(cfg, 'train', 0, 11)));
    const reread = await loadDataset(cfg, { trainSize: 11, cacheDir: dir });
    assert.equal(reread.cache.train, 'hit');
  });

  const damages = [
    ['val', 'flip a body byte'],
    ['val', 'flip a header byte'],
    ['val', 'truncate'],
    ['val', 'empty'],
    ['train', 'flip a body byte'],
    ['train', 'truncate'],
  ] as const;
  for (const [split, damage] of damages) {
    it(`detects a corrupt ${split} file (${damage}) and regenerates it`, async () => {
      const dir = await freshDir();
      const cfg = smallConfig();
      const first = await loadDataset(cfg, { trainSize: 6, cacheDir: dir });
      const path = cacheFilePath(dir, first.configHash, split, 6);
      const buf = await readFile(path);
      if (damage === 'flip a body byte') {
        buf[buf.length - 7] ^= 0x40;
        await writeFile(path, buf);
      } else if (damage === 'flip a header byte') {
        buf[20] ^= 0x01;
        await writeFile(path, buf);
      } else await truncate(path, damage === 'empty' ? 0 : buf.length - 100);
      const second = await loadDataset(cfg, { trainSize: 6, cacheDir: dir });
      assert.equal(second.cache[split], 'generated');
      assert.ok(second.cacheProblems[split], 'the problem is reported');
      assert.equal(second.cache[split === 'val' ? 'train' : 'val'], 'hit');
      assert.equal(hashExamples(second[split]), hashExamples(first[split]));
      const third = await loadDataset(cfg, { trainSize: 6, cacheDir: dir });
      assert.equal(third.cache[split], 'hit', 'the regenerated file is valid');
    });
  }

  it('regenerates a file written for another config hash', async () => {
    const dir = await freshDir();
    const cfg = smallConfig();
    const other = smallConfig({ seed: 99 });
    const h = benchmarkConfigHash(cfg);
    const foreign = await generateExamples(other, 'test', 0, 6);
    // a file at our path whose header carries another config's hash
    await writeFile(cacheFilePath(dir, h, 'test'), encodeCacheFile(foreign, benchmarkConfigHash(other), 'test'));
    const ds = await loadDataset(cfg, { trainSize: 3, cacheDir: dir });
    assert.equal(ds.cache.test, 'generated');
    assert.equal(ds.cacheProblems.test, 'config hash mismatch');
    assert.notEqual(hashExamples(ds.test), hashExamples(foreign));
    assert.equal(hashExamples(ds.test), hashExamples(await generateExamples(cfg, 'test', 0, 6)));
  });

  it('round-trips through the binary format and rejects a wrong split', async () => {
    const ex = await generateExamples(smallConfig(), 'val', 0, 4);
    const buf = encodeCacheFile(ex, 'abc', 'val');
    const back = decodeCacheFile(buf, 'abc', 'val');
    assert.ok('examples' in back);
    assert.equal(hashExamples(back.examples), hashExamples(ex));
    assert.deepEqual(decodeCacheFile(buf, 'abc', 'test'), { problem: 'split mismatch' });
  });

  it('survives concurrent loads of the same dataset', async () => {
    const dir = await freshDir();
    const cfg = smallConfig();
    const [a, b] = await Promise.all([
      loadDataset(cfg, { trainSize: 6, cacheDir: dir }),
      loadDataset(cfg, { trainSize: 3, cacheDir: dir }),
    ]);
    assert.equal(hashExamples(sliceExamples(a.train, 0, 3)), hashExamples(b.train));
    const c = await loadDataset(cfg, { trainSize: 6, cacheDir: dir });
    assert.equal(c.cache.train, 'hit', 'the larger train set survived');
    assert.ok((await readdir(dir)).every((f) => !f.endsWith('.tmp')));
  });

  it('lets several processes generate the same dataset at once (atomic writes)', async () => {
    const dir = await freshDir();
    const script = [
      `import { loadDataset, hashExamples } from ${JSON.stringify(new URL('./index.ts', import.meta.url).href)};`,
      `import { smallConfig } from ${JSON.stringify(new URL('./test-support.ts', import.meta.url).href)};`,
      `const ds = await loadDataset(smallConfig(), { trainSize: Number(process.argv[1]), cacheDir: ${JSON.stringify(dir)} });`,
      'console.log(JSON.stringify([hashExamples(ds.train), hashExamples(ds.val), hashExamples(ds.test)]));',
    ].join('\n');
    const run = (n: number): Promise<string[]> =>
      new Promise((resolve, reject) => {
        execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, String(n)], (err, stdout) =>
          err ? reject(err) : resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as string[]),
        );
      });
    const outs = await Promise.all([run(6), run(6)]);
    assert.deepEqual(outs[1], outs[0]);
    const after = await loadDataset(smallConfig(), { trainSize: 6, cacheDir: dir });
    assert.deepEqual(after.cache, { train: 'hit', val: 'hit', test: 'hit' });
    assert.deepEqual([hashExamples(after.train), hashExamples(after.val), hashExamples(after.test)], outs[0]);
    assert.ok((await readdir(dir)).every((f) => !f.endsWith('.tmp')));
  });

  it('rejects bad options with named fields', async () => {
    await assert.rejects(loadDataset(smallConfig(), { trainSize: -1, cacheDir: '/tmp' }), /trainSize must be an integer >= 0/);
    await assert.rejects(loadDataset(smallConfig({ horizon: 0 }), { trainSize: 1, cacheDir: '/tmp' }), /BenchmarkConfig.horizon/);
  });
});
