/**
 * Helpers over the benchmark's padded Examples layout (libs/rigid-body/src/types.ts).
 */
import { checkExamples, type Examples } from '@equiscale/rigid-body';
import type { TaskShapes } from '../api.js';

/** The shapes a model must be built for, read from a set of examples. */
export function shapesOf(ex: Examples): TaskShapes {
  return { maxBodies: ex.maxBodies, maxVerts: ex.maxVerts, bodyFeatureCount: ex.bodyFeatureCount };
}

/** The benchmark's consistency check, with the name of the argument in the error. */
export function checkNamedExamples(ex: Examples, name: string): void {
  if (!ex || typeof ex !== 'object') throw new Error(`${name} must be an Examples object (see @equiscale/rigid-body)`);
  try {
    checkExamples(ex);
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}`, { cause: e });
  }
  if (ex.count < 1) throw new Error(`${name} must hold at least one example (count is ${ex.count})`);
}
