/**
 * Scene sampling and simulation with Rapier (deterministic WASM build). The simulation frame is fixed: gravity
 * (0, -g, 0) and a floor half-space y <= 0 (normal +y, offset 0). Frame 0 is the initial state; frame f is the
 * state after f steps of dt.
 */
import RAPIER from '@dimforge/rapier3d-deterministic-compat';
import type { ResolvedBenchmarkConfig } from './config.js';
import { getMesh, type MeshDef } from './meshes.js';
import { applyE3, isReflection, matrixToQuaternion, rotateVector, type E3 } from './e3.js';
import type { Rng } from './rng.js';

export type Vec3 = [number, number, number];
/** Unit quaternion [x, y, z, w]. */
export type Quat = [number, number, number, number];

/** Initial state of one body: position of its centre of mass (m), orientation, velocities (m/s, rad/s). */
export interface BodyState {
  mesh: string;
  scale: number;
  position: Vec3;
  rotation: Quat;
  linvel: Vec3;
  angvel: Vec3;
}

export interface SceneState {
  bodies: BodyState[];
}

export interface PhysicsParams {
  dt: number;
  /** Gravity magnitude (m/s^2); gravity points along -y. */
  gravity: number;
  friction: number;
  restitution: number;
  /** kg/m^3 */
  density: number;
  /** horizontal wind along +x: acceleration (m/s^2) of a body of scale 0.5 m, scaled by 0.5 / scale (BenchmarkConfig.windStrength); default 0 */
  windStrength?: number;
}

/** A simulated scene: per frame and body, the centre of mass and orientation. */
export interface Trajectory {
  frames: number;
  bodyCount: number;
  meshes: MeshDef[];
  scales: number[];
  /** Body masses in tonnes (1000 kg), from the mesh volume, scale and density. */
  masses: number[];
  /** (frames, bodyCount, 3) centre-of-mass positions. */
  positions: Float64Array;
  /** (frames, bodyCount, 4) orientations as quaternions [x, y, z, w]. */
  rotations: Float64Array;
  /**
   * Per frame, the contacts after the step into that frame (only when simulated with `{ contacts: true }`; frame 0
   * is 0): CONTACT_FLOOR / CONTACT_BODY when a MOVING body (see REST_SPEED) touches the floor / another body,
   * TOUCH_FLOOR / TOUCH_BODY for any touching, bodies at rest included.
   */
  contacts?: Uint8Array;
}

/** Contact bits of Trajectory.contacts. A body lying still on the floor touches it but is no interaction. */
export const CONTACT_FLOOR = 1;
export const CONTACT_BODY = 2;
export const TOUCH_FLOOR = 4;
export const TOUCH_BODY = 8;
/**
 * Two shapes touch when a contact point of their manifold is at most this far apart (m; negative = penetrating),
 * or when the solver applied an impulse at it during the step.
 */
export const CONTACT_TOLERANCE = 0.005;
/** A body moves when its speed exceeds REST_SPEED (m/s) or its spin REST_SPIN (rad/s). */
export const REST_SPEED = 0.1;
export const REST_SPIN = 1;

export interface SimulateOptions {
  /** Record Trajectory.contacts (costs a narrow-phase query per body and frame). */
  contacts?: boolean;
}

/** Distance (m) within which Rapier creates speculative contacts (its default, 0.02, lets fast bodies sink in). */
export const CONTACT_PREDICTION_DISTANCE = 0.2;

/** The floor as (normal, offset) with normal . x = offset on the plane, in the simulation frame. */
export const SIM_FLOOR: readonly [number, number, number, number] = [0, 1, 0, 0];

let initPromise: Promise<void> | null = null;
let initialised = false;

/** Initialises the Rapier WASM module (once; later calls return the same promise). */
export function initPhysics(): Promise<void> {
  initPromise ??= RAPIER.init().then(() => {
    initialised = true;
  });
  return initPromise;
}

/** Physics parameters of a (validated) config. */
export function physicsParams(cfg: ResolvedBenchmarkConfig): PhysicsParams {
  const p: PhysicsParams = { dt: cfg.dt, gravity: cfg.gravity, friction: cfg.friction, restitution: cfg.restitution, density: cfg.density };
  if (cfg.windStrength) p.windStrength = cfg.windStrength;
  return p;
}

