import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { defaultBenchmarkConfig, validateBenchmarkConfig } from './config.js';
import { quaternionToMatrix, rotateVector, rotationAboutAxis, applyE3 } from './e3.js';
import { Rng } from './rng.js';
import {
  initPhysics,
  physicsParams,
  sampleScene,
  simulateScene,
  simulateSceneSync,
  transformSceneState,
  writeWorldVertices,
  type BodyState,
  type Quat,
  type SceneState,
  type Trajectory,
} from './simulate.js';

const cfg = validateBenchmarkConfig(defaultBenchmarkConfig());
const params = physicsParams(cfg);

function allVertices(traj: Trajectory, frame: number): Float64Array {
  const out = new Float64Array(traj.bodyCount * 12 * 3);
  for (let b = 0; b < traj.bodyCount; b++) writeWorldVertices(traj, frame, b, out, b * 36);
  return out.subarray(0, traj.meshes.reduce((a, m, b) => Math.max(a, b * 36 + m.vertexCount * 3), 0));
}

/** Quaternion product a * b ([x, y, z, w]). */
function qmul(a: Quat, b: Quat): Quat {
  return [
    a[3] * b[0] + a[0] * b[3] + a[1] * b[2] - a[2] * b[1],
    a[3] * b[1] - a[0] * b[2] + a[1] * b[3] + a[2] * b[0],
    a[3] * b[2] + a[0] * b[1] - a[1] * b[0] + a[2] * b[3],
    a[3] * b[3] - a[0] * b[0] - a[1] * b[1] - a[2] * b[2],
  ];
}

