/**
 * Seeded parameter creation: every layer draws its initial values from one Rng, so a model is a
 * deterministic function of its seed (no tf.random* without a seed).
 */
import * as tf from '@tensorflow/tfjs';
import { makeRng, type Rng } from '../algebra/index.js';

/** Variable names must be unique per tfjs engine; a process-wide counter keeps them so. */
let nextId = 0;

export class ParamFactory {
  readonly variables: tf.Variable[] = [];
  private readonly rng: Rng;

  constructor(seed: number, private readonly prefix = 'gatr') {
    this.rng = makeRng(seed);
  }

  /** A variable with entries uniform in [-bound, bound]; `bounds` may give one bound per last-axis index. */
  uniform(name: string, shape: number[], bound: number | readonly number[]): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    const last = shape[shape.length - 1] ?? 1;
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const b = typeof bound === 'number' ? bound : bound[i % last]!;
      values[i] = (2 * this.rng.uniform() - 1) * b;
    }
    return this.make(name, tf.tensor(values, shape));
  }

  zeros(name: string, shape: number[]): tf.Variable {
    return this.make(name, tf.zeros(shape));
  }

  private make(name: string, init: tf.Tensor): tf.Variable {
    const v = tf.variable(init, true, `${this.prefix}/${nextId++}/${name}`);
    init.dispose();
    this.variables.push(v);
    return v;
  }
}
