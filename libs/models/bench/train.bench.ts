/**
 * Training-step throughput on the wasm backend (one thread in Node), printed, asserting nothing.
 * - the backend's own 2-D matmul rate (the ceiling a training step can approach)
 * - ms per training step and achieved executed FLOP/s, as a fraction of that ceiling, for each family at
 *   three sizes (batch 32 x 16 tokens, 2 blocks)
 * - the same transformer step in PyTorch on this CPU (one thread), when `import torch` works.
 * Env: BENCH_STEPS (default 30) measured steps per size. Step times: fastest (and median) step; matmul
 * rates: best of 5 rounds. The CPU is shared, so compare numbers from one run only.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import type { ModelDims, TrialConfig } from '../src/api.js';
import { initBackend } from '../src/backend/init.js';
import { summarize } from '../src/ladder.js';
import { makeFixtureExamples } from '../src/task/fixture.js';
import { trainTrial } from '../src/train/trainer.js';

const STEPS = Number(process.env.BENCH_STEPS ?? 30);
const WARMUP = 5;
const BATCH = 32;
const TOKENS = 16;
const VERTS = 8;

function matmulRate(m: number, k: number, n: number): number {
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  for (let i = 0; i < 3; i++) tf.matMul(a, b).dataSync();
  const reps = Math.max(5, Math.round(4e8 / (2 * m * k * n)));
  let s = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    }
    s = Math.min(s, (performance.now() - t0) / 1000 / reps);
  }
  a.dispose();
  b.dispose();
  return (2 * m * k * n) / s;
}

async function stepTime(dims: ModelDims): Promise<{ min: number; median: number }> {
  const ex = makeFixtureExamples({ count: 256, maxBodies: TOKENS, maxVerts: VERTS, seed: 1 });
  const small = makeFixtureExamples({ count: 1, maxBodies: TOKENS, maxVerts: VERTS, seed: 2 });
  const config: TrialConfig = {
    family: dims.family,
    augment: false,
    dims,
    steps: WARMUP + STEPS,
    batchSize: BATCH,
    lr: { peak: 1e-3, kind: 'cosine', warmupSteps: 0, minRatio: 0.1, cooldownFraction: 0 },
    gradClip: 1,
    evalEvery: 0,
    evalExamples: 1,
    checkpointEvery: 0,
    seed: 0,
  };
  const stamps: number[] = [];
  await trainTrial(config, { train: ex, val: small, test: small }, { onProgress: () => void stamps.push(performance.now()) });
  // fastest and median step after warm-up (the CPU is shared: the fastest step is the cleanest measurement,
  // matching the best-of-5 matmul ceiling)
  const d = stamps.slice(WARMUP).map((t, i) => t - stamps[WARMUP - 1 + i]).sort((x, y) => x - y);
  return { min: d[0], median: d[Math.floor(d.length / 2)] };
}

const fmt = (x: number, d = 1) => x.toFixed(d);

const backend = await initBackend('wasm');
console.log(`backend: ${backend} (tfjs ${tf.version.tfjs}), ${STEPS} measured steps after ${WARMUP} warm-up steps`);
const rates = [
  ['512x64 @ 64x64', matmulRate(512, 64, 64)],
  ['512x128 @ 128x128', matmulRate(512, 128, 128)],
  ['512x256 @ 256x256', matmulRate(512, 256, 256)],
  ['512x512 @ 512x512', matmulRate(512, 512, 512)],
] as const;
for (const [name, r] of rates) console.log(`wasm matmul ${name}: ${fmt(r / 1e9, 2)} GFLOP/s`);
const ceiling = Math.max(...rates.map((r) => r[1]));
console.log(`ceiling (best 2-D matmul rate): ${fmt(ceiling / 1e9, 2)} GFLOP/s\n`);

const shapes = { maxBodies: TOKENS, maxVerts: VERTS, bodyFeatureCount: 3 };
const rows: { name: string; ms: number; flops: number }[] = [];
const models: [string, ModelDims][] = [
  ...[64, 128, 256].map((width): [string, ModelDims] => [`transformer w${width}`, { family: 'transformer', width, depth: 2, heads: 4, mlpRatio: 4 }]),
  ...([[4, 4], [8, 4], [16, 8]] as const).map(([c, h]): [string, ModelDims] => [
    `gatr c${c} s${8 * c}`,
    { family: 'gatr', mvChannels: c, sChannels: 8 * c, blocks: 2, heads: h },
  ]),
];
for (const [name, dims] of models) {
  const t = await stepTime(dims);
  const ms = t.min;
  const s = summarize(dims, shapes);
  const rate = (s.executedFlopsPerSample * BATCH) / (ms / 1000);
  rows.push({ name, ms, flops: rate });
  console.log(
    `${name} (2 blocks, ${s.paramCount} params): ${fmt(ms, 2)} ms/step (fastest; median ${fmt(t.median, 2)}), ` +
      `${fmt(rate / 1e9, 2)} GFLOP/s executed = ${fmt((100 * rate) / ceiling)}% of the matmul ceiling; ` +
      `nominal/executed FLOPs ${fmt(s.nominalFlopsPerSample / s.executedFlopsPerSample, 2)}`,
  );
}
const after = matmulRate(512, 256, 256);
console.log(`wasm matmul 512x256 @ 256x256 re-measured after the models: ${fmt(after / 1e9, 2)} GFLOP/s (load drift check)`);

// PyTorch side by side
// Debian's python3-torch lives in the system interpreter, which a pyenv `python3` on PATH may shadow.
const python = ['python3', '/usr/bin/python3'].find((py) => spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);
if (python === undefined) {
  console.log('\npytorch: skipped (python3 cannot import torch; install Debian python3-torch to compare)');
} else {
  const script = `
import time, torch, sys
torch.set_num_threads(1)
torch.manual_seed(0)
B, T, inp, out = ${BATCH}, ${TOKENS}, ${6 * VERTS + 3 + 7}, ${3 * VERTS}
for width in (64, 128, 256):
    d, H = width, 4
    dh = d // H
    class Blk(torch.nn.Module):
        def __init__(s):
            super().__init__()
            s.ln1 = torch.nn.LayerNorm(d); s.qkv = torch.nn.Linear(d, d + 2 * dh); s.o = torch.nn.Linear(d, d)
            s.ln2 = torch.nn.LayerNorm(d); s.m1 = torch.nn.Linear(d, 4 * d); s.m2 = torch.nn.Linear(4 * d, d)
        def forward(s, h):
            q, k, v = s.qkv(s.ln1(h)).split([d, dh, dh], -1)
            q = q.reshape(B, T * H, dh)
            p = torch.softmax(q @ k.reshape(B, T, dh).transpose(1, 2) / dh ** 0.5, -1)
            h = h + s.o((p @ v.reshape(B, T, dh)).reshape(B * T, d))
            return h + s.m2(torch.nn.functional.gelu(s.m1(s.ln2(h))))
    net = torch.nn.Sequential(torch.nn.Linear(inp, d), Blk(), Blk(), torch.nn.LayerNorm(d), torch.nn.Linear(d, out))
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    x = torch.randn(B * T, inp); y = torch.randn(B * T, out)
    def step():
        opt.zero_grad(); loss = ((net(x) - y) ** 2).mean(); loss.backward(); opt.step()
    for _ in range(${WARMUP}): step()
    t = time.perf_counter()
    for _ in range(${STEPS}): step()
    print(width, (time.perf_counter() - t) / ${STEPS} * 1000)
`;
  const r = spawnSync(python, ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) console.log(`\npytorch: failed: ${r.stderr.slice(-500)}`);
  else {
    console.log('\npytorch (1 thread, same transformer step):');
    for (const line of r.stdout.trim().split('\n')) {
      const [w, ms] = line.split(' ').map(Number);
      const mine = rows.find((x) => x.name === `transformer w${w}`)!;
      console.log(`  width ${w}: ${fmt(ms, 2)} ms/step; tfjs-wasm / pytorch time ratio ${fmt(mine.ms / ms, 2)}`);
    }
  }
}
