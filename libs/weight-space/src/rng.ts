/**
 * Keyed pseudo-random numbers for the weight-space data (xoshiro128**, state = the first 128 bits of sha256 of the
 * key). Only integer arithmetic and one exact division per draw, so a key gives the same numbers on every machine.
 * (The rigid-body library has the same generator; importing it would load Rapier, so this benchmark keeps its own
 * until the generator moves to a shared library.)
 */
import { createHash } from 'node:crypto';

export class KeyedRng {
  private s = new Uint32Array(4);

  constructor(...key: (string | number)[]) {
    const d = createHash('sha256').update(JSON.stringify(key)).digest();
    for (let i = 0; i < 4; i++) this.s[i] = d.readUInt32LE(4 * i);
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 0x9e3779b9;
  }

  nextU32(): number {
    const s = this.s;
    const m = Math.imul(s[1], 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 11) | (s[3] >>> 21);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