describe('simulateScene', () => {
  before(() => initPhysics());

  it('requires initialisation only once and rejects bad frame counts', async () => {
    const scene = sampleScene(cfg, new Rng(1));
    const t = await simulateScene(scene, params, 3);
    assert.equal(t.frames, 3);
    assert.throws(() => simulateSceneSync(scene, params, 0), /frames must be an integer >= 1/);
  });

  it('frame 0 is the initial state (up to f32 storage)', () => {
    const scene = sampleScene(cfg, new Rng(2));
    const t = simulateSceneSync(scene, params, 2);
    scene.bodies.forEach((b, i) => {
      for (let a = 0; a < 3; a++) assert.ok(Math.abs(t.positions[i * 3 + a] - b.position[a]) < 1e-6);
      // q and -q are the same rotation
      const dot = [0, 1, 2, 3].reduce((s, a) => s + t.rotations[i * 4 + a] * b.rotation[a], 0);
      assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-6);
    });
  });

  it('follows free fall before the first contact: p0 + v0 t + g t^2 / 2', () => {
    const body: BodyState = {
      mesh: 'hull_b',
      scale: 0.6,
      position: [0.3, 6, -0.2],
      rotation: [0.1, 0.7, -0.3, 0.64],
      linvel: [0.8, 1.5, -0.4],
      angvel: [2, -1, 3],
    };
    const frames = 40; // 0.65 s: the body falls ~0.9 m net, far from the floor
    const t = simulateSceneSync({ bodies: [body] }, params, frames);
    const g = params.gravity;
    for (let f = 0; f < frames; f++) {
      const time = f * params.dt;
      const exact = [
        body.position[0] + body.linvel[0] * time,
        body.position[1] + body.linvel[1] * time - 0.5 * g * time * time,
        body.position[2] + body.linvel[2] * time,
      ];
      // Semi-implicit Euler lags the exact parabola by g dt t / 2 vertically; allow that plus f32 rounding.
      const tol = 0.5 * g * params.dt * time + 1e-4;
      for (let a = 0; a < 3; a++) {
        const err = Math.abs(t.positions[f * 3 + a] - exact[a]);
        assert.ok(err <= (a === 1 ? tol : 1e-4), `frame ${f} axis ${a}: error ${err} > ${a === 1 ? tol : 1e-4}`);
      }
    }
  });

  it('ends with every body resting above the floor, with no NaN', () => {
    for (const seed of [3, 4]) {
      const scene = sampleScene(cfg, new Rng(seed));
      const frames = 360; // 6 s
      const t = simulateSceneSync(scene, params, frames);
      for (const x of t.positions) assert.ok(Number.isFinite(x));
      for (const x of t.rotations) assert.ok(Number.isFinite(x));
      const last = allVertices(t, frames - 1);
      const prev = allVertices(t, frames - 11);
      for (let b = 0; b < t.bodyCount; b++) {
        let minY = Infinity;
        for (let j = 0; j < t.meshes[b].vertexCount; j++) minY = Math.min(minY, last[b * 36 + 3 * j + 1]);
        assert.ok(minY > -0.02, `seed ${seed} body ${b}: lowest vertex at ${minY} m, below the floor`);
        assert.ok(t.positions[((frames - 1) * t.bodyCount + b) * 3 + 1] > 0, 'centre of mass above the floor');
        // at rest: moved less than 1 cm over the last 10 frames
        for (let j = 0; j < t.meshes[b].vertexCount * 3; j++) {
          assert.ok(Math.abs(last[b * 36 + j] - prev[b * 36 + j]) < 0.01, `seed ${seed} body ${b} still moving`);
        }
      }
    }
  });

  it('transformSceneState refuses reflections', () => {
    const scene = sampleScene(cfg, new Rng(9));
    assert.throws(() => transformSceneState(scene, { rotation: [-1, 0, 0, 0, 1, 0, 0, 0, 1], translation: [0, 0, 0] }), /reflection/);
  });

  it('commutes with rotations about the gravity axis and horizontal translations (short horizon)', () => {
    // Stated tolerances (measured on 30 scenes, see the README): until a body comes within 5 cm of the floor the
    // rotated scene reproduces the rotated trajectory to f32 precision (< 1e-4 m). In the 10 frames after the first
    // contact most scenes stay within 1e-4 m too, but Rapier solves contacts in an order that depends on world axes,
    // so about one contact episode in five (near-degenerate face / edge landings) drifts by millimetres to ~10 cm.
    // Hence: every scene < 1e-4 m before contact; the median scene < 1e-3 m and every scene < 0.15 m after it.
    const frames = 40;
    const lowCfg = validateBenchmarkConfig({ ...defaultBenchmarkConfig(), dropHeightMin: 0.3, dropHeightMax: 1, approachSpeed: 0 }); // no body–body hits before the floor
    const after: number[] = [];
    for (let seed = 1; seed <= 12; seed++) {
      const scene = sampleScene(lowCfg, new Rng(seed));
      const angle = 0.7 + seed;
      const g = rotationAboutAxis([0, 1, 0], angle, [1.3, 0, -2.1]);
      // the moved scene, built independently of transformSceneState ...
      const qg: Quat = [0, Math.sin(angle / 2), 0, Math.cos(angle / 2)];
      assert.deepEqual(quaternionToMatrix(qg).map((x) => x.toFixed(12)), g.rotation.map((x) => x.toFixed(12)));
      const moved: SceneState = {
        bodies: scene.bodies.map((b) => ({
          ...b,
          position: applyE3(g, b.position),
          rotation: qmul(qg, b.rotation),
          linvel: rotateVector(g, b.linvel),
          angvel: rotateVector(g, b.angvel),
        })),
      };
      // ... agrees with it
      transformSceneState(scene, g).bodies.forEach((x, i) => {
        const y = moved.bodies[i];
        for (const k of ['position', 'rotation', 'linvel', 'angvel'] as const) {
          const sign = k === 'rotation' && x.rotation[3] * y.rotation[3] < 0 ? -1 : 1; // q and -q agree
          x[k].forEach((v, j) => assert.ok(Math.abs(sign * v - y[k][j]) < 1e-12, `${k}[${j}]`));
        }
      });
      const a = simulateSceneSync(scene, params, frames);
      const b = simulateSceneSync(moved, params, frames);
      let firstContact = -1;
      let maxFree = 0;
      let maxAfter = 0;
      for (let f = 0; f < frames; f++) {
        const va = allVertices(a, f);
        const vb = allVertices(b, f);
        let err = 0;
        let low = false;
        for (let body = 0; body < a.bodyCount; body++) {
          for (let j = 0; j < a.meshes[body].vertexCount; j++) {
            const i = body * 36 + 3 * j;
            if (va[i + 1] < 0.05) low = true;
            const p = applyE3(g, [va[i], va[i + 1], va[i + 2]]);
            for (let k = 0; k < 3; k++) err = Math.max(err, Math.abs(p[k] - vb[i + k]));
          }
        }
        if (low && firstContact < 0) firstContact = f;
        if (firstContact < 0) maxFree = Math.max(maxFree, err);
        else if (f - firstContact < 10) maxAfter = Math.max(maxAfter, err);
      }
      assert.ok(firstContact >= 0 && firstContact < frames - 10, `seed ${seed}: contact at frame ${firstContact}`);
      assert.ok(maxFree < 1e-4, `seed ${seed}: deviation before contact ${maxFree} m exceeds 1e-4`);
      assert.ok(maxAfter < 0.15, `seed ${seed}: deviation after contact ${maxAfter} m exceeds 0.15`);
      after.push(maxAfter);
    }
    after.sort((x, y) => x - y);
    const median = (after[5] + after[6]) / 2;
    assert.ok(median < 1e-3, `median deviation after contact ${median} m exceeds 1e-3 (all: ${after.map((x) => x.toExponential(1)).join(', ')})`);
  });
});
