/**
 * Generation speed of the rigid-body benchmark, for 3, 6 and 10 bodies per scene (default config otherwise):
 * - examples/s: generateExamples throughput (simulation + vertex extraction), per worker process;
 * - sim s / wall s: simulated seconds per wall-clock second of a full-length scene (framesPerScene frames);
 * - ms/scene: wall time per full-length scene.
 * Also the cache: loading a cached dataset against generating it. Prints measurements only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultBenchmarkConfig,
  generateExamples,
  initPhysics,
  loadDataset,
  physicsParams,
  Rng,
  sampleScene,
  simulateSceneSync,
  validateBenchmarkConfig,
} from '../src/index.js';

await initPhysics();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const counts = [3, 6, 10];
const cfgs = counts.map((n) => validateBenchmarkConfig({ ...defaultBenchmarkConfig(), bodiesMin: n, bodiesMax: n, maxBodies: Math.max(n, 6) }));
for (const cfg of cfgs) await generateExamples(cfg, 'train', 0, cfg.examplesPerScene * 4); // warm-up
const scenes = 30;
const exRate = counts.map(() => [] as number[]);
const simRate = counts.map(() => [] as number[]);
// Rounds interleave the body counts so that load from other processes hits them alike; medians are reported.
for (let round = 0; round < 3; round++) {
  for (let c = 0; c < cfgs.length; c++) {
    const cfg = cfgs[c];
    const examples = cfg.examplesPerScene * scenes;
    let t0 = performance.now();
    await generateExamples(cfg, 'train', round * examples, examples);
    exRate[c].push(examples / ((performance.now() - t0) / 1000));
    const states = Array.from({ length: scenes }, (_, i) => sampleScene(cfg, new Rng(1000 * round + i)));
    t0 = performance.now();
    for (const s of states) simulateSceneSync(s, physicsParams(cfg), cfg.framesPerScene);
    simRate[c].push((scenes * (cfg.framesPerScene - 1) * cfg.dt) / ((performance.now() - t0) / 1000));
  }
}
const rows: string[][] = [['bodies', 'examples/s', 'sim s / wall s', 'ms / scene (100 frames)']];
counts.forEach((n, c) => {
  const sim = median(simRate[c]);
  rows.push([String(n), median(exRate[c]).toFixed(0), sim.toFixed(0), ((99 / 60 / sim) * 1000).toFixed(2)]);
});
const width = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
console.log(`Generation speed, median of 3 interleaved rounds of ${scenes} scenes (default config: dt = 1/60 s, 100 frames/scene, 8 examples/scene; one process)`);
for (const r of rows) console.log(r.map((x, c) => x.padStart(width[c])).join('  '));

const dir = await mkdtemp(join(tmpdir(), 'rb-bench-'));
try {
  const cfg = { ...defaultBenchmarkConfig(), valExamples: 256, testExamples: 256 };
  let t0 = performance.now();
  await loadDataset(cfg, { trainSize: 1024, cacheDir: dir });
  const gen = performance.now() - t0;
  t0 = performance.now();
  const ds = await loadDataset(cfg, { trainSize: 1024, cacheDir: dir });
  const hit = performance.now() - t0;
  console.log(`\nloadDataset 1024 train + 256 val + 256 test (default config): generate ${(gen / 1000).toFixed(2)} s, ` +
    `cached ${hit.toFixed(1)} ms (${(gen / hit).toFixed(0)}x faster; cache ${JSON.stringify(ds.cache)})`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