/** Mass in tonnes of a body of the given mesh and scale. */
export function bodyMass(mesh: MeshDef, scale: number, density: number): number {
  return (density * mesh.volume * scale * scale * scale) / 1000;
}

/**
 * Draws a scene for a config: body count, meshes, scales, random orientations, positions in a disk at drop heights
 * without overlapping bounding spheres, random linear and angular velocities. Uses only arithmetic and sqrt on
 * the generator's draws, so the result is bit-identical on every machine.
 */
export function sampleScene(cfg: ResolvedBenchmarkConfig, rng: Rng): SceneState {
  const n = cfg.bodiesMin + rng.int(cfg.bodiesMax - cfg.bodiesMin + 1);
  const bodies: BodyState[] = [];
  const radii: number[] = [];
  const gap = 0.02;
  for (let i = 0; i < n; i++) {
    const mesh = getMesh(cfg.meshes[rng.int(cfg.meshes.length)]);
    const scale = rng.uniform(cfg.scaleMin, cfg.scaleMax);
    const r = mesh.radius * scale;
    const rotation = rng.unitQuaternion();
    let position: Vec3 = [0, 0, 0];
    let placed = false;
    for (let attempt = 0; attempt < 50 && !placed; attempt++) {
      let x: number;
      let z: number;
      do {
        x = 2 * rng.next() - 1;
        z = 2 * rng.next() - 1;
      } while (x * x + z * z > 1);
      const y = Math.max(rng.uniform(cfg.dropHeightMin, cfg.dropHeightMax), r + gap);
      position = [x * cfg.spawnRadius, y, z * cfg.spawnRadius];
      placed = bodies.every((b, j) => {
        const d0 = b.position[0] - position[0];
        const d1 = b.position[1] - position[1];
        const d2 = b.position[2] - position[2];
        const min = radii[j] + r + gap;
        return d0 * d0 + d1 * d1 + d2 * d2 > min * min;
      });
    }
    if (!placed) {
      // Crowded: stack above everything placed so far.
      let top = 0;
      for (let j = 0; j < bodies.length; j++) top = Math.max(top, bodies[j].position[1] + radii[j]);
      position = [position[0], top + r + gap, position[2]];
    }
    const lv = rng.inBall();
    const av = rng.inBall();
    bodies.push({
      mesh: mesh.name,
      scale,
      position,
      rotation,
      linvel: [lv[0] * cfg.maxLinearSpeed, lv[1] * cfg.maxLinearSpeed, lv[2] * cfg.maxLinearSpeed],
      angvel: [av[0] * cfg.maxAngularSpeed, av[1] * cfg.maxAngularSpeed, av[2] * cfg.maxAngularSpeed],
    });
    radii.push(r);
  }
  if (cfg.approachSpeed > 0 && n > 1) {
    // aim the bodies at each other: add a horizontal velocity of approachSpeed towards the bodies' mean position
    let mx = 0;
    let mz = 0;
    for (const b of bodies) {
      mx += b.position[0] / n;
      mz += b.position[2] / n;
    }
    for (const b of bodies) {
      const dx = mx - b.position[0];
      const dz = mz - b.position[2];
      const len = Math.sqrt(dx * dx + dz * dz);
      if (len < 1e-6) continue;
      b.linvel = [b.linvel[0] + (cfg.approachSpeed * dx) / len, b.linvel[1], b.linvel[2] + (cfg.approachSpeed * dz) / len];
    }
  }
  return { bodies };
}

/**
 * Simulates a scene from an explicit initial state for `frames` frames (frame 0 = the initial state as stored by
 * the engine in f32). Requires `await initPhysics()` first; see `simulateScene` for the async form.
 */
