import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GEOMETRIC_PRODUCT,
  JOIN,
  OUTER_PRODUCT,
  add,
  bladeIndexByName,
  countNonzeros,
  dual,
  embedDirection,
  embedPlane,
  embedPoint,
  embedPseudoscalar,
  embedRotation,
  embedScalar,
  embedTranslation,
  extractPlaneNormal,
  extractPoint,
  extractPseudoscalar,
  extractRotation,
  extractScalar,
  extractTranslation,
  geometricProduct,
  innerProduct,
  join,
  makeRng,
  multivector,
  outerProduct,
  pinToEuclidean,
  samplePin,
  sandwich,
  type Multivector,
} from './index.js';

const e = (name: string, coeff = 1): Multivector => multivector({ [bladeIndexByName(name)]: coeff });
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-9): void => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};
const ONE = multivector({ 0: 1 });

describe('G(3,0,1) tables', () => {
  it('has 192 geometric-product and 81 outer-product and 81 join nonzeros', () => {
    assert.equal(countNonzeros(GEOMETRIC_PRODUCT), 192);
    assert.equal(countNonzeros(OUTER_PRODUCT), 81);
    assert.equal(countNonzeros(JOIN), 81);
  });

  it('geometric product matches the spec test vectors', () => {
    const cases: [string, string, string, number][] = [
      ['e1', 'e2', 'e12', 1],
      ['e2', 'e1', 'e12', -1],
      ['e12', 'e12', '1', -1],
      ['e123', 'e123', '1', -1],
      ['e0', 'e1', 'e01', 1],
      ['e1', 'e0', 'e01', -1],
      ['e23', 'e1', 'e123', 1],
      ['e0123', 'e1', 'e023', 1],
      ['e123', 'e0', 'e0123', -1],
    ];
    for (const [a, b, out, sign] of cases) close(geometricProduct(e(a), e(b)), e(out, sign));
    close(geometricProduct(e('e0'), e('e0')), multivector());
  });

  it('a product vanishes exactly when both blades contain e0', () => {
    for (let j = 0; j < 16; j++) {
      for (let k = 0; k < 16; k++) {
        const p = geometricProduct(multivector({ [j]: 1 }), multivector({ [k]: 1 }));
        const zero = p.every((v) => v === 0);
        const bothE0 = [1, 5, 6, 7, 11, 12, 13, 15].includes(j) && [1, 5, 6, 7, 11, 12, 13, 15].includes(k);
        assert.equal(zero, bothE0, `e_${j} e_${k}`);
      }
    }
  });

  it('outer product is antisymmetric on vectors and zero on shared generators', () => {
    close(outerProduct(e('e1'), e('e2')), e('e12'));
    close(outerProduct(e('e2'), e('e1')), e('e12', -1));
    close(outerProduct(e('e12'), e('e1')), multivector());
    close(outerProduct(e('e0'), e('e123')), e('e0123'));
  });

  it('dual satisfies e_A ^ dual(e_A) = +e0123', () => {
    for (let i = 0; i < 16; i++) {
      const x = multivector({ [i]: 1 });
      close(outerProduct(x, dual(x)), e('e0123'));
    }
  });

  it('join matches the spec test vectors', () => {
    const ref = e('e123');
    close(join(embedPoint([0, 0, 0]), embedPoint([1, 0, 0]), ref), e('e23'));
    const j = join(embedPoint([1, 2, 3]), embedPoint([4, 5, 6]), ref);
    const expected = multivector();
    for (const [name, v] of [['e01', -3], ['e02', 6], ['e03', -3], ['e12', 3], ['e13', -3], ['e23', 3]] as const) {
      expected[bladeIndexByName(name)] = v;
    }
    close(j, expected);
    // the reference scale multiplies the result
    close(join(embedPoint([0, 0, 0]), embedPoint([1, 0, 0]), e('e123', -2)), e('e23', -2));
  });

  it('inner product ignores blades containing e0', () => {
    const x = Float64Array.from({ length: 16 }, (_, i) => i + 1);
    assert.equal(innerProduct(x, x), [0, 2, 3, 4, 8, 9, 10, 14].reduce((s, i) => s + (i + 1) ** 2, 0));
  });
});

