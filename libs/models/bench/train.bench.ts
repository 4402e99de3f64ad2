/**
 * Training-step throughput on the wasm backend (one thread in Node), with the wasm matmul kernels and with the
 * OpenBLAS kernels (src/backend/native-blas.ts) when the library is installed, printed, asserting nothing.
 * - each path's 2-D matmul rate (the ceiling a training step can approach), interleaved round by round
 * - ms per training step (median) and achieved executed FLOP/s for each family at three sizes (batch 32 x
 *   16 tokens, 2 blocks). The two kernel paths alternate step by step inside one trial (the switch is a
 *   run-time flag), so both see the same machine load and the same process (about 1 in 5 Node processes
 *   runs XNNPACK at half speed, which a comparison across processes would mistake for a kernel effect).
 * (GATr's time per nominal FLOP against the transformer's: gatr.bench.ts, which interleaves the two models.)
 * - the same transformer step in PyTorch on this CPU (one thread), when a python with torch is found (python3,
 *   /usr/bin/python3; Debian python3-torch): one PyTorch step after each round of tfjs steps (a long-lived
 *   python process served over FIFOs), median of the same number of steps, and both paths' ratios to it.
 * Env: BENCH_STEPS (default 30) measured steps per size and path. The CPU is shared: compare within one run.
 */
import * as tf from '@tensorflow/tfjs';
import { execSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelDims, TrialConfig } from '../src/api.js';
import { initBackend, kernelsInUse } from '../src/backend/init.js';
import { setNativeKernels } from '../src/backend/native-blas.js';
import { summarize } from '../src/ladder.js';
import { makeFixtureExamples } from '../src/task/fixture.js';
import { trainTrial } from '../src/train/trainer.js';

const STEPS = Number(process.env.BENCH_STEPS ?? 30);
const WARMUP = 6;
const BATCH = 32;
const TOKENS = 16;
const VERTS = 8;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

type Path = 'wasm' | 'openblas';

/** Median seconds per product on each path, rounds interleaved (wasm, openblas, wasm, ...). */
function matmulRates(m: number, k: number, n: number, paths: Path[]): Map<Path, number> {
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  const reps = Math.max(5, Math.round(2e8 / (2 * m * k * n)));
  const times = new Map<Path, number[]>(paths.map((p) => [p, []]));
  for (let round = 0; round < 6; round++) {
    for (const p of paths) {
      setNativeKernels(p === 'openblas');
      for (let i = 0; i < 2; i++) tf.matMul(a, b).dataSync();
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) {
        const c = tf.matMul(a, b);
        c.dataSync();
        c.dispose();
      }
      times.get(p)!.push((performance.now() - t0) / 1000 / reps);
    }
  }
  a.dispose();
  b.dispose();
  return new Map(paths.map((p) => [p, (2 * m * k * n) / median(times.get(p)!)]));
}

/**
 * One trial whose steps alternate between the paths; after each round (one step per path) `extra` runs once
 * (PyTorch's step of the same model, timed by itself) and is not counted in the tfjs steps. Returns each path's
 * median step time (ms), and `extra`'s median under 'pytorch'.
 */
async function stepTimes(dims: ModelDims, paths: Path[], extra?: () => number): Promise<Map<string, number>> {
  const ex = makeFixtureExamples({ count: 256, maxBodies: TOKENS, maxVerts: VERTS, seed: 1 });
  const small = makeFixtureExamples({ count: 1, maxBodies: TOKENS, maxVerts: VERTS, seed: 2 });
  const total = WARMUP + STEPS * paths.length;
  const config: TrialConfig = {
    family: dims.family,
    augment: false,
    dims,
    steps: total,
    batchSize: BATCH,
    lr: { peak: 1e-3, kind: 'cosine', warmupSteps: 0, minRatio: 0.1, cooldownFraction: 0 },
    gradClip: 1,
    evalEvery: 0,
    evalExamples: 1,
    checkpointEvery: 0,
    seed: 0,
  };
  const pathOf = (step: number) => paths[step % paths.length]; // path of step number `step` (0-based)
  const times = new Map<string, number[]>([...paths, 'pytorch'].map((p) => [p, []]));
  setNativeKernels(pathOf(0) === 'openblas');
  let last = performance.now();
  await trainTrial(config, { train: ex, val: small, test: small }, {
    onProgress: (done) => {
      const now = performance.now();
      if (done > WARMUP) times.get(pathOf(done - 1))!.push(now - last);
      if (extra && done > WARMUP && (done - WARMUP) % paths.length === 0) times.get('pytorch')!.push(extra());
      if (done < total) setNativeKernels(pathOf(done) === 'openblas');
      last = performance.now();
    },
  });
  return new Map([...times].filter(([, t]) => t.length > 0).map(([p, t]) => [p, median(t)]));
}

const fmt = (x: number, d = 1) => x.toFixed(d);
const load = () => execSync('uptime').toString().trim().replace(/^.*load/, 'load');

const backend = await initBackend('wasm');
const kernels = kernelsInUse()!;
const paths: Path[] = kernels.kernels === 'openblas' ? ['wasm', 'openblas'] : ['wasm'];
console.log(`backend: ${backend} (tfjs ${tf.version.tfjs}); ${kernels.detail}`);
if (paths.length === 1) console.log('openblas path: skipped (see above); install it with: apt-get install -y libopenblas0');
console.log(`${STEPS} measured steps per size and path (alternating), after ${WARMUP} warm-up steps; ${load()}`);
const ceiling = new Map<Path, number>();
for (const [m, k, n] of [[512, 64, 64], [512, 128, 128], [512, 256, 256], [512, 512, 512]]) {
  const r = matmulRates(m, k, n, paths);
  console.log(`matmul ${m}x${k} @ ${k}x${n}: ` + paths.map((p) => `${p} ${fmt(r.get(p)! / 1e9, 2)} GFLOP/s`).join(', '));
  for (const p of paths) ceiling.set(p, Math.max(ceiling.get(p) ?? 0, r.get(p)!));
}
console.log(`ceiling (best 2-D matmul rate): ${paths.map((p) => `${p} ${fmt(ceiling.get(p)! / 1e9, 2)} GFLOP/s`).join(', ')}\n`);

