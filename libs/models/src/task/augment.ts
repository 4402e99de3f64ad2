/**
 * Data augmentation for the baseline, every sample of a batch with its own random group element, applied with
 * the benchmark's own transform, so inputs, targets, gravity and the floor plane move together (gatr-spec.md
 * pitfall 6). The transforms are a pure function of (trial seed, step).
 * - 'e3' ("transformer+augment"): uniform on O(3) (rotations and reflections) plus a Gaussian translation; the
 *   floor and gravity, inputs of every family, are rotated along, so the task stays the same task.
 * - 'task' ("transformer+augment-task"): the symmetry group of the task itself, which leaves the floor and
 *   gravity where they are: a uniform rotation about the floor normal n, with probability 1/2 composed with a
 *   reflection in a plane containing n, and a Gaussian translation along the floor (perpendicular to n).
 */
import { Rng, composeE3, randomE3, transformExamples, type E3, type Examples } from '@equiscale/rigid-body';
import type { AugmentGroup } from '../api.js';

/** A random element of the floor's symmetry group (normal n, unit): rotation about n, maybe a reflection, translation along the floor. */
export function randomTaskSymmetry(rng: Rng, n: ArrayLike<number>): E3 {
  const len = Math.hypot(n[0]!, n[1]!, n[2]!);
  if (!(len > 0)) throw new Error('randomTaskSymmetry: the floor normal is zero');
  const u = [n[0]! / len, n[1]! / len, n[2]! / len];
  // an orthonormal basis (a, b) of the floor plane
  const helper = Math.abs(u[0]!) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const dot = helper[0]! * u[0]! + helper[1]! * u[1]! + helper[2]! * u[2]!;
  const a0 = [helper[0]! - dot * u[0]!, helper[1]! - dot * u[1]!, helper[2]! - dot * u[2]!];
  const al = Math.hypot(a0[0]!, a0[1]!, a0[2]!);
  const a = a0.map((x) => x / al);
  const b = [u[1]! * a[2]! - u[2]! * a[1]!, u[2]! * a[0]! - u[0]! * a[2]!, u[0]! * a[1]! - u[1]! * a[0]!];
  const theta = rng.uniform(0, 2 * Math.PI);
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  // rotation about u: a -> c a + s b, b -> -s a + c b, u -> u; optional reflection a -> -a first (a plane containing u)
  const flip = rng.next() < 0.5 ? -1 : 1;
  const R: number[] = [];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      R.push(u[i]! * u[j]! + flip * (c * a[i]! + s * b[i]!) * a[j]! + (-s * a[i]! + c * b[i]!) * b[j]!);
    }
  }
  const ta = rng.normal();
  const tb = rng.normal();
  const rotation: E3 = { rotation: R, translation: [0, 0, 0] };
  return composeE3({ rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: [0, 1, 2].map((k) => ta * a[k]! + tb * b[k]!) }, rotation);
}

export function augmentBatch(ex: Examples, seed: number, step: number, group: AugmentGroup = 'e3'): Examples {
  const rng = Rng.fromKey('equiscale-augment', seed, step);
  const g: E3[] = [];
  for (let i = 0; i < ex.count; i++) g.push(group === 'task' ? randomTaskSymmetry(rng, ex.floor.subarray(4 * i, 4 * i + 3)) : randomE3(rng));
  return transformExamples(ex, g);
}
