"""Side-by-side reference for fit.bench.ts: the identical approach-3 problem solved with scipy's L-BFGS-B.

Reads JSON {lnN, lnD, lnL, starts, start, resamples:[[weights...]...]} on stdin; prints JSON timings and the
best fit. The objective is the same sum of Huber(delta=1e-3) log-residuals with an analytic gradient (numpy),
so both sides do the same arithmetic; scipy's minimize(method='L-BFGS-B') defaults otherwise.
"""
import json
import sys
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import huber, logsumexp

cfg = json.load(sys.stdin)
lnN = np.array(cfg["lnN"])
lnD = np.array(cfg["lnD"])
lnL = np.array(cfg["lnL"])
DELTA = 1e-3


def fg(p, w):
    a, b, e, al, be = p
    t = np.stack([a - al * lnN, b - be * lnD, np.full_like(lnN, e)])
    lse = logsumexp(t, axis=0)
    r = lse - lnL
    f = np.sum(w * huber(DELTA, r))
    psi = w * np.clip(r, -DELTA, DELTA)
    sm = np.exp(t - lse)
    g = np.array([
        np.sum(psi * sm[0]),
        np.sum(psi * sm[1]),
        np.sum(psi * sm[2]),
        -np.sum(psi * sm[0] * lnN),
        -np.sum(psi * sm[1] * lnD),
    ])
    return f, g


ones = np.ones_like(lnN)
t0 = time.perf_counter()
best = None
converged = 0
nfev = 0
for s in cfg["starts"]:
    res = minimize(fg, np.array(s), args=(ones,), jac=True, method="L-BFGS-B")
    nfev += res.nfev
    if res.success:
        converged += 1
        if best is None or res.fun < best.fun:
            best = res
grid_s = time.perf_counter() - t0

t0 = time.perf_counter()
boot_ok = 0
for w in cfg["resamples"]:
    res = minimize(fg, np.array(cfg["start"]), args=(np.array(w, dtype=float),), jac=True, method="L-BFGS-B",
                   options={"ftol": 1e-15, "gtol": 1e-10})
    boot_ok += int(res.success or np.max(np.abs(res.jac)) <= 1e-5)
boot_s = time.perf_counter() - t0

a, b, e, al, be = best.x
print(json.dumps({
    "grid_s": grid_s, "boot_s": boot_s, "converged": converged, "nfev": nfev, "boot_ok": boot_ok,
    "objective": best.fun, "A": float(np.exp(a)), "B": float(np.exp(b)), "E": float(np.exp(e)),
    "alpha": float(al), "beta": float(be),
}))
