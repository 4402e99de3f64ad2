/**
 * Cost of planning a sweep with the real libs, by size of the grid: parse + normalize + hash of the example
 * spec, and planSweep (normalize, resolve sizes, list cells) for grids of ~100 to ~20k cells; plus diffSpecs
 * of a grid against itself extended by one seed. Prints measurements only.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { diffSpecs, parseSweepSpec, planSweep, specHash } from '../src/index.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function time(fn: () => unknown, reps: number): number {
  fn(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

const text = readFileSync(fileURLToPath(new URL('../examples/small.yaml', import.meta.url)), 'utf8');
console.log(`parseSweepSpec(examples/small.yaml): ${time(() => parseSweepSpec(text), 20).toFixed(2)} ms`);
const spec = parseSweepSpec(text);
console.log(`specHash(normalized example): ${time(() => specHash(spec), 20).toFixed(2)} ms`);

const grid = (sizes: number, steps: number, seeds: number) => ({
  name: 'bench',
  families: ['transformer', 'transformer+augment', 'gatr'],
  modelSizes: Array.from({ length: sizes }, (_, index) => ({ index })),
  steps: Array.from({ length: steps }, (_, i) => 1000 * 2 ** i),
  trainSizes: [1024, 4096, 16384, 65536],
  seeds: Array.from({ length: seeds }, (_, i) => i),
});
console.log('cells    planSweep ms   us/cell');
for (const [sizes, steps, seeds] of [[3, 2, 2], [6, 4, 3], [10, 6, 5], [12, 8, 16]] as const) {
  const g = grid(sizes, steps, seeds);
  const n = planSweep(g).cells.length;
  const ms = time(() => planSweep(g), 5);
  console.log(`${String(n).padStart(6)} ${ms.toFixed(1).padStart(12)} ${((ms * 1000) / n).toFixed(1).padStart(9)}`);
}
const g = grid(10, 6, 5);
const ms = time(() => diffSpecs(g, { ...g, seeds: [...g.seeds, 99] }), 5);
console.log(`diffSpecs of a ${planSweep(g).cells.length}-cell grid against itself + one seed: ${ms.toFixed(1)} ms`);
