/** The `mlp` family (and `mlp+permute`, the same network trained on permuted INRs): an MLP on the flattened, block-standardized INR weights. */
import * as tf from '@tensorflow/tfjs';
import { linear } from '@equiscale/models';
import { mlpLayers, summarizeWeightSpace, type MlpDims, type WeightSpaceShapes } from '../accounting.js';
import type { WeightSpaceExamples } from '../generate.js';
import { standardizedParams, type InputStats } from './features.js';
import { Init, type WeightSpaceNet } from './net.js';

export function createMlpNet(family: string, dims: MlpDims, shapes: WeightSpaceShapes, seed: number, stats: InputStats): WeightSpaceNet {
  const summary = summarizeWeightSpace(family, dims, shapes);
  const init = new Init(seed, family);
  const layers = mlpLayers(dims, shapes).map(([a, b], i, all) => ({
    w: init.uniform([a, b], i === all.length - 1 ? Math.sqrt(3 / a) * 0.1 : Math.sqrt(6 / a), `mlp_w${i}`),
    b: init.zeros([b], `mlp_b${i}`),
  }));
  const T = shapes.targetCount;
  return {
    family,
    variables: init.variables,
    summary,
    predict(ex: WeightSpaceExamples): tf.Tensor2D {
      if (ex.paramCount !== layers[0].w.shape[0]) throw new Error(`mlp: examples have ${ex.paramCount} parameters, the net was built for ${layers[0].w.shape[0]}`);
      let x = tf.tensor2d(standardizedParams(ex, stats), [ex.count, ex.paramCount]);
      layers.forEach((l, i) => {
        x = linear(x, l.w as tf.Tensor2D, l.b as tf.Tensor1D, i < layers.length - 1 ? 'relu' : 'linear');
      });
      return tf.add(tf.mul(x, tf.tensor2d(stats.targetStd, [1, T])), tf.tensor2d(stats.targetMean, [1, T])) as tf.Tensor2D;
    },
    dispose() {
      tf.dispose(init.variables);
    },
  };
}
