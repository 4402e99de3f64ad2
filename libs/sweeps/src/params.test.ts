/** Kaplan's non-embedding N: the blocks only, below the full count, growing with depth. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gatrBlockParamCount, transformerParamCount } from '@equiscale/models/accounting';
import { nonEmbeddingParamCount } from './params.js';

const shapes = { maxBodies: 4, maxVerts: 8, bodyFeatureCount: 4 };

describe('nonEmbeddingParamCount', () => {
  it('transformer: depth × one block, below the full count (which adds the input embedding and the head)', () => {
    const d = { width: 16, depth: 3, heads: 2, mlpRatio: 4 };
    const n = nonEmbeddingParamCount({ dims: { transformer: d } }, shapes);
    const full = transformerParamCount({ family: 'transformer', ...d }, shapes);
    assert.ok(n > 0 && n < full, `${n} < ${full}`);
    assert.equal(nonEmbeddingParamCount({ dims: { transformer: { ...d, depth: 1 } } }, shapes) * 3, n);
  });

  it('GATr: blocks × the block count', () => {
    const g = { mvChannels: 2, sChannels: 8, blocks: 2, heads: 2 };
    assert.equal(nonEmbeddingParamCount({ dims: { gatr: g } }, shapes), 2 * gatrBlockParamCount(2, 8, 2));
  });
});