export function simulateSceneSync(scene: SceneState, params: PhysicsParams, frames: number, opts: SimulateOptions = {}): Trajectory {
  if (!initialised) throw new Error('Rapier is not initialised; call `await initPhysics()` first (or use simulateScene)');
  if (!Number.isInteger(frames) || frames < 1) throw new Error(`simulateScene: frames must be an integer >= 1 (got ${frames})`);
  const nb = scene.bodies.length;
  const world = new RAPIER.World({ x: 0, y: -params.gravity, z: 0 });
  try {
    world.timestep = params.dt;
    // Speculative contacts within 20 cm: bodies arriving at up to ~8 m/s (0.13 m per 1/60 s step) are caught before
    // they sink in. Rapier's default (2 cm) let them penetrate the floor by 6.5 cm (median scene, worst 15 cm);
    // with 0.2 m the median scene's deepest penetration is under 1 mm (worst 3 cm), at no measurable cost.
    world.integrationParameters.normalizedPredictionDistance = CONTACT_PREDICTION_DISTANCE;
    const floor = world.createRigidBody(RAPIER.RigidBodyDesc.fixed());
    const floorCollider = world.createCollider(
      new RAPIER.ColliderDesc(new RAPIER.HalfSpace({ x: SIM_FLOOR[0], y: SIM_FLOOR[1], z: SIM_FLOOR[2] }))
        .setFriction(params.friction)
        .setRestitution(params.restitution),
      floor,
    );
    const meshes: MeshDef[] = [];
    const handles: RAPIER.RigidBody[] = [];
    const colliders: RAPIER.Collider[] = [];
    for (const b of scene.bodies) {
      const mesh = getMesh(b.mesh);
      if (!(b.scale > 0)) throw new Error(`simulateScene: body scale must be > 0 (got ${b.scale})`);
      const pts = new Float32Array(mesh.vertices.length);
      for (let i = 0; i < pts.length; i++) pts[i] = mesh.vertices[i] * b.scale;
      const desc = RAPIER.ColliderDesc.convexHull(pts);
      if (!desc) throw new Error(`simulateScene: Rapier could not build the convex hull of mesh ${b.mesh}`);
      const [qx, qy, qz, qw] = b.rotation;
      const body = world.createRigidBody(
        RAPIER.RigidBodyDesc.dynamic()
          .setTranslation(b.position[0], b.position[1], b.position[2])
          .setRotation({ x: qx, y: qy, z: qz, w: qw })
          .setLinvel(b.linvel[0], b.linvel[1], b.linvel[2])
          .setAngvel({ x: b.angvel[0], y: b.angvel[1], z: b.angvel[2] }),
      );
      colliders.push(world.createCollider(desc.setDensity(params.density).setFriction(params.friction).setRestitution(params.restitution), body));
      const wind = params.windStrength ?? 0;
      if (wind !== 0) {
        // a persistent user force (Rapier keeps it until resetForces): mass * windStrength * 0.5 / scale newtons along +x
        body.addForce({ x: body.mass() * wind * (0.5 / b.scale), y: 0, z: 0 }, true);
      }
      meshes.push(mesh);
      handles.push(body);
    }
    const positions = new Float64Array(frames * nb * 3);
    const rotations = new Float64Array(frames * nb * 4);
    const record = (f: number): void => {
      for (let i = 0; i < nb; i++) {
        const t = handles[i].translation();
        const q = handles[i].rotation();
        const p = (f * nb + i) * 3;
        positions[p] = t.x;
        positions[p + 1] = t.y;
        positions[p + 2] = t.z;
        const r = (f * nb + i) * 4;
        rotations[r] = q.x;
        rotations[r + 1] = q.y;
        rotations[r + 2] = q.z;
        rotations[r + 3] = q.w;
      }
    };
    const contacts = opts.contacts ? new Uint8Array(frames) : undefined;
    const touching = (a: RAPIER.Collider, b: RAPIER.Collider): boolean => {
      let hit = false;
      world.contactPair(a, b, (m) => {
        // within the tolerance, or pushed apart during the step (fast impacts are resolved speculatively, with
        // the shapes still a centimetre apart at both frame boundaries)
        for (let k = 0; k < m.numContacts() && !hit; k++) if (m.contactDist(k) <= CONTACT_TOLERANCE || m.contactImpulse(k) > 0) hit = true;
      });
      return hit;
    };
    const colliderBody = new Map(colliders.map((c, i) => [c.handle, i]));
    const moving = (i: number): boolean => {
      const v = handles[i].linvel();
      const w = handles[i].angvel();
      return v.x * v.x + v.y * v.y + v.z * v.z > REST_SPEED * REST_SPEED || w.x * w.x + w.y * w.y + w.z * w.z > REST_SPIN * REST_SPIN;
    };
    const recordContacts = (f: number): void => {
      let bits = 0;
      const move = Array.from({ length: nb }, (_, i) => moving(i));
      for (let i = 0; i < nb; i++) {
        world.contactPairsWith(colliders[i], (other) => {
          if (other.handle === floorCollider.handle) {
            if (touching(colliders[i], other)) bits |= TOUCH_FLOOR | (move[i] ? CONTACT_FLOOR : 0);
            return;
          }
          const j = colliderBody.get(other.handle);
          if (j === undefined || j < i) return; // each pair once
          if (touching(colliders[i], other)) bits |= TOUCH_BODY | (move[i] || move[j] ? CONTACT_BODY : 0);
        });
      }
      contacts![f] = bits;
    };
    record(0);
    for (let f = 1; f < frames; f++) {
      world.step();
      record(f);
      if (contacts) recordContacts(f);
    }
    return {
      frames,
      bodyCount: nb,
      meshes,
      scales: scene.bodies.map((b) => b.scale),
      masses: scene.bodies.map((b, i) => bodyMass(meshes[i], b.scale, params.density)),
      positions,
      rotations,
      ...(contacts ? { contacts } : {}),
    };
  } finally {
    world.free();
  }
}

