import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyE3,
  composeE3,
  e3Determinant,
  e3Identity,
  inverseE3,
  isReflection,
  makeE3,
  matrixToQuaternion,
  quaternionToMatrix,
  randomE3,
  randomReflection,
  randomRotation,
  randomTranslation,
  rotationAboutAxis,
  transformExamples,
  type E3,
} from './e3.js';
import { allocExamples } from './examples.js';
import { Rng } from './rng.js';
import type { Examples } from './types.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-9): void => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

type P = [number, number, number];
function signedVolume(a: P, b: P, c: P, d: P): number {
  const u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const v = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
  const w = [d[0] - a[0], d[1] - a[1], d[2] - a[2]];
  return (u[0] * (v[1] * w[2] - v[2] * w[1]) - u[1] * (v[0] * w[2] - v[2] * w[0]) + u[2] * (v[0] * w[1] - v[1] * w[0])) / 6;
}

/** Two examples, one with 2 bodies and one with 1, random coordinates, a tilted floor. */
function toyExamples(): Examples {
  const ex = allocExamples(2, 3, 4, 5);
  const r = new Rng(11);
  const bodies = [2, 1];
  for (let n = 0; n < 2; n++) {
    for (let b = 0; b < bodies[n]; b++) {
      ex.bodyMask[n * 3 + b] = 1;
      ex.bodyFeatures[(n * 3 + b) * 5 + b] = 1;
      for (let v = 0; v < 3 + b; v++) {
        const vi = (n * 3 + b) * 4 + v;
        ex.vertMask[vi] = 1;
        for (let a = 0; a < 3; a++) {
          ex.prev[3 * vi + a] = r.uniform(-2, 2);
          ex.curr[3 * vi + a] = r.uniform(-2, 2);
          ex.target[3 * vi + a] = r.uniform(-2, 2);
        }
      }
    }
    ex.gravity.set([0, -9.81, 0], 3 * n);
    ex.floor.set([0, 1, 0, 0.25 * n], 4 * n);
  }
  return ex;
}

