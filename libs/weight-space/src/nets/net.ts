/**
 * What the weight-space trainer sees of a network. `predict` builds its own input tensors from the examples and
 * returns (N, T) predicted targets; it is called inside tf.tidy / tf.variableGrads.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelAccounting } from '@equiscale/benchmark';
import type { WeightSpaceDims } from '../accounting.js';
import type { WeightSpaceExamples } from '../generate.js';
import { KeyedRng } from '../rng.js';

export interface WeightSpaceNet {
  readonly family: string;
  readonly variables: tf.Variable[];
  readonly summary: ModelAccounting<WeightSpaceDims>;
  predict(ex: WeightSpaceExamples): tf.Tensor2D;
  dispose(): void;
}

let created = 0;

/** Deterministic uniform initialisation U(-bound, bound) from a keyed stream. */
export class Init {
  private rng: KeyedRng;
  readonly variables: tf.Variable[] = [];

  constructor(seed: number, family: string) {
    this.rng = new KeyedRng('equiscale/weight-space/init', seed, family);
  }

  uniform(shape: number[], bound: number, name: string): tf.Variable {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (2 * this.rng.next() - 1) * bound;
    const v = tf.variable(tf.tensor(data, shape), true, `ws_${name}_${created++}`); // tfjs needs unique variable names
    this.variables.push(v);
    return v;
  }

  zeros(shape: number[], name: string): tf.Variable {
    return this.uniform(shape, 0, name);
  }
}
