/**
 * The internal network interface both families implement (transformer/, gatr/). The trainer only sees this.
 *
 * - `variables`: every trainable tensor, in a fixed order (the checkpoint stores them in this order).
 * - `predict(ex)`: builds its own input tensors from the padded Examples (N, B, V, ...) and returns the
 *   predicted vertex positions at t+h, shape (N, B, V, 3). Called inside tf.tidy / tf.variableGrads, so
 *   every intermediate tensor it creates is released by the caller's scope.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Examples } from '@equiscale/rigid-body';
import type { FamilyName, ModelSummary } from '../api.js';

export interface Net {
  readonly family: FamilyName;
  readonly variables: tf.Variable[];
  readonly summary: ModelSummary;
  predict(ex: Examples): tf.Tensor;
  /** gatr+approx: switch the learned symmetry-breaking inputs on (default) or off (the exactly equivariant model). */
  setSymmetryBreaking?(on: boolean): void;
  /**
   * transformer+lps: which noise the next predict() calls use: a training step's own draw (seeded by the trial
   * seed and the step), or null for the fixed evaluation draw.
   */
  setNoiseStep?(step: number | null): void;
  /** Releases the variables. */
  dispose(): void;
}
