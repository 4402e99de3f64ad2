/**
 * E(3) data augmentation for the baseline ("transformer+augment"): every sample of a batch gets its own
 * random element of E(3) (uniform on O(3), i.e. rotations and reflections, plus a Gaussian translation),
 * applied with the benchmark's own transform, so inputs, targets, gravity and the floor plane move together
 * (gatr-spec.md pitfall 6). The transforms are a pure function of (trial seed, step).
 */
import { Rng, randomE3, transformExamples, type Examples } from '@equiscale/rigid-body';

export function augmentBatch(ex: Examples, seed: number, step: number): Examples {
  const rng = Rng.fromKey('equiscale-augment', seed, step);
  const g = [];
  for (let i = 0; i < ex.count; i++) g.push(randomE3(rng));
  return transformExamples(ex, g);
}