/** Async form of simulateSceneSync that initialises Rapier if needed. */
export async function simulateScene(scene: SceneState, params: PhysicsParams, frames: number, opts: SimulateOptions = {}): Promise<Trajectory> {
  await initPhysics();
  return simulateSceneSync(scene, params, frames, opts);
}

/**
 * Writes the world coordinates of body `body`'s vertices at `frame` into out[offset ...] (vertexCount * 3 values):
 * x = R(q) (scale * v) + p.
 */
export function writeWorldVertices(traj: Trajectory, frame: number, body: number, out: Float32Array | Float64Array, offset: number): void {
  const mesh = traj.meshes[body];
  const s = traj.scales[body];
  const pi = (frame * traj.bodyCount + body) * 3;
  const qi = (frame * traj.bodyCount + body) * 4;
  const px = traj.positions[pi];
  const py = traj.positions[pi + 1];
  const pz = traj.positions[pi + 2];
  const qx = traj.rotations[qi];
  const qy = traj.rotations[qi + 1];
  const qz = traj.rotations[qi + 2];
  const qw = traj.rotations[qi + 3];
  const v = mesh.vertices;
  for (let j = 0; j < mesh.vertexCount; j++) {
    const vx = v[3 * j] * s;
    const vy = v[3 * j + 1] * s;
    const vz = v[3 * j + 2] * s;
    // v' = v + 2 w (q x v) + 2 q x (q x v)
    const cx = qy * vz - qz * vy;
    const cy = qz * vx - qx * vz;
    const cz = qx * vy - qy * vx;
    const ddx = qy * cz - qz * cy;
    const ddy = qz * cx - qx * cz;
    const ddz = qx * cy - qy * cx;
    out[offset + 3 * j] = vx + 2 * (qw * cx + ddx) + px;
    out[offset + 3 * j + 1] = vy + 2 * (qw * cy + ddy) + py;
    out[offset + 3 * j + 2] = vz + 2 * (qw * cz + ddz) + pz;
  }
}

/**
 * The scene moved rigidly by a proper rotation + translation g: positions x -> R x + t, orientations q -> q_R q,
 * linear and angular velocities rotated. The simulation frame's gravity and floor stay put, so the moved scene
 * evolves like the moved trajectory only when g fixes them (rotations about the vertical axis, horizontal
 * translations). Reflections are refused: they would mirror the (chiral) meshes.
 */
export function transformSceneState(scene: SceneState, g: E3): SceneState {
  if (isReflection(g)) throw new Error('transformSceneState: g is a reflection; pass a proper rotation (mirrored meshes are not in the library)');
  const qg = matrixToQuaternion(g.rotation);
  const mul = (a: Quat, b: Quat): Quat => [
    a[3] * b[0] + a[0] * b[3] + a[1] * b[2] - a[2] * b[1],
    a[3] * b[1] - a[0] * b[2] + a[1] * b[3] + a[2] * b[0],
    a[3] * b[2] + a[0] * b[1] - a[1] * b[0] + a[2] * b[3],
    a[3] * b[3] - a[0] * b[0] - a[1] * b[1] - a[2] * b[2],
  ];
  return {
    bodies: scene.bodies.map((b) => ({
      ...b,
      position: applyE3(g, b.position),
      rotation: mul(qg, b.rotation),
      linvel: rotateVector(g, b.linvel),
      angvel: rotateVector(g, b.angvel),
    })),
  };
}
