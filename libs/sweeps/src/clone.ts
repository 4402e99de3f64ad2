/**
 * Symmetry cloning (family transformer+clone, Huang et al. 2024) in a sweep: every transformer+clone cell becomes
 * a STUDENT of a gatr trial of the same sweep, its TEACHER. The queue holds a student until its teacher has
 * completed with a checkpoint at its last step (role 'student', parent = the teacher's cell key, branchStep = the
 * teacher's steps: the same dependency columns as a WSD branch, libs/db queue/dependencies.ts) and hands the worker
 * that checkpoint as the teacher; the student's own attempts still resume from their own checkpoints.
 *
 * The teacher of a student is the gatr cell with the same model-size label, training-set size and seed and the same
 * step count (grid) or FLOP budget (iso-FLOP design); when there is none with the same steps, the gatr cell of that
 * (size, data, seed) with the most steps. A teacher may teach several students; each carries an even share of the
 * teacher's training compute (plan.teacherNominalFlops / teacherExecutedFlops), which is not in its nominalFlops:
 * the report shows the family with and without it.
 *
 * In a WSD sweep a student runs standalone (it cannot resume a trunk and imitate a teacher at once): applyWsd has
 * made it a branch, whose schedule is exactly a standalone WSD run of its steps, and this step drops its trunk.
 */
import { cloneCompute } from '@equiscale/models/accounting';
import type { IssueList } from './issues.js';
import type { TrialCell } from './trial.js';

/** The family name of students and the family their teachers come from. */
export const CLONE_FAMILY = 'transformer+clone';
export const TEACHER_FAMILY = 'gatr';

/** Steps a student spends imitating its teacher: round(fraction × steps), at least 1, at most steps − 1 (when steps > 1). */
export function cloneStepsOf(steps: number, fraction: number): number {
  return Math.max(1, Math.min(steps > 1 ? steps - 1 : 1, Math.round(fraction * steps)));
}

const teacherGroup = (c: Pick<TrialCell, 'sizeLabel' | 'trainSize' | 'seed'>) => `${c.sizeLabel}\u001f${c.trainSize}\u001f${c.seed}`;

/**
 * Links every transformer+clone cell of `cells` (planned, after applyWsd) to its teacher and returns the new cell
 * list; cells of other families pass through, except that teachers get a checkpoint at their last step. A student
 * without a teacher is an issue at families[familyIndex].
 */
export function applyClone(cells: readonly TrialCell[], fraction: number, familyIndex: number, issues: IssueList): TrialCell[] {
  if (!cells.some((c) => c.family === CLONE_FAMILY)) return [...cells];
  const teachers = new Map<string, TrialCell[]>();
  for (const c of cells) {
    if (c.family !== TEACHER_FAMILY || c.role === 'trunk') continue;
    const k = teacherGroup(c);
    const g = teachers.get(k);
    if (g) g.push(c);
    else teachers.set(k, [c]);
  }
  const teacherOf = new Map<TrialCell, TrialCell>();
  const missing: string[] = [];
  for (const c of cells) {
    if (c.family !== CLONE_FAMILY || c.role === 'trunk') continue;
    const g = teachers.get(teacherGroup(c));
    if (!g) {
      missing.push(c.cellKey);
      continue;
    }
    const same = g.find((t) => (c.plan.flopBudget !== undefined ? t.plan.flopBudget === c.plan.flopBudget : t.steps === c.steps));
    teacherOf.set(c, same ?? g.reduce((a, b) => (b.steps > a.steps ? b : a)));
  }
  if (missing.length) {
    issues.add(
      ['families', familyIndex],
      `${CLONE_FAMILY} needs a ${TEACHER_FAMILY} trial of the same model size, training-set size and seed as its teacher, and ` +
        `${missing.length} cell(s) have none (first: ${missing[0]}); add ${TEACHER_FAMILY} to families with the same modelSizes labels`,
    );
    return [...cells];
  }
  const students = new Map<TrialCell, number>();
  for (const t of teacherOf.values()) students.set(t, (students.get(t) ?? 0) + 1);
  const out: TrialCell[] = [];
  for (const c of cells) {
    if (c.family === CLONE_FAMILY) {
      if (c.role === 'trunk') continue;
      const t = teacherOf.get(c)!;
      const cloneSteps = cloneStepsOf(c.steps, fraction);
      const perSample = { nominalFlopsPerSample: c.plan.nominalFlopsPerSample, executedFlopsPerSample: c.plan.executedFlops / (c.steps * c.training.batchSize) };
      const cc = cloneCompute({
        student: perSample,
        teacher: { nominalFlopsPerSample: t.plan.nominalFlopsPerSample, executedFlopsPerSample: t.plan.executedFlops / (t.steps * t.training.batchSize) },
        steps: c.steps,
        batchSize: c.training.batchSize,
        cloneSteps,
        teacherTraining: { nominal: t.plan.nominalFlops, executed: t.plan.executedFlops },
        studentsPerTeacher: students.get(t)!,
      });
      out.push({
        ...c,
        training: { ...c.training, checkpointAt: [], cloneSteps },
        plan: {
          ...c.plan,
          nominalFlops: cc.nominal,
          executedFlops: cc.executed,
          spentNominalFlops: cc.nominal,
          teacherNominalFlops: cc.nominalWithTeacher - cc.nominal,
          teacherExecutedFlops: cc.executedWithTeacher - cc.executed,
        },
        role: 'student',
        parent: t.cellKey,
        branchStep: t.steps,
      });
      continue;
    }
    if (students.has(c) && !c.training.checkpointAt.includes(c.steps)) {
      out.push({ ...c, training: { ...c.training, checkpointAt: [...c.training.checkpointAt, c.steps].sort((a, b) => a - b) } });
      continue;
    }
    out.push(c);
  }
  return out;
}
