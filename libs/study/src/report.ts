/**
 * The study report: the replication scorecard first — for each of the seed study's three claims, the paper's
 * statement, what this study measured (with intervals) and a verdict (agrees, disagrees, too weak to tell) — then
 * the fits per family with their status and reasons, IsoFLOP profiles, data scaling at convergence, the
 * sensitivity of the verdicts to conventions, the learning-rate choice and the sweep design. Markdown, a
 * self-contained HTML page (PNGs inlined) and report.json for machines.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buildStudyReport, type Claim, type Interval } from '@equiscale/scaling';
import type { StudyAnalysis } from './analyze.js';
import type { Figure } from './figures.js';
import { isFinished, WITH_TEACHER, type DataConvergence } from './runs.js';
import type { BaselineLosses, Study } from './study.js';
import { baselineSentence, benchmarkLine, flopConventionOf, matchedComputeMarkdown, scorecardMarkdown, studyBenchmarkKind, weightSpaceScorecard, type ScorecardRow } from './benchmark-report.js';

const sci = (x: number, d = 2) => (Number.isFinite(x) ? x.toExponential(d).replace('e+', 'e') : String(x));
const num = (x: number, d = 3) => (Number.isFinite(x) ? Number(x.toPrecision(d)).toString() : String(x));
const iv = (i: Interval | { lo: number; hi: number } | null | undefined, d = 3) =>
  i && Number.isFinite(i.lo) && Number.isFinite(i.hi) ? `[${num(i.lo, d)}, ${num(i.hi, d)}]` : '(no interval)';
const est = (e: { estimate: number; interval: Interval | null }, d = 3) => `${num(e.estimate, d)} ${iv(e.interval, d)}`;

export interface ReportContext {
  backend?: string;
  wallTimeS?: number;
  bootstrap: number;
  notes?: string[];
}

/** The verdict words of the scorecard. */
export const VERDICTS = ['agrees', 'disagrees', 'too weak to tell'] as const;

/** The sweep design as planned (the preset's summary) or, for one sweep, read off its trials. */
export function designOf(study: Study): unknown {
  if (study.design !== undefined) return study.design;
  const ts = study.trials;
  const uniq = <T>(xs: T[]) => [...new Set(xs)];
  const families = uniq(ts.map((t) => t.trial.family));
  return {
    families,
    sizes: Object.fromEntries(
      families.map((f) => [
        f,
        uniq(ts.filter((t) => t.trial.family === f).map((t) => `${t.trial.sizeLabel}:${t.trial.plan.paramCount}`))
          .map((x) => ({ label: x.split(':')[0], params: Number(x.split(':')[1]) })),
      ]),
    ),
    steps: uniq(ts.filter((t) => t.trial.role !== 'trunk').map((t) => t.trial.steps)).sort((a, b) => a - b),
    trainSizes: uniq(ts.map((t) => t.trial.trainSize)).sort((a, b) => a - b),
    seeds: uniq(ts.map((t) => t.trial.seed)).sort((a, b) => a - b),
    wsd: { trunks: ts.filter((t) => t.trial.role === 'trunk').length, branches: ts.filter((t) => t.trial.role === 'branch').length },
    trials: ts.length,
  };
}

/** How "converged" was decided for the data-scaling runs, honestly: by the worker's early stopping, or read off the curve. */
export function convergenceSentence(c: DataConvergence): string {
  const stopped = `the worker's early stopping on the validation split (${c.rules.join('; ') || 'its settings'}) ended it before the step cap`;
  const note = 'its test loss is that of its best-on-validation parameters, and its epochs count the samples it actually saw';
  const curve = 'early stopping on validation (patience 2 evaluations, 1% improvement) would have stopped it, read off its stored validation curve (the worker trained the full step count; epochs at the cap)';
  if (c.validationCurve === 0 && c.earlyStopping > 0) return `A run counts as converged when ${stopped}; ${note}.`;
  if (c.earlyStopping === 0) return `A run counts as converged when ${curve}.`;
  return `${c.earlyStopping} runs were trained with the worker's early stopping: such a run counts as converged when ${stopped} (${note}); the other ${c.validationCurve} count as converged when ${curve}.`;
}

