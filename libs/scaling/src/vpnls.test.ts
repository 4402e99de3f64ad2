import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitApproach3, type LawParams } from './approach3.js';
import { logSpace } from './frontier.js';
import { synthesizeRuns } from './synthetic.js';
import { crossCheck, fitVpnls, nnls3 } from './vpnls.js';

const LAW: LawParams = { E: 0.5, A: 2000, B: 50, alpha: 0.7, beta: 0.25 };
const design = { nSizes: logSpace(1e5, 1e8, 7), dSizes: logSpace(1e5, 1e9, 7) };

test('variable projection recovers a noise-free law closely', () => {
  const vp = fitVpnls(synthesizeRuns(LAW, { ...design, noise: 0 }));
  for (const k of ['E', 'alpha', 'beta'] as const) assert.ok(Math.abs(vp[k] / LAW[k] - 1) < 1e-3, `${k} = ${vp[k]}`);
  assert.ok(Math.abs(vp.A / LAW.A - 1) < 0.02 && Math.abs(vp.B / LAW.B - 1) < 0.02, `A ${vp.A}, B ${vp.B}`);
  assert.equal(vp.atEdge, false);
});

test('NNLS over (E, A, B) keeps coefficients non-negative', () => {
  // y = 1 − u fits best with a negative A; NNLS must return A = 0 instead.
  const u = [0.1, 0.2, 0.3, 0.4];
  const v = [1, 0.5, 0.2, 0.9];
  const y = u.map((x) => 1 - x);
  const s = { n: 4, u: 0, v: 0, uu: 0, vv: 0, uv: 0, y: 0, uy: 0, vy: 0, yy: 0 };
  u.forEach((ui, i) => {
    const vi = v[i];
    s.u += ui; s.v += vi; s.uu += ui * ui; s.vv += vi * vi; s.uv += ui * vi;
    s.y += y[i]; s.uy += ui * y[i]; s.vy += vi * y[i]; s.yy += y[i] * y[i];
  });
  const r = nnls3(s);
  assert.ok(r.x.every((c) => c >= 0), `x = ${r.x}`);
  assert.equal(r.x[1], 0);
});

test('cross-check agrees with approach 3 on a planted law and flags a planted disagreement', () => {
  const runs = synthesizeRuns(LAW, { ...design, noise: 0.005, rng: 2 });
  const fit = fitApproach3(runs, { grid: { a: [0, 5, 10], b: [0, 5], e: [-2, 0], alpha: [0.5, 1], beta: [0.5] } });
  const ok = crossCheck(fit, runs);
  assert.equal(ok.disagree, false, ok.message);
  const wrong = crossCheck({ ...fit, alpha: fit.alpha * 1.5 }, runs);
  assert.equal(wrong.disagree, true);
  assert.match(wrong.message, /alpha differs by/);
});
