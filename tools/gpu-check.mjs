// The GPU check's driver (run by tools/gpu-check.sh, which prepares the environment; see the README).
// Route: TensorFlow.js's WebGPU backend (@tensorflow/tfjs-backend-webgpu) over Dawn as shipped prebuilt in the
// `webgpu` npm package (Vulkan, else OpenGL ES through EGL). Finds an adapter; without one it says so and exits 0
// (the dry run on a CPU machine). With one it trains the benchmark step (batch 32 x 16 tokens, 2 blocks) on the
// CPU path (wasm + OpenBLAS when installed) and on the GPU, compares the losses step by step, and prints the
// median step times. Exit 1 when a GPU ran but its losses differ beyond the tolerance or training failed.
// Env: GPU_CHECK_STEPS (default 12 per model), GPU_CHECK_MODELS (comma list of names below, default all),
// GPU_CHECK_ALLOW_SOFTWARE=1 accepts a software adapter (Mesa lavapipe), to exercise this script on a CPU machine.
import * as tf from '@tensorflow/tfjs';

const STEPS = Number(process.env.GPU_CHECK_STEPS ?? 12);
const WARMUP = 3;
/** Relative loss difference allowed between GPU and CPU after a few steps (float32; different reduction orders
 * and transcendental implementations on the GPU; the CPU paths agree to ~1e-6). */
const TOL = 1e-3;
const log = (s) => console.log(`gpu-check: ${s}`);

let webgpu;
try {
  webgpu = await import('webgpu');
} catch (e) {
  log(`route webgpu (Dawn): the npm package "webgpu" does not load (${String(e.message).split('\n')[0]}); run npm ci`);
  log('no GPU adapter found (no route could start)');
  process.exit(0);
}

// Dawn's backends to try, in order; flags as the `webgpu` package's create() takes them.
const routes = [
  { name: 'dawn default', flags: [] },
  { name: 'dawn vulkan', flags: ['backend=vulkan'] },
  { name: 'dawn opengles (EGL)', flags: ['backend=opengles'] },
];
let chosen;
for (const r of routes) {
  try {
    const gpu = webgpu.create(r.flags);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) {
      log(`route ${r.name}: no adapter`);
      continue;
    }
    const info = adapter.info ?? {};
    const desc = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ') || 'unnamed';
    if (/swiftshader|llvmpipe|lavapipe|null-backend|software/i.test(desc) && process.env.GPU_CHECK_ALLOW_SOFTWARE !== '1') {
      log(`route ${r.name}: adapter "${desc}" is a software rasterizer, not a GPU; skipped`);
      continue;
    }
    log(`route ${r.name}: adapter "${desc}"`);
    chosen = { ...r, gpu, desc };
    break;
  } catch (e) {
    log(`route ${r.name}: failed (${String(e.message).split('\n')[0]})`);
  }
}
if (!chosen) {
  log('no GPU adapter found: dry run ends here (exit 0). On a GPU machine, check that libvulkan.so.1 and the');
  log('NVIDIA Vulkan ICD (or libEGL + the NVIDIA EGL vendor file) are present; see README "GPU check".');
  process.exit(0);
}

// tfjs-backend-webgpu looks for navigator.gpu and the WebGPU globals (GPUBufferUsage, ...).
Object.assign(globalThis, webgpu.globals);
if (globalThis.navigator === undefined) globalThis.navigator = {};
Object.defineProperty(globalThis.navigator, 'gpu', { value: chosen.gpu, configurable: true });

const { initBackend, trainTrial, makeFixtureExamples, summarize } = await import('@equiscale/models');
await import('@tensorflow/tfjs-backend-webgpu');