function claimLines(c: Claim): string[] {
  const reasons = [...new Set(c.details.reasons)];
  return [
    `### Claim ${c.id}: **${c.verdict}**`,
    '',
    `- The paper: ${c.paper}`,
    `- Measured here: ${c.measured}`,
    ...(reasons.length ? [`- Why ${c.verdict === 'too weak to tell' ? 'it cannot be decided' : 'this verdict'}: ${reasons.join('; ')}.`] : []),
    '',
  ];
}

/** One family's symmetry measurements over its finished trials: each measure's median, range and count. */
export interface SymmetrySummary {
  family: string;
  measures: Record<string, { median: number; min: number; max: number; trials: number }>;
}

const SYMMETRY_MEASURES: Record<string, string> = {
  exactValLoss: 'validation loss of the exact model (symmetry-breaking inputs off)',
  exactTestLoss: 'test loss of the exact model (symmetry-breaking inputs off)',
  equivarianceErrorAfterClone: 'relative equivariance error after cloning (learned, not exact)',
  equivarianceErrorFinal: 'relative equivariance error at the end of fine-tuning',
  teacherInferenceFlops: "nominal FLOPs of the teacher's forward passes while cloning (in the family's own compute)",
};

export function symmetrySummaries(study: Study): SymmetrySummary[] {
  const out: SymmetrySummary[] = [];
  for (const f of [...new Set(study.trials.map((t) => t.trial.family))]) {
    const measures: SymmetrySummary['measures'] = {};
    for (const k of Object.keys(SYMMETRY_MEASURES)) {
      const xs = study.trials
        .filter((t) => t.trial.family === f && isFinished(t))
        .map((t) => (t.symmetry as Record<string, number | undefined> | null)?.[k])
        .filter((x): x is number => typeof x === 'number' && Number.isFinite(x))
        .sort((a, b) => a - b);
      if (xs.length) measures[k] = { median: xs.length % 2 ? xs[(xs.length - 1) / 2]! : (xs[xs.length / 2 - 1]! + xs[xs.length / 2]!) / 2, min: xs[0]!, max: xs[xs.length - 1]!, trials: xs.length };
    }
    if (Object.keys(measures).length) out.push({ family: f, measures });
  }
  return out;
}

function symmetryMarkdown(study: Study): string[] {
  const s = symmetrySummaries(study);
  if (!s.length) return [];
  const L = ['## Symmetry measurements', '', '| family | measure | median | range | trials |', '|---|---|---|---|---|'];
  for (const f of s) for (const [k, m] of Object.entries(f.measures)) L.push(`| ${f.family} | ${SYMMETRY_MEASURES[k]} | ${num(m.median, 4)} | ${num(m.min, 3)}–${num(m.max, 3)} | ${m.trials} |`);
  L.push('');
  return L;
}

