import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HuberLogObjective } from './approach3.js';
import { lbfgs, LbfgsWorkspace } from './lbfgs.js';
import { synthesizeRuns } from './synthetic.js';

const rosenbrock = (x: Float64Array, g: Float64Array) => {
  const a = 1 - x[0];
  const b = x[1] - x[0] * x[0];
  g[0] = -2 * a - 400 * x[0] * b;
  g[1] = 200 * b;
  return a * a + 100 * b * b;
};

test('L-BFGS minimises the Rosenbrock function from the classic start', () => {
  const r = lbfgs(rosenbrock, [-1.2, 1], { ftol: 1e-15, gtol: 1e-8 });
  assert.ok(r.converged, r.status);
  assert.ok(Math.abs(r.x[0] - 1) < 1e-5 && Math.abs(r.x[1] - 1) < 1e-5, `x = ${r.x}`);
});

test('L-BFGS solves an ill-conditioned quadratic to the gradient tolerance', () => {
  const h = [1, 10, 100, 1000, 1e4];
  const fn = (x: Float64Array, g: Float64Array) => {
    let f = 0;
    for (let i = 0; i < 5; i++) {
      f += 0.5 * h[i] * (x[i] - i) ** 2;
      g[i] = h[i] * (x[i] - i);
    }
    return f;
  };
  const ws = new LbfgsWorkspace(5);
  const x = new Float64Array([5, 5, 5, 5, 5]);
  const r = ws.minimize(fn, x, { ftol: 0, gtol: 1e-9 });
  assert.equal(r.status, 'gtol');
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(x[i] - i) < 1e-8, `x[${i}] = ${x[i]}`);
  assert.ok(r.gradNorm <= 1e-9);
});

test('L-BFGS stops by the scipy-style relative reduction test (ftol) when asked loosely', () => {
  const r = lbfgs(rosenbrock, [-1.2, 1], { ftol: 1e-3, gtol: 0 });
  assert.equal(r.status, 'ftol');
  assert.ok(r.converged);
});

test('L-BFGS reports maxiter and a non-finite start', () => {
  assert.equal(lbfgs(rosenbrock, [-1.2, 1], { maxIter: 3, gtol: 0, ftol: 0 }).status, 'maxiter');
  const r = lbfgs((_x, g) => {
    g.fill(0);
    return NaN;
  }, [0]);
  assert.equal(r.status, 'nonfinite');
  assert.equal(r.converged, false);
});

test('the Huber objective gradient matches central finite differences', () => {
  const runs = synthesizeRuns({ E: 1.7, A: 400, B: 400, alpha: 0.34, beta: 0.28 }, { nSizes: [1e7, 1e8, 1e9], dSizes: [1e9, 1e10, 1e11], noise: 0.02 });
  const obj = new HuberLogObjective(runs, 1e-3);
  obj.w[2] = 3; // weights (bootstrap counts) take part in the gradient
  obj.w[4] = 0;
  for (const x0 of [[6, 6, 0.5, 0.3, 0.3], [1, 9, -0.4, 0.1, 0.5], [6.0, 6.0, 0.53, 0.34, 0.28]]) {
    const x = Float64Array.from(x0);
    const g = new Float64Array(5);
    obj.evaluate(x, g);
    const tmp = new Float64Array(5);
    for (let k = 0; k < 5; k++) {
      const h = 1e-7;
      const xp = Float64Array.from(x);
      const xm = Float64Array.from(x);
      xp[k] += h;
      xm[k] -= h;
      const fd = (obj.evaluate(xp, tmp) - obj.evaluate(xm, tmp)) / (2 * h);
      assert.ok(Math.abs(fd - g[k]) <= 1e-5 * Math.max(1, Math.abs(g[k])), `d/dx${k}: analytic ${g[k]} vs numeric ${fd}`);
    }
  }
});
