/**
 * Seeded pseudo-random numbers (xoshiro128**), our own so that config + seed give the same data on any machine.
 *
 * Everything the scene generator draws uses only +, -, *, / and sqrt (IEEE-exact everywhere); `normal()` uses
 * log/cos (Box–Muller) and is meant for augmentation and model initialisation, not for dataset generation.
 */
import { createHash } from 'node:crypto';

function splitmix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) | 0;
  let z = state.x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function checkSeed(seed: number, field = 'seed'): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`${field} must be a non-negative safe integer (got ${String(seed)}); pass e.g. 0, 1, 42`);
  }
}

/** xoshiro128** generator. Construct with a seed, or with `Rng.fromKey(...)` for a 128-bit keyed stream. */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  constructor(seed: number) {
    checkSeed(seed);
    const st = { x: (seed >>> 0) ^ Math.imul(Math.floor(seed / 0x100000000), 0x27d4eb2f) };
    this.setState(splitmix32(st), splitmix32(st), splitmix32(st), splitmix32(st));
  }

  /**
   * A generator whose whole 128-bit state is derived (sha256) from the key parts, e.g.
   * `Rng.fromKey('scene', benchmarkSeed, 'train', index)`: distinct keys give independent streams without the
   * collisions a 32-bit derived seed would have.
   */
  static fromKey(...parts: (string | number)[]): Rng {
    const digest = createHash('sha256').update(JSON.stringify(parts)).digest();
    const r = new Rng(0);
    r.setState(digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12));
    return r;
  }

  private setState(a: number, b: number, c: number, d: number): void {
    this.s0 = a >>> 0;
    this.s1 = b >>> 0;
    this.s2 = c >>> 0;
    this.s3 = d >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 0x9e3779b9;
    this.spare = null;
  }

  /** A copy with the same state (draws the same sequence). */
  clone(): Rng {
    const r = new Rng(0);
    r.setState(this.s0, this.s1, this.s2, this.s3);
    r.spare = this.spare;
    return r;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    let n2 = (s2 ^ s0) >>> 0;
    let n3 = (s3 ^ s1) >>> 0;
    const n1 = (s1 ^ n2) >>> 0;
    const n0 = (s0 ^ n3) >>> 0;
    n2 = (n2 ^ t) >>> 0;
    n3 = ((n3 << 11) | (n3 >>> 21)) >>> 0;
    this.s0 = n0;
    this.s1 = n1;
    this.s2 = n2;
    this.s3 = n3;
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform double in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Rng.int: n must be a positive integer (got ${n})`);
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller), times std plus mean. */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform point in the unit ball (rejection sampling, arithmetic only). */
  inBall(): [number, number, number] {
    for (;;) {
      const x = 2 * this.next() - 1;
      const y = 2 * this.next() - 1;
      const z = 2 * this.next() - 1;
      if (x * x + y * y + z * z <= 1) return [x, y, z];
    }
  }

  /** Uniform unit vector in 3D (rejection sampling, arithmetic and sqrt only). */
  unitVector(): [number, number, number] {
    for (;;) {
      const [x, y, z] = this.inBall();
      const n2 = x * x + y * y + z * z;
      if (n2 > 1e-6) {
        const n = Math.sqrt(n2);
        return [x / n, y / n, z / n];
      }
    }
  }

  /** Uniformly random rotation as a unit quaternion [x, y, z, w] (rejection in the 4-ball, arithmetic + sqrt). */
  unitQuaternion(): [number, number, number, number] {
    for (;;) {
      const x = 2 * this.next() - 1;
      const y = 2 * this.next() - 1;
      const z = 2 * this.next() - 1;
      const w = 2 * this.next() - 1;
      const n2 = x * x + y * y + z * z + w * w;
      if (n2 <= 1 && n2 > 1e-6) {
        const n = Math.sqrt(n2);
        return [x / n, y / n, z / n, w / n];
      }
    }
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<A extends { length: number; [i: number]: any }>(a: A): A {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