const cpuBackend = await initBackend('wasm');
log(`CPU path: ${cpuBackend}`);
const TOKENS = 16;
const VERTS = 8;
const BATCH = 32;
const all = {
  'transformer-w128': { family: 'transformer', width: 128, depth: 2, heads: 4, mlpRatio: 4 },
  'transformer-w256': { family: 'transformer', width: 256, depth: 2, heads: 4, mlpRatio: 4 },
  'gatr-c8': { family: 'gatr', mvChannels: 8, sChannels: 64, blocks: 2, heads: 4 },
};
const names = (process.env.GPU_CHECK_MODELS ?? Object.keys(all).join(',')).split(',').filter(Boolean);
for (const n of names) {
  if (!all[n]) {
    console.error(`gpu-check: GPU_CHECK_MODELS: unknown model "${n}"; use a comma list of ${Object.keys(all).join(', ')}`);
    process.exit(2);
  }
}

const ex = makeFixtureExamples({ count: 256, maxBodies: TOKENS, maxVerts: VERTS, seed: 1 });
const small = makeFixtureExamples({ count: 8, maxBodies: TOKENS, maxVerts: VERTS, seed: 2 });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function train(dims) {
  const config = {
    family: dims.family, augment: false, dims, steps: WARMUP + STEPS, batchSize: BATCH,
    lr: { peak: 1e-3, kind: 'cosine', warmupSteps: 0, minRatio: 0.1, cooldownFraction: 0 },
    gradClip: 1, evalEvery: 0, evalExamples: 8, checkpointEvery: 0, logEvery: 1, seed: 0,
  };
  const losses = [];
  const stamps = [performance.now()];
  const out = await trainTrial(config, { train: ex, val: small, test: small }, {
    onMetrics: (p) => void losses.push(...p.filter((m) => m.split === 'train').map((m) => m.loss)),
    onProgress: () => void stamps.push(performance.now()),
  });
  const steps = stamps.slice(1).map((t, i) => t - stamps[i]);
  return { out, losses, ms: median(steps.slice(WARMUP)), first: steps[0] };
}

let bad = 0;
for (const name of names) {
  const dims = all[name];
  const s = summarize(dims, { maxBodies: TOKENS, maxVerts: VERTS, bodyFeatureCount: 3 });
  await tf.setBackend(cpuBackend.startsWith('wasm') ? 'wasm' : cpuBackend);
  const cpu = await train(dims);
  let gpu;
  try {
    if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") returned false');
    await tf.ready();
    gpu = await train(dims);
  } catch (e) {
    log(`${name}: training on the GPU failed: ${String(e.message).split('\n')[0]}`);
    bad++;
    continue;
  }
  if (gpu.out.status !== 'completed' || cpu.out.status !== 'completed') {
    log(`${name}: status cpu ${cpu.out.status}, gpu ${gpu.out.status} ${gpu.out.error ?? ''}`);
    bad++;
    continue;
  }
  const rel = gpu.losses.map((l, i) => Math.abs(l - cpu.losses[i]) / Math.abs(cpu.losses[i]));
  const worst = Math.max(...rel);
  const ok = gpu.losses.length === cpu.losses.length && worst < TOL;
  if (!ok) bad++;
  log(
    `${name} (${s.paramCount} params): step median cpu ${cpu.ms.toFixed(2)} ms, gpu ${gpu.ms.toFixed(2)} ms ` +
      `(cpu/gpu ${(cpu.ms / gpu.ms).toFixed(2)}x; gpu first step ${gpu.first.toFixed(0)} ms incl. shader compiles); ` +
      `losses max relative difference ${worst.toExponential(2)} over ${rel.length} steps (tolerance ${TOL}): ${ok ? 'ok' : 'DIFFERENT'}`,
  );
  if (!ok) log(`  cpu ${cpu.losses.map((x) => x.toPrecision(6)).join(' ')}\n  gpu ${gpu.losses.map((x) => x.toPrecision(6)).join(' ')}`);
}
log(bad ? `${bad} model(s) failed` : `all ${names.length} models trained on ${chosen.desc} with losses equal to the CPU path within ${TOL}`);
process.exit(bad ? 1 : 0);
