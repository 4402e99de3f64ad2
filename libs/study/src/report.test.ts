/**
 * The report's verdicts on synthetic studies with planted scaling laws: when one family's law is better by a known
 * factor, report.md and report.json name it (with the loss ratio near the planted factor); when the laws are
 * equal, both say the evidence is too weak to tell. Real fits (Approach 3 with bootstrap), no stubs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { logSpace, synthesizeRuns, type LawParams } from '@equiscale/scaling';
import type { TrialRecord } from '@equiscale/sweeps';
import { FLOP_CONVENTION, studyFromRows, writeStudyReport, type ReportJson, type Study } from './index.js';

const BASE: LawParams = { E: 0.03, A: 60, B: 250, alpha: 0.4, beta: 0.42 };
const GRID = { a: [0, 5, 10], b: [0, 5, 10], e: [-4, -2, 0], alpha: [0.5], beta: [0.5] };
const BATCH = 8;

/** Trial records of a family whose test losses follow `law` (N = parameters, D = steps × batch, C = 6 N D). */
function records(family: string, law: LawParams, seed: number, firstId: number): TrialRecord[] {
  const runs = synthesizeRuns(law, { nSizes: logSpace(1e5, 1e8, 6), dSizes: logSpace(1e5, 1e8, 6), family, kappa: 6, rng: seed, noise: 0.01 });
  return runs.map((r, i) => {
    const steps = Math.round(r.d / BATCH);
    return {
      id: firstId + i,
      trial: {
        cellKey: `${family}/${i}`,
        family,
        modelFamily: family === 'gatr' ? 'gatr' : 'transformer',
        augment: false,
        sizeLabel: `n${r.n}`,
        dims: { transformer: { width: 8, depth: 1, heads: 1, mlpRatio: 4 } },
        benchmark: { name: 'rigid-body', configHash: 'h' },
        training: { batchSize: BATCH, lr: { peak: 1e-3, kind: 'cosine', warmupSteps: 0, minRatio: 0.1, cooldownFraction: 0 }, gradClip: 1, evalEvery: 0, evalExamples: 8, checkpointEvery: 0, checkpointAt: [] },
        seed: 0,
        steps,
        trainSize: 1024,
        plan: { paramCount: r.n, nominalFlopsPerSample: 6 * r.n, nominalFlops: 6 * r.n * steps * BATCH, executedFlops: 6 * r.n * steps * BATCH },
      },
      parentId: null,
      status: 'completed',
      attempt: 1,
      progressStep: steps,
      leaseOwner: null,
      trainLoss: r.loss,
      valLoss: r.loss,
      testLoss: r.loss,
      wallTimeS: 1,
      executedFlops: null,
      backend: 'cpu',
      error: null,
    };
  });
}

function study(gatrLaw: LawParams): Study {
  return studyFromRows({
    name: 'planted',
    spec: {},
    baselines: { noMotion: 0.5, constantVelocity: 0.2 },
    trials: [...records('transformer', BASE, 1, 1), ...records('gatr', gatrLaw, 2, 1000)],
    valPoints: [],
    elapsedS: 60,
  });
}

async function report(s: Study): Promise<{ md: string; json: ReportJson }> {
  const dir = mkdtempSync(join(tmpdir(), 'equiscale-report-'));
  try {
    const r = await writeStudyReport(s, dir, { bootstrap: 40, seed: 7, approach3: { grid: GRID } });
    return { md: readFileSync(r.report.markdown, 'utf8'), json: JSON.parse(readFileSync(r.report.json!, 'utf8')) as ReportJson };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('report verdicts on planted scaling laws', () => {
  it('names the family whose law is better by a known factor (0.5×), in report.md and report.json', async () => {
    const half: LawParams = { ...BASE, E: BASE.E / 2, A: BASE.A / 2, B: BASE.B / 2 };
    const { md, json } = await report(study(half));
    assert.equal(json.flopConvention, FLOP_CONVENTION);
    assert.deepEqual(json.baselines, { noMotion: 0.5, constantVelocity: 0.2 }, 'the stored baselines, not re-simulated');
    assert.deepEqual(json.families.map((f) => [f.family, f.status !== 'no-fit' && f.status !== 'not-identifiable']), [['transformer', true], ['gatr', true]]);
    for (const f of json.families) assert.ok(f.intervals?.alpha, `${f.family} has bootstrap intervals`);
    const cmp = json.comparisons.find((c) => c.familyA === 'gatr' && c.familyB === 'transformer')!;
    assert.ok(cmp.verdicts.length > 0);
    for (const v of cmp.verdicts) {
      assert.equal(v.verdict, 'gatr', `at C = ${v.c}`);
      assert.ok(Math.abs(v.lossRatio - 0.5) < 0.05, `loss ratio ${v.lossRatio} ≈ the planted 0.5`);
      assert.ok(v.interval!.hi < 1);
    }
    assert.match(md, /gatr vs transformer: .*\*\*gatr\*\* reaches lower loss \(loss ratio gatr\/transformer 0\.[45]\d*–0\.[45]\d*\)/);
    assert.doesNotMatch(md, /gatr vs transformer: [^\n]*too weak to tell/);
    assert.match(md, /predicting no motion gives loss 0\.5 and extrapolating at constant velocity gives 0\.2/);
  });

  it('says "too weak to tell" when the laws are equal', async () => {
    const { md, json } = await report(study(BASE));
    const cmp = json.comparisons.find((c) => c.familyA === 'gatr' && c.familyB === 'transformer')!;
    assert.ok(cmp.verdicts.length > 0);
    assert.ok(cmp.verdicts.every((v) => v.verdict === 'too-weak-to-tell'), JSON.stringify(cmp.verdicts.map((v) => [v.lossRatio, v.interval])));
    assert.match(md, /gatr vs transformer: [^\n]*the evidence is too weak to tell them apart/);
    assert.doesNotMatch(md, /\*\*gatr\*\* reaches lower loss|\*\*transformer\*\* reaches lower loss/);
  });
});
