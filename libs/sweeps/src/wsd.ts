/**
 * Warmup-stable-decay (WSD) sweeps: the cells of a family whose schedule is `lr.kind: wsd` become one TRUNK per
 * (family, model size, training-set size, seed) and one BRANCH per step count S (grid `steps`, or the steps an
 * iso-FLOP budget buys). The trunk trains at constant peak rate after warmup and saves a checkpoint at every
 * branch point b(S) = round((1 - f) * S) (`checkpointAt`); it stops at the last branch point (no cooldown of its
 * own). A branch resumes the trunk's checkpoint at b(S) and decays the rate to zero over the last S - b(S) steps
 * (linear or 1 - sqrt). Up to b(S) a branch's schedule equals the trunk's (same warmup, same constant rate), so
 * a branch is exactly a WSD run of S steps, and the trunk's first b(S) steps are shared by all branches.
 *
 * Compute: a branch's `nominalFlops` is the equivalent standalone run (S steps: trunk steps up to b(S) plus the
 * cooldown), which the fits use; `spentNominalFlops` is what the sweep itself spends on the cell (the cooldown
 * only; the whole trunk for a trunk; the run for an independent cell). Trunks are not points for the fits.
 *
 * Warmup is shared by a trunk's branches, so a warmupFraction is taken of the SHORTEST step count of the group.
 */
import type { FamilySettings } from './normalize.js';
import type { TrialCell } from './trial.js';
import { IssueList, type PathSegment } from './issues.js';

/** round((1 - f) * steps): the same rule as @equiscale/models wsdBranchStep (no TensorFlow.js import here). */
export function branchStepOf(steps: number, cooldownFraction: number): number {
  return Math.round((1 - cooldownFraction) * steps);
}

/** The key of the trunk shared by the cells of one (family, size, training-set size, seed). */
export function trunkKey(c: Pick<TrialCell, 'family' | 'sizeLabel' | 'trainSize' | 'seed'>): string {
  return `${c.family}/${c.sizeLabel}/trunk/n${c.trainSize}/seed${c.seed}`;
}

/**
 * Rewrites the cells of WSD families into trunks and branches (other cells pass through unchanged); a trunk is
 * placed before its first branch. `settingsOf(family)` gives the family's normalized settings; problems (a
 * branch point not past the warmup) are added to `issues` with the field to change.
 */
export function applyWsd(
  cells: readonly TrialCell[],
  settingsOf: (family: string) => FamilySettings,
  lrPath: (family: string) => PathSegment[],
  issues: IssueList,
): TrialCell[] {
  const groups = new Map<string, TrialCell[]>();
  for (const c of cells) {
    if (settingsOf(c.family).lr.kind !== 'wsd') continue;
    const k = trunkKey(c);
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  if (groups.size === 0) return [...cells];
  const trunks = new Map<string, TrialCell>();
  const branches = new Map<TrialCell, TrialCell>();
  for (const [key, group] of groups) {
    const first = group[0]!;
    const lr = settingsOf(first.family).lr;
    const f = lr.cooldownFraction;
    const shortest = Math.min(...group.map((c) => c.steps));
    const warmupSteps = lr.warmupSteps ?? Math.floor((lr.warmupFraction ?? 0) * shortest);
    const shape = lr.cooldownShape ?? 'linear';
    const perStep = first.plan.nominalFlopsPerSample * first.training.batchSize;
    const executedPerStep = first.plan.executedFlops / first.steps;
    const points: number[] = [];
    for (const c of group) {
      const b = branchStepOf(c.steps, f);
      if (b <= warmupSteps || b >= c.steps) {
        issues.add(
          [...lrPath(c.family), 'cooldownFraction'],
          `cell ${c.cellKey}: ${c.steps} steps with cooldownFraction ${f} branch at step ${b}, which must be after the ` +
            `${warmupSteps} warmup steps and before the last step; use more steps, a shorter warmup or another cooldownFraction`,
        );
        continue;
      }
      points.push(b);
      branches.set(c, {
        ...c,
        training: { ...c.training, lr: { peak: lr.peak, kind: 'wsd', warmupSteps, minRatio: 0, cooldownFraction: f, cooldownShape: shape }, checkpointAt: [] },
        plan: { ...c.plan, spentNominalFlops: perStep * (c.steps - b) },
        role: 'branch',
        parent: key,
        branchStep: b,
      });
    }
    if (points.length === 0) continue;
    const checkpointAt = [...new Set(points)].sort((a, b) => a - b);
    const steps = checkpointAt[checkpointAt.length - 1]!;
    const { flopBudget: _budget, ...plan } = first.plan;
    trunks.set(key, {
      ...first,
      cellKey: key,
      steps,
      training: { ...first.training, lr: { peak: lr.peak, kind: 'wsd', warmupSteps, minRatio: 0, cooldownFraction: 0, cooldownShape: shape }, checkpointAt },
      plan: { ...plan, nominalFlops: perStep * steps, executedFlops: executedPerStep * steps, spentNominalFlops: perStep * steps },
      role: 'trunk',
    });
  }
  const out: TrialCell[] = [];
  const placed = new Set<string>();
  for (const c of cells) {
    const b = branches.get(c);
    if (!b) {
      if (settingsOf(c.family).lr.kind !== 'wsd') out.push(c);
      continue;
    }
    if (!placed.has(b.parent!)) {
      placed.add(b.parent!);
      out.push(trunks.get(b.parent!)!);
    }
    out.push(b);
  }
  return out;
}

/** Compute of a planned sweep: what it spends, and what the same fit points would cost as independent runs. */
export interface PlanTotals {
  cells: number;
  trunks: number;
  branches: number;
  /** independent cells (not WSD, not students) */
  runs: number;
  /** students of symmetry cloning (transformer+clone; each waits for its teacher trial) */
  students: number;
  /** fit points: branches + independent runs + students */
  points: number;
  /** nominal FLOPs the sweep spends (trunks + cooldowns + independent runs) */
  plannedFlops: number;
  /** nominal FLOPs of the same points trained as independent runs */
  independentFlops: number;
  /** independentFlops / plannedFlops (× fewer FLOPs than independent runs; 1 without WSD) */
  saving: number;
}

export function planTotals(cells: readonly Pick<TrialCell, 'role' | 'plan'>[]): PlanTotals {
  let plannedFlops = 0;
  let independentFlops = 0;
  const n = { trunk: 0, branch: 0, run: 0, student: 0 };
  for (const c of cells) {
    n[c.role ?? 'run']++;
    plannedFlops += c.plan.spentNominalFlops ?? c.plan.nominalFlops;
    if (c.role !== 'trunk') independentFlops += c.plan.nominalFlops;
  }
  return {
    cells: cells.length,
    trunks: n.trunk,
    branches: n.branch,
    runs: n.run,
    students: n.student,
    points: n.branch + n.run + n.student,
    plannedFlops,
    independentFlops,
    saving: plannedFlops > 0 ? independentFlops / plannedFlops : 1,
  };
}
