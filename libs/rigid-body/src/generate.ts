/**
 * Dataset generation: scenes -> trajectories -> examples. Scene i of split s is seeded from
 * (benchmark seed, s, i) alone, so splits are disjoint, and a split's examples are the concatenation of its
 * scenes' examples in scene order: the first n examples never depend on how many more are generated.
 */
import { validateBenchmarkConfig, type ResolvedBenchmarkConfig } from './config.js';
import { allocExamples } from './examples.js';
import { BODY_FEATURES, MAX_VERTS } from './meshes.js';
import { Rng } from './rng.js';
import { initPhysics, physicsParams, sampleScene, simulateSceneSync, writeWorldVertices, type SceneState } from './simulate.js';
import type { BenchmarkConfig, Examples } from './types.js';

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/** Bumped whenever generation would produce different data for the same config (invalidates caches). */
export const GENERATOR_VERSION = 3;

/** The generator of scene `index` of `split` (its draws define the scene and its example frames). */
export function sceneRng(cfg: BenchmarkConfig, split: Split, index: number): Rng {
  return Rng.fromKey('equiscale/rigid-body/scene', GENERATOR_VERSION, cfg.seed, split, index);
}

/** Scene `index` of `split` and the frames t of its examples (sorted, distinct, stratified over the trajectory). */
export function sceneSpec(cfg: ResolvedBenchmarkConfig, split: Split, index: number): { scene: SceneState; frames: number[] } {
  const rng = sceneRng(cfg, split, index);
  const scene = sampleScene(cfg, rng);
  const lo = cfg.pastOffset;
  const span = cfg.framesPerScene - cfg.pastOffset - cfg.horizon; // valid t: lo .. lo + span - 1
  const e = cfg.examplesPerScene;
  const frames: number[] = [];
  for (let j = 0; j < e; j++) {
    const a = Math.floor((j * span) / e);
    const b = Math.floor(((j + 1) * span) / e); // stratum [a, b), non-empty since e <= span
    frames.push(lo + a + rng.int(b - a));
  }
  return { scene, frames };
}

/** Fills examples out[at, at + count) from one scene: its examples first .. first + count - 1. */
function writeSceneExamples(
  cfg: ResolvedBenchmarkConfig,
  scene: SceneState,
  frames: number[],
  out: Examples,
  at: number,
  first: number,
  count: number,
  contacts?: Uint8Array,
): void {
  const lastFrame = frames[first + count - 1] + cfg.horizon;
  const traj = simulateSceneSync(scene, physicsParams(cfg), lastFrame + 1, { contacts: contacts !== undefined });
  const B = out.maxBodies;
  const V = out.maxVerts;
  const F = out.bodyFeatureCount;
  for (let e = 0; e < count; e++) {
    const t = frames[first + e];
    const n = at + e;
    for (let b = 0; b < traj.bodyCount; b++) {
      const mesh = traj.meshes[b];
      const base = ((n * B + b) * V) * 3;
      writeWorldVertices(traj, t - cfg.pastOffset, b, out.prev, base);
      writeWorldVertices(traj, t, b, out.curr, base);
      writeWorldVertices(traj, t + cfg.horizon, b, out.target, base);
      out.vertMask.fill(1, (n * B + b) * V, (n * B + b) * V + mesh.vertexCount);
      out.bodyMask[n * B + b] = 1;
      const f = (n * B + b) * F;
      out.bodyFeatures[f + mesh.index] = 1;
      out.bodyFeatures[f + F - 2] = traj.scales[b];
      out.bodyFeatures[f + F - 1] = traj.masses[b];
    }
    if (contacts) {
      // contacts during the prediction interval: the steps into frames t+1 .. t+h
      let bits = 0;
      for (let f = t + 1; f <= t + cfg.horizon; f++) bits |= traj.contacts![f];
      contacts[e] = bits;
    }
    out.gravity[n * 3 + 1] = -cfg.gravity;
    out.floor[n * 4 + 1] = 1;
  }
}

export interface GenerateOptions {
  /** Called after each scene with (examples done, examples total). */
  onProgress?: (done: number, total: number) => void;
  /**
   * When given (length >= count): per example, the contact bits (CONTACT_FLOOR | CONTACT_BODY of simulate.ts) of
   * the steps into frames t+1 .. t+h, i.e. whether a body touches the floor / another body within the horizon.
   */
  contacts?: Uint8Array;
}

/**
 * Examples [start, start + count) of a split's example stream. Example i comes from scene
 * floor(i / examplesPerScene), so any range equals the same range of a longer generation.
 */
export async function generateExamples(
  config: BenchmarkConfig,
  split: Split,
  start: number,
  count: number,
  opts: GenerateOptions = {},
): Promise<Examples> {
  const cfg = validateBenchmarkConfig(config);
  if (!SPLITS.includes(split)) throw new Error(`generateExamples: split must be one of ${SPLITS.join(', ')} (got ${String(split)})`);
  if (!Number.isInteger(start) || start < 0) throw new Error(`generateExamples: start must be an integer >= 0 (got ${start})`);
  if (!Number.isInteger(count) || count < 0) throw new Error(`generateExamples: count must be an integer >= 0 (got ${count})`);
  if (opts.contacts && opts.contacts.length < count) throw new Error(`generateExamples: opts.contacts must hold ${count} entries (got ${opts.contacts.length})`);
  await initPhysics();
  const out = allocExamples(count, cfg.maxBodies, MAX_VERTS, BODY_FEATURES);
  const E = cfg.examplesPerScene;
  let done = 0;
  while (done < count) {
    const i = start + done;
    const sceneIndex = Math.floor(i / E);
    const first = i - sceneIndex * E;
    const take = Math.min(E - first, count - done);
    const { scene, frames } = sceneSpec(cfg, split, sceneIndex);
    writeSceneExamples(cfg, scene, frames, out, done, first, take, opts.contacts?.subarray(done, done + take));
    done += take;
    opts.onProgress?.(done, count);
  }
  return out;
}
