/**
 * TEST FIXTURE, not the benchmark: a tiny synthetic geometric task with the benchmark's Examples layout,
 * used by this package's tests and bench until/besides libs/rigid-body. Each body moves rigidly with a
 * constant velocity plus gravity over one horizon and bounces off the floor plane (reflected through it).
 * The dynamics are E(3)-equivariant when gravity and floor are transformed with the scene.
 */
import { Rng, type Examples } from '@equiscale/rigid-body';

export interface FixtureOptions {
  count: number;
  maxBodies: number;
  maxVerts: number;
  /** body feature count (one-hot of this many "mesh types" minus one, plus a scale) */
  bodyFeatureCount?: number;
  seed: number;
}

export function makeFixtureExamples(o: FixtureOptions): Examples {
  const { count: n, maxBodies: b, maxVerts: v, seed } = o;
  const f = o.bodyFeatureCount ?? 3;
  if (!(n >= 1 && b >= 1 && v >= 1 && f >= 1)) throw new Error('makeFixtureExamples: count, maxBodies, maxVerts, bodyFeatureCount must be >= 1');
  const rng = new Rng(seed);
  const ex: Examples = {
    count: n,
    maxBodies: b,
    maxVerts: v,
    bodyFeatureCount: f,
    prev: new Float32Array(n * b * v * 3),
    curr: new Float32Array(n * b * v * 3),
    target: new Float32Array(n * b * v * 3),
    vertMask: new Float32Array(n * b * v),
    bodyMask: new Float32Array(n * b),
    bodyFeatures: new Float32Array(n * b * f),
    gravity: new Float32Array(n * 3),
    floor: new Float32Array(n * 4),
  };
  const tau = 0.1; // horizon in seconds; past offset is also tau
  for (let i = 0; i < n; i++) {
    const g = [0, 0, -9.81];
    ex.gravity.set(g, i * 3);
    ex.floor.set([0, 0, 1, 0], i * 4);
    const bodies = 1 + rng.int(b);
    for (let j = 0; j < bodies; j++) {
      const bi = i * b + j;
      ex.bodyMask[bi] = 1;
      const kind = rng.int(f);
      const scale = 0.1 + 0.2 * rng.next();
      if (kind < f - 1) ex.bodyFeatures[bi * f + kind] = 1;
      ex.bodyFeatures[bi * f + f - 1] = scale;
      const c = [rng.normal(), rng.normal(), 0.5 + 1.5 * rng.next()];
      const u = [0.3 * rng.normal(), 0.3 * rng.normal(), 0.3 * rng.normal()]; // displacement per tau
      const verts = Math.max(1, v - rng.int(Math.ceil(v / 2)));
      for (let k = 0; k < verts; k++) {
        const vi = bi * v + k;
        ex.vertMask[vi] = 1;
        for (let d = 0; d < 3; d++) {
          const x = c[d] + scale * rng.normal();
          ex.curr[vi * 3 + d] = x;
          ex.prev[vi * 3 + d] = x - u[d];
          ex.target[vi * 3 + d] = x + u[d] + 0.5 * g[d] * tau * tau;
        }
        if (ex.target[vi * 3 + 2] < 0) ex.target[vi * 3 + 2] = -ex.target[vi * 3 + 2]; // bounce off z = 0
      }
    }
  }
  return ex;
}