describe('embeddings', () => {
  it('round-trips every object type', () => {
    assert.equal(extractScalar(embedScalar(2.5)), 2.5);
    assert.equal(extractPseudoscalar(embedPseudoscalar(-1.5)), -1.5);
    close(extractPoint(embedPoint([1, -2, 3])), [1, -2, 3]);
    close(extractTranslation(embedTranslation([0.5, 4, -1])), [0.5, 4, -1]);
    close(extractTranslation(embedDirection([0.5, 4, -1])), [0.5, 4, -1]);
    close(extractRotation(embedRotation([0.1, 0.2, 0.3, 0.9])), [0.1, 0.2, 0.3, 0.9]);
    close(extractPlaneNormal(embedPlane([0, 0, 1], [5, 5, 2])), [0, 0, 1]);
    assert.equal(embedPlane([0, 0, 1], [5, 5, 2])[1], -2);
  });

  it('extractPoint is invariant to the projective scale, including its sign', () => {
    close(extractPoint(Float64Array.from(embedPoint([1, 2, 3]), (v) => -3 * v)), [1, 2, 3]);
  });
});

describe('Pin(3,0,1) action', () => {
  it('a translation moves an embedded point by t', () => {
    const moved = sandwich(embedPoint([1, 2, 3]), embedTranslation([0.5, -1, 2]));
    close(extractPoint(moved), [1.5, 1, 5]);
  });

  it('the rotor from embedRotation rotates a point', () => {
    // 90 degrees about z: quaternion (0, 0, sin 45, cos 45); maps x to y.
    const s = Math.SQRT1_2;
    const moved = sandwich(embedPoint([1, 0, 0]), embedRotation([0, 0, s, s]));
    close(extractPoint(moved), [0, 1, 0], 1e-12);
  });

  it('a reflection in the plane x = 0 mirrors points and planes; a point keeps its position', () => {
    const mirror = embedPlane([1, 0, 0], [0, 0, 0]);
    close(extractPoint(sandwich(embedPoint([2, 3, 4]), mirror)), [-2, 3, 4]);
    close(extractPlaneNormal(sandwich(embedPlane([1, 1, 0], [0, 0, 0]), mirror)), [-1, 1, 0]);
    close(extractTranslation(sandwich(embedDirection([1, 2, 3]), mirror)), [-1, 2, 3]);
  });

  it('acts as an algebra automorphism up to the documented signs and is linear', () => {
    const rng = makeRng(7);
    for (let n = 0; n < 20; n++) {
      const u = samplePin(rng, 'general');
      const x = Float64Array.from({ length: 16 }, () => rng.normal());
      const y = Float64Array.from({ length: 16 }, () => rng.normal());
      close(sandwich(add(x, y), u), add(sandwich(x, u), sandwich(y, u)), 1e-9);
      // the group action preserves the invariant inner product
      assert.ok(Math.abs(innerProduct(sandwich(x, u), sandwich(y, u)) - innerProduct(x, y)) < 1e-8);
      // and the scalar 1
      close(sandwich(ONE, u), ONE, 1e-9);
    }
  });

  it('induces the Euclidean motion that pinToEuclidean reports, orthogonal with det +-1', () => {
    const rng = makeRng(3);
    for (const kind of ['general', 'rotation', 'reflection', 'translation'] as const) {
      for (let n = 0; n < 5; n++) {
        const u = samplePin(rng, kind);
        const { rotation: q, translation: t } = pinToEuclidean(u);
        const qqT = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => q[r * 3]! * q[c * 3]! + q[r * 3 + 1]! * q[c * 3 + 1]! + q[r * 3 + 2]! * q[c * 3 + 2]!));
        close(qqT, [1, 0, 0, 0, 1, 0, 0, 0, 1], 1e-9);
        const det =
          q[0]! * (q[4]! * q[8]! - q[5]! * q[7]!) - q[1]! * (q[3]! * q[8]! - q[5]! * q[6]!) + q[2]! * (q[3]! * q[7]! - q[4]! * q[6]!);
        if (kind === 'rotation' || kind === 'translation') assert.ok(Math.abs(det - 1) < 1e-9);
        if (kind === 'reflection') assert.ok(Math.abs(det + 1) < 1e-9);
        const p = [rng.normal(), rng.normal(), rng.normal()];
        const expected = [0, 1, 2].map((r) => q[r * 3]! * p[0]! + q[r * 3 + 1]! * p[1]! + q[r * 3 + 2]! * p[2]! + t[r]!);
        close(extractPoint(sandwich(embedPoint(p), u)), expected, 1e-9);
      }
    }
  });
});