describe('E(3) transforms', () => {
  const rng = new Rng(5);
  const samples: E3[] = [randomRotation(rng), randomReflection(rng), randomE3(rng), randomE3(rng, { reflections: false }), composeE3(randomTranslation(rng, 3), randomReflection(rng))];

  it('samplers produce orthogonal matrices of the right determinant', () => {
    for (let i = 0; i < 50; i++) {
      const g = randomRotation(rng);
      makeE3(g.rotation, g.translation, 1e-12);
      assert.ok(Math.abs(e3Determinant(g) - 1) < 1e-12);
      assert.equal(isReflection(g), false);
      const h = randomReflection(rng);
      assert.ok(Math.abs(e3Determinant(h) + 1) < 1e-12);
      assert.equal(isReflection(h), true);
    }
    let refl = 0;
    for (let i = 0; i < 400; i++) if (isReflection(randomE3(rng))) refl++;
    assert.ok(refl > 150 && refl < 250, `randomE3 reflects about half the time (${refl}/400)`);
    for (let i = 0; i < 50; i++) assert.equal(isReflection(randomE3(rng, { reflections: false })), false);
    assert.throws(() => makeE3([1, 0, 0, 0, 2, 0, 0, 0, 1]), /orthogonal/);
  });

  it('g^-1 g = identity and g g^-1 = identity, on points too', () => {
    for (const g of samples) {
      const id = e3Identity();
      for (const h of [composeE3(inverseE3(g), g), composeE3(g, inverseE3(g))]) {
        close(h.rotation, id.rotation, 1e-12);
        close(h.translation, id.translation, 1e-12);
      }
      const p: P = [0.3, -1.2, 2.5];
      close(applyE3(inverseE3(g), applyE3(g, p)), p, 1e-12);
    }
  });

  it('composition equals applying one after the other', () => {
    for (const a of samples) {
      for (const b of samples) {
        const p: P = [1.5, 0.2, -0.7];
        close(applyE3(composeE3(a, b), p), applyE3(a, applyE3(b, p)), 1e-12);
      }
    }
    // a rotation by pi/2 about z twice is a rotation by pi
    const q = rotationAboutAxis([0, 0, 1], Math.PI / 2);
    close(applyE3(composeE3(q, q), [1, 0, 0]), [-1, 0, 0], 1e-12);
  });

  it('reflections flip the signed volume of a tetrahedron, rotations keep it', () => {
    const tet: P[] = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]];
    const v0 = signedVolume(tet[0], tet[1], tet[2], tet[3]);
    for (const g of samples) {
      const t = tet.map((p) => applyE3(g, p)) as P[];
      const v = signedVolume(t[0], t[1], t[2], t[3]);
      assert.ok(Math.abs(v - (isReflection(g) ? -v0 : v0)) < 1e-12);
    }
  });

  it('transformExamples moves positions, rotates gravity, carries the floor plane and leaves padding alone', () => {
    const ex = toyExamples();
    for (const g of samples) {
      const out = transformExamples(ex, g);
      for (let v = 0; v < ex.vertMask.length; v++) {
        for (const name of ['prev', 'curr', 'target'] as const) {
          const x = ex[name].subarray(3 * v, 3 * v + 3);
          const y = out[name].subarray(3 * v, 3 * v + 3);
          if (ex.vertMask[v]) close(y, applyE3(g, x), 1e-5);
          else close(y, [0, 0, 0], 0);
        }
      }
      for (let n = 0; n < ex.count; n++) {
        // gravity rotates only
        close(out.gravity.subarray(3 * n, 3 * n + 3), applyE3({ rotation: g.rotation, translation: [0, 0, 0] }, ex.gravity.subarray(3 * n, 3 * n + 3)), 1e-5);
        // points on the old floor map to points on the new floor; the normal stays unit
        const n0 = ex.floor.subarray(4 * n, 4 * n + 3);
        const d0 = ex.floor[4 * n + 3];
        const n1 = out.floor.subarray(4 * n, 4 * n + 3);
        const d1 = out.floor[4 * n + 3];
        assert.ok(Math.abs(Math.hypot(n1[0], n1[1], n1[2]) - 1) < 1e-6);
        for (const [u, w] of [[0, 0], [3, -1], [-2, 5]]) {
          const onFloor: P = [u, d0 / n0[1], w]; // n0 = (0, 1, 0)
          const q = applyE3(g, onFloor);
          assert.ok(Math.abs(n1[0] * q[0] + n1[1] * q[1] + n1[2] * q[2] - d1) < 1e-5);
        }
      }
      assert.deepEqual(out.bodyFeatures, ex.bodyFeatures);
      assert.deepEqual(out.vertMask, ex.vertMask);
      // round trip
      const back = transformExamples(out, inverseE3(g));
      close(back.curr, ex.curr, 1e-5);
      close(back.floor, ex.floor, 1e-5);
    }
  });

  it('converts rotation matrices to quaternions and back, refusing reflections', () => {
    for (let i = 0; i < 200; i++) {
      const g = randomRotation(rng);
      close(quaternionToMatrix(matrixToQuaternion(g.rotation)), g.rotation, 1e-12);
    }
    for (const angle of [0, Math.PI, -Math.PI / 2]) {
      for (const axis of [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]]) {
        const g = rotationAboutAxis(axis, angle);
        close(quaternionToMatrix(matrixToQuaternion(g.rotation)), g.rotation, 1e-12);
      }
    }
    assert.throws(() => matrixToQuaternion(randomReflection(rng).rotation), /reflection/);
  });

  it('transformExamples accepts one transform per example', () => {
    const ex = toyExamples();
    const gs = [samples[0], samples[1]];
    const out = transformExamples(ex, gs);
    const a = transformExamples(ex, gs[0]);
    const b = transformExamples(ex, gs[1]);
    const per = 3 * 4 * 3;
    close(out.curr.subarray(0, per), a.curr.subarray(0, per), 0);
    close(out.curr.subarray(per), b.curr.subarray(per), 0);
    assert.throws(() => transformExamples(ex, [samples[0]]), /got 1 transforms for 2 examples/);
  });
});