export function reportMarkdown(study: Study, analysis: StudyAnalysis, figures: Figure[], ctx: ReportContext): string {
  const { result: a } = analysis;
  const finished = study.trials.filter(isFinished);
  const families = [...new Set(study.trials.map((t) => t.trial.family))];
  const L: string[] = [];
  L.push(`# equiscale study report: ${study.name}`, '');
  L.push(
    `${study.trials.length} trials; ${finished.length} finished with a test loss` +
      (ctx.backend ? `; trained on the ${ctx.backend} backend` : '') +
      (ctx.wallTimeS !== undefined ? `; wall time ${num(ctx.wallTimeS / 60, 2)} min` : '') +
      `; ${analysis.input.compute.length} compute-scaling runs and ${analysis.input.data?.length ?? 0} data-scaling candidates analysed.`,
    '',
    benchmarkLine(study),
    '',
    `Compute: ${studyBenchmarkKind(study) === 'weight-space' ? flopConventionOf('weight-space') : FLOP_CONVENTION}.`,
    '',
  );
  L.push('| family | trials | completed | diverged | failed | best test loss | at compute (FLOPs) |', '|---|---|---|---|---|---|---|');
  for (const f of families) {
    const ts = study.trials.filter((t) => t.trial.family === f);
    const ok = ts.filter((t) => t.status === 'completed' && t.testLoss !== null);
    const best = ok.filter(isFinished).reduce<(typeof ok)[number] | null>((b, t) => (!b || t.testLoss! < b.testLoss! ? t : b), null);
    L.push(
      `| ${f} | ${ts.length} | ${ok.length} | ${ts.filter((t) => t.status === 'diverged').length} | ${ts.filter((t) => t.status === 'failed').length} | ${best ? num(best.testLoss!, 4) : '-'} | ${best ? sci(best.trial.plan.nominalFlops) : '-'} |`,
    );
  }
  L.push('');
  const baseline = baselineSentence(study);
  if (baseline) L.push(baseline, '');
  L.push(...scorecardMarkdown(study), ...matchedComputeMarkdown(study), ...symmetryMarkdown(study));

  L.push('## What the data shows', '');
  L.push(
    'The replication scorecard: each claim of the seed study (Brehmer et al., “Does equivariance matter at scale?”), what this study measured (95% bootstrap intervals) and a verdict. The verdicts are strict: an interval that straddles the deciding value, or a fit that is not determined, gives **too weak to tell**, never a guess.',
    '',
  );
  L.push('| claim | verdict |', '|---|---|', ...a.claims.map((c) => `| ${c.id} | **${c.verdict}** |`), '');
  for (const c of a.claims) L.push(...claimLines(c));

  L.push('## Fitted scaling laws (compute scaling)', '');
  L.push(
    'L(N, D) = E + A/N^α + B/D^β per family (Approach 3 as Hoffmann et al. / Epoch: Huber δ on log-residuals, L-BFGS from the 4500-start grid), N = parameters, D = training samples seen, fitted to every seed; intervals from the seed-grouped bootstrap. The compute-optimal frontier uses each run’s own FLOPs per sample (not one FLOPs-per-parameter constant per family); a = slope of ln N_opt on ln C. A fit is *determined* when the α and β intervals are within a factor 2 and variable projection agrees.',
    '',
  );
  L.push('| family | runs | seeds | sizes | E | α | β | a (N_opt ∝ C^a) | status |', '|---|---|---|---|---|---|---|---|---|');
  for (const f of a.families) {
    const b = f.bootstrap.intervals;
    L.push(
      `| ${f.family} | ${f.nRuns} | ${f.seeds} | ${f.sizes} | ${num(f.fit.E)} ${iv(b.E)} | ${num(f.fit.alpha)} ${iv(b.alpha)} | ${num(f.fit.beta)} ${iv(b.beta)} | ${est(f.allocation.a)} | ${f.status.summary} |`,
    );
  }
  for (const x of a.failures) L.push(`| ${x.family} | | | | | | | | no ${x.stage} fit: ${x.problem} |`);
  L.push('');
  const cloned = [...new Set(analysis.input.compute.map((r) => r.family).filter((f) => f.endsWith(WITH_TEACHER)))];
  if (cloned.length) {
    L.push(
      `- Symmetry cloning is counted twice: ${cloned.map((f) => f.slice(0, -WITH_TEACHER.length)).join(', ')} with the student's own training plus the teacher's forward passes while cloning, and ${cloned.join(', ')} with each student's share of its teacher's training added (the teacher is a gatr trial of this sweep).`,
    );
  }
  for (const f of a.families) {
    const p = f.computePowerLaw;
    if (p) L.push(`- ${f.family}: power law in compute on the lower envelope of its runs, L(C) = ${num(p.lInf)} + (${sci(p.c0)}/C)^${num(p.gamma)}${p.identifiable ? '' : ` (not determined: ${p.reasons.join('; ')})`}.`);
  }
  for (const c of a.envelopeComparisons) {
    L.push(
      c.ratios.length
        ? `- Observed envelopes (no fit; per seed the best-on-validation run within the budget, its test loss; geometric mean over ${c.seedsA} and ${c.seedsB} seeds, seeds resampled): L(${c.familyA}) / L(${c.familyB}) ${c.ratios.map((r) => `${num(r.ratio)} ${iv(r.interval, 2)} at ${sci(r.c)}`).join('; ')} — ${c.verdict}.`
        : `- Observed envelopes of ${c.familyA} and ${c.familyB}: not compared (${c.problem}).`,
    );
  }
  for (const c of a.frontierComparisons) {
    L.push(
      `- L_opt(${c.familyA}) / L_opt(${c.familyB}): ${c.ratios.length ? c.ratios.map((r) => `${num(r.ratio)} ${iv(r.interval, 2)} at ${sci(r.c)}`).join('; ') : 'no common compute range'} — ${c.verdict}.`,
    );
  }
  L.push('');

  if (a.isoflop.length) {
    L.push('## IsoFLOP profiles (Approach 2, per family)', '');
    L.push('| family | usable profiles | a (N_opt ∝ C^a) | b (D_opt ∝ C^b) | status |', '|---|---|---|---|---|');
    for (const f of a.isoflop) L.push(`| ${f.family} | ${f.usableBins} of ${f.bins.length} | ${est(f.a)} | ${est(f.b)} | ${f.status.summary} |`);
    L.push('');
  }

  if (a.dataScaling.length) {
    L.push('## Data scaling at convergence', '');
    L.push(
      `L = E + B·D^−β in the training-set size D per family and augmentation; at each size the run with the lowest validation loss (never the test loss). ${convergenceSentence(analysis.convergence)}`,
      '',
    );
    L.push('| group | sizes (D: test loss, epochs) | β | status |', '|---|---|---|---|');
    for (const f of a.dataScaling) {
      const sz = f.sizes.map((s) => `${s.trainSize}: ${num(s.loss)}, ${s.epochsMedian === null ? '?' : num(s.epochsMedian, 3)} ep${s.notConverged ? ` (${s.notConverged} not converged)` : ''}`).join('; ');
      L.push(`| ${f.key} | ${sz} | ${est(f.beta)} | ${f.status.summary} |`);
    }
    L.push('');
  }

  L.push('## Sensitivity of the verdicts', '');
  if (analysis.sensitivity) {
    const s = analysis.sensitivity;
    L.push(
      `Recomputed one convention at a time: FLOPs ${[s.baseline.flops, ...new Set(s.variants.map((v) => v.flops))].filter((x, i, xs) => xs.indexOf(x) === i).join(' / ')}, N ${[s.baseline.n, ...s.variants.map((v) => v.n)].filter((x, i, xs) => xs.indexOf(x) === i).join(' / ')}, Huber δ ${[s.baseline.delta, ...s.variants.map((v) => v.delta)].filter((x, i, xs) => xs.indexOf(x) === i).join(' / ')}.`,
      '',
    );
    L.push('| variant | claim 1 | claim 2 | claim 3 |', '|---|---|---|---|');
    for (const v of [s.baseline, ...s.variants]) L.push(`| ${v.name} | ${[1, 2, 3].map((id) => v.verdicts.find((x) => x.id === id)?.verdict ?? '-').join(' | ')} |`);
    L.push('', s.changes.length ? `Where something changes: ${s.summary}.` : `Nothing changes: ${s.summary}.`, '');
  } else L.push(`No sensitivity analysis: ${analysis.sensitivityNote ?? 'not computed'}.`, '');

  if (analysis.lr.length) {
    L.push('## Learning rate', '');
    L.push('Chosen per family on the learning-rate sweep (two smallest sizes, every seed) by geometric-mean validation loss, and used for every other run of the family:', '');
    for (const c of analysis.lr) {
      L.push(`- ${c.family}: **${c.chosen}** (${c.candidates.map((x) => `${x.peak}: ${num(x.valLoss, 4)}`).join(', ')}${c.notes.length ? `; ${c.notes.join('; ')}` : ''})`);
    }
    L.push('');
  }

  L.push('## Design and conventions', '');
  L.push(`- FLOPs: ${FLOP_CONVENTION}.`, `- Parameters: ${PARAMETER_CONVENTION}.`, `- Bootstrap: ${ctx.bootstrap} resamples${ctx.bootstrap === 0 ? ' — no intervals, so nothing is determined' : ''}.`);
  L.push(`- Design: \`${JSON.stringify(designOf(study))}\``, '');
  for (const n of ctx.notes ?? []) L.push(`> ${n}`, '');

  L.push('## Figures', '');
  for (const fig of figures) L.push(`### ${fig.title}`, '', `![${fig.title}](${basename(fig.png)})`, '', fig.caption, '');
  return L.join('\n');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Minimal Markdown → HTML for the report's own constructs (headings, tables, lists, bold, images, quotes). */
export function markdownToHtml(md: string, images: Map<string, string>): string {
  const out: string[] = [];
  const lines = md.split('\n');
  const inline = (s: string) =>
    escapeHtml(s)
      .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
      .replace(/`([^`]+)`/g, '<code>$1</code>');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    let m: RegExpExecArray | null;
    if ((m = /^(#{1,3}) (.*)$/.exec(l))) out.push(`<h${m[1].length}>${inline(m[2])}</h${m[1].length}>`);
    else if ((m = /^!\[(.*)\]\((.*)\)$/.exec(l))) {
      const data = images.get(m[2]);
      out.push(data ? `<img alt="${escapeHtml(m[1])}" src="data:image/png;base64,${data}">` : `<p>(missing figure ${escapeHtml(m[2])})</p>`);
    } else if (l.startsWith('|')) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i].startsWith('|')) {
        if (!/^\|[-|]+\|$/.test(lines[i])) rows.push(lines[i].slice(1, -1).split('|').map((c) => c.trim()));
        i++;
      }
      i--;
      const [head, ...body] = rows;
      out.push(
        `<table><thead><tr>${head.map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead><tbody>${body
          .map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
      );
    } else if (l.startsWith('- ')) {
      const items: string[] = [];
      while (i < lines.length && lines[i].startsWith('- ')) items.push(`<li>${inline(lines[i++].slice(2))}</li>`);
      i--;
      out.push(`<ul>${items.join('')}</ul>`);
    } else if (l.startsWith('> ')) out.push(`<blockquote>${inline(l.slice(2))}</blockquote>`);
    else if (l.trim()) out.push(`<p>${inline(l)}</p>`);
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>equiscale report</title><style>
body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
th{background:#f3f3f3}img{max-width:100%;border:1px solid #eee}blockquote{color:#555;border-left:3px solid #ccc;margin:0;padding-left:1em}
</style></head><body>${out.join('\n')}</body></html>`;
}

/** The FLOP convention every compute number of the report uses. */
export const FLOP_CONVENTION =
  'C = nominal training FLOPs (forward + backward) in the authors’ convention (gatr-spec.md section 5): 6 FLOPs per FLOP-relevant weight per token; attention-score matmuls, norms and elementwise ops not counted; each run’s own count (a WSD branch counts its trunk up to the branch point)';

export const PARAMETER_CONVENTION = 'N = every trainable parameter, input and output layers included (the sensitivity analysis also uses Kaplan’s non-embedding N: blocks only)';

/**
 * report.json: the study report for machines — libs/scaling buildStudyReport (schema, flopConvention,
 * parameterConvention, design, claims [{ id, paper, measured, verdict, details }], fits per family with
 * intervals and status, isoflop, dataScaling, comparisons, sensitivity) plus the study's own facts.
 */
export interface ReportJson {
  schema: string;
  study: string;
  /** the benchmark kind: 'rigid-body' or 'weight-space' */
  benchmark: string;
  flopConvention: string;
  parameterConvention: string | null;
  design: unknown;
  claims: { id: number; paper: string; measured: string; verdict: (typeof VERDICTS)[number]; details: unknown }[];
  fits: { family: string; status: 'determined' | 'undetermined'; reasons: string[]; alpha: { estimate: number | null; interval: { lo: number | null; hi: number | null } | null }; beta: unknown; E: unknown }[];
  isoflop: unknown[];
  dataScaling: unknown[];
  /** how the data-scaling runs' convergence was decided (runs stopped by the worker's early stopping, or read off the curve) */
  dataConvergence?: DataConvergence;
  comparisons: unknown;
  sensitivity: unknown;
  failures: { family: string; stage: string; problem: string }[];
  learningRates: unknown[];
  trials: number;
  finishedRuns: number;
  baselines: BaselineLosses | null;
  /** weight-space only: the seed paper's claims checked against the observed losses at matched compute */
  scorecard?: ScorecardRow[];
  /** per family, what its trials measured about their symmetry (gatr+approx, transformer+clone); absent when none did */
  symmetry?: SymmetrySummary[];
  bootstrap: number;
  meta?: Record<string, unknown>;
}

export function reportJson(study: Study, analysis: StudyAnalysis, ctx: ReportContext): ReportJson {
  const base = buildStudyReport({
    analysis: analysis.result,
    flopConvention: studyBenchmarkKind(study) === 'weight-space' ? flopConventionOf('weight-space') : FLOP_CONVENTION,
    parameterConvention: PARAMETER_CONVENTION,
    design: designOf(study),
    ...(analysis.sensitivity ? { sensitivity: analysis.sensitivity } : {}),
    meta: { ...(ctx.backend ? { backend: ctx.backend } : {}), ...(ctx.wallTimeS !== undefined ? { wallTimeS: ctx.wallTimeS } : {}), ...(analysis.sensitivity ? {} : { sensitivityNote: analysis.sensitivityNote }) },
  }) as unknown as Omit<ReportJson, 'study' | 'failures' | 'learningRates' | 'trials' | 'finishedRuns' | 'baselines' | 'bootstrap'>;
  const symmetry = symmetrySummaries(study);
  return {
    ...base,
    study: study.name,
    benchmark: studyBenchmarkKind(study),
    failures: analysis.result.failures,
    learningRates: analysis.lr,
    dataConvergence: analysis.convergence,
    trials: study.trials.length,
    finishedRuns: study.trials.filter(isFinished).length,
    baselines: study.baselines,
    ...(studyBenchmarkKind(study) === 'weight-space' ? { scorecard: weightSpaceScorecard(study) } : {}),
    ...(symmetry.length ? { symmetry } : {}),
    bootstrap: ctx.bootstrap,
  };
}

export function writeReport(outDir: string, md: string, figures: Figure[], json?: ReportJson): { markdown: string; html: string; json?: string } {
  const markdown = join(outDir, 'report.md');
  const html = join(outDir, 'report.html');
  writeFileSync(markdown, md);
  let jsonPath: string | undefined;
  if (json) {
    jsonPath = join(outDir, 'report.json');
    writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  }
  const images = new Map(figures.map((f) => [basename(f.png), readFileSync(f.png).toString('base64')]));
  writeFileSync(html, markdownToHtml(md, images));
  return { markdown, html, ...(jsonPath ? { json: jsonPath } : {}) };
}
