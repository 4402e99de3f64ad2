/**
 * Training data order: each epoch is a seeded permutation of the training set (a pure function of
 * (seed, epoch), drawn from a keyed stream); batches take the next batchSize indices and run across epoch boundaries. The whole
 * position is (epoch, cursor), which the checkpoint stores.
 */
import { Rng } from '@equiscale/rigid-body';

export interface DataPosition {
  epoch: number;
  cursor: number;
}

export class DataOrder {
  private perm: Int32Array;
  private epochOfPerm: number;

  constructor(
    private readonly n: number,
    private readonly seed: number,
    private pos: DataPosition = { epoch: 0, cursor: 0 },
  ) {
    if (!(Number.isInteger(n) && n >= 1)) throw new Error(`training set must hold at least one example (got ${n})`);
    this.epochOfPerm = pos.epoch;
    this.perm = this.permFor(pos.epoch);
  }

  private permFor(epoch: number): Int32Array {
    const p = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) p[i] = i;
    return Rng.fromKey('equiscale-data-order', this.seed, epoch).shuffle(p);
  }

  get position(): DataPosition {
    return { ...this.pos };
  }

  next(batchSize: number): Int32Array {
    const out = new Int32Array(batchSize);
    for (let i = 0; i < batchSize; i++) {
      if (this.pos.cursor >= this.n) {
        this.pos = { epoch: this.pos.epoch + 1, cursor: 0 };
      }
      if (this.epochOfPerm !== this.pos.epoch) {
        this.perm = this.permFor(this.pos.epoch);
        this.epochOfPerm = this.pos.epoch;
      }
      out[i] = this.perm[this.pos.cursor++];
    }
    return out;
  }
}