const shapes = { maxBodies: TOKENS, maxVerts: VERTS, bodyFeatureCount: 3 };
// PyTorch side by side, step by step: a python process builds the same transformer step at each width, warms it
// up, then runs one step per request over two FIFOs (synchronous reads and writes from this side), so that its
// steps interleave with the tfjs steps under the same load. Debian's python3-torch lives in the system
// interpreter, which a pyenv `python3` on PATH may shadow: use whichever candidate imports torch.
const PY_SCRIPT = `
import time, torch, sys
torch.set_num_threads(1)
torch.manual_seed(0)
B, T, inp, out = ${BATCH}, ${TOKENS}, ${6 * VERTS + 3 + 7}, ${3 * VERTS}
def make(width):
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
        opt.zero_grad(); loss = ((net(x) - y) ** 2).mean(); loss.backward(); opt.step(); loss.item()
    for _ in range(${WARMUP}): step()
    return step
steps = {w: make(w) for w in (64, 128, 256)}
req = open(sys.argv[1], 'r'); res = open(sys.argv[2], 'w')
res.write(torch.__version__ + '\\n'); res.flush()
for line in req:
    t = time.perf_counter(); steps[int(line)](); res.write('%.4f\\n' % ((time.perf_counter() - t) * 1000)); res.flush()
`;

interface TorchStepper {
  version: string;
  step(width: number): number;
  close(): void;
}

function startTorch(): TorchStepper | string {
  const python = ['python3', '/usr/bin/python3'].find((py) => spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);
  if (python === undefined) return 'no python3 on PATH or /usr/bin/python3 imports torch; install Debian python3-torch to compare';
  const dir = mkdtempSync(join(tmpdir(), 'equiscale-bench-'));
  const [reqPath, resPath] = [join(dir, 'req'), join(dir, 'res')];
  execSync(`mkfifo ${reqPath} ${resPath}`);
  const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const child = spawn(python, ['-c', PY_SCRIPT, reqPath, resPath], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  // both sides open req first, then res (a FIFO open blocks until the other end opens)
  const req = openSync(reqPath, 'w');
  const res = openSync(resPath, 'r');
  const buf = Buffer.alloc(256);
  const readLine = (): string => {
    let s = '';
    for (;;) {
      const n = readSync(res, buf, 0, 1, null);
      if (n === 0) throw new Error('pytorch stepper exited');
      const c = buf.toString('utf8', 0, 1);
      if (c === '\n') return s;
      s += c;
    }
  };
  const version = readLine();
  return {
    version: `${version} (${python})`,
    step: (width) => {
      writeSync(req, `${width}\n`);
      return Number(readLine());
    },
    close: () => {
      closeSync(req);
      closeSync(res);
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const torch = startTorch();
console.log(typeof torch === 'string' ? `pytorch: skipped (${torch})` : `pytorch ${torch.version}: 1 thread, the same transformer step, one step after each round of tfjs steps`);
const rows: { name: string; ms: Map<string, number> }[] = [];
const models: [string, ModelDims][] = [
  ...[64, 128, 256].map((width): [string, ModelDims] => [`transformer w${width}`, { family: 'transformer', width, depth: 2, heads: 4, mlpRatio: 4 }]),
  ...([[4, 4], [8, 4], [16, 8]] as const).map(([c, h]): [string, ModelDims] => [
    `gatr c${c} s${8 * c}`,
    { family: 'gatr', mvChannels: c, sChannels: 8 * c, blocks: 2, heads: h },
  ]),
];
for (const [name, dims] of models) {
  const extra = typeof torch !== 'string' && dims.family === 'transformer' ? () => torch.step(dims.width) : undefined;
  const ms = await stepTimes(dims, paths, extra);
  const s = summarize(dims, shapes);
  rows.push({ name, ms });
  const parts = paths.map((p) => {
    const rate = (s.executedFlopsPerSample * BATCH) / (ms.get(p)! / 1000);
    return `${p} ${fmt(ms.get(p)!, 2)} ms (${fmt(rate / 1e9, 2)} GFLOP/s executed, ${fmt((100 * rate) / ceiling.get(p)!)}% of its ceiling)`;
  });
  const gain = paths.length > 1 ? `; wasm/openblas ${fmt(ms.get('wasm')! / ms.get('openblas')!, 2)}x` : '';
  const py = ms.has('pytorch') ? `; pytorch ${fmt(ms.get('pytorch')!, 2)} ms` : '';
  console.log(`${name} (2 blocks, ${s.paramCount} params), median step: ${parts.join(', ')}${py}${gain}`);
}
if (typeof torch !== 'string') {
  torch.close();
  console.log(`\ntfjs / pytorch step-time ratio (medians of ${STEPS} interleaved steps each); ${load()}`);
  for (const r of rows.filter((x) => x.ms.has('pytorch'))) {
    console.log(`  ${r.name}: ` + paths.map((p) => `${p} ${fmt(r.ms.get(p)! / r.ms.get('pytorch')!, 2)}`).join(', '));
  }
}
console.log(load());
