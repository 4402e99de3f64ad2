/**
 * The study report: what the data shows, in words a researcher can check against the numbers — which family wins
 * at each compute budget, the fitted exponents with intervals, whether the compute-optimal allocation differs —
 * and plainly when the evidence is too weak to tell. Markdown plus a self-contained HTML page (PNGs inlined).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { FamilyComparison } from '@equiscale/scaling';
import type { StudyAnalysis } from './analyze.js';
import type { Figure } from './figures.js';
import { fitRunsOf, runsOf, type BaselineLosses, type Study } from './study.js';
import { baselineSentence, benchmarkLine, flopConventionOf, matchedComputeMarkdown, scorecardMarkdown, studyBenchmarkKind, weightSpaceScorecard, type ScorecardRow } from './benchmark-report.js';

const sci = (x: number, d = 2) => (Number.isFinite(x) ? x.toExponential(d).replace('e+', 'e') : String(x));
const num = (x: number, d = 3) => (Number.isFinite(x) ? Number(x.toPrecision(d)).toString() : String(x));
const iv = (i: { lo: number; hi: number } | null | undefined, d = 3) => (i ? `[${num(i.lo, d)}, ${num(i.hi, d)}]` : '(no bootstrap)');

export interface ReportContext {
  backend?: string;
  wallTimeS?: number;
  bootstrap: number;
  notes?: string[];
}

/** One sentence for a pair: which family wins over which compute ranges, merging budgets with the same verdict. */
/** Which family the loss ratio A/B at one budget favours: its name, 'tie' (interval includes 1), or 'unknown'. */
function ratioVerdict(c: FamilyComparison, r: FamilyComparison['lossRatio'][number]): string {
  return !r.interval ? 'unknown' : r.interval.hi < 1 ? c.familyA : r.interval.lo > 1 ? c.familyB : 'tie';
}

export function comparisonSummary(c: FamilyComparison): string {
  const runs: { verdict: string; from: number; to: number; lo: number; hi: number }[] = [];
  for (const r of c.lossRatio) {
    const v = ratioVerdict(c, r);
    const last = runs[runs.length - 1];
    if (last && last.verdict === v) {
      last.to = r.c;
      last.lo = Math.min(last.lo, r.ratio);
      last.hi = Math.max(last.hi, r.ratio);
    } else runs.push({ verdict: v, from: r.c, to: r.c, lo: r.ratio, hi: r.ratio });
  }
  const span = (x: { from: number; to: number }) => (x.from === x.to ? `at ${sci(x.from)} FLOPs` : `from ${sci(x.from)} to ${sci(x.to)} FLOPs`);
  const parts = runs.map((x) =>
    x.verdict === 'tie' || x.verdict === 'unknown'
      ? `${span(x)} the evidence is too weak to tell them apart`
      : `${span(x)} **${x.verdict}** reaches lower loss (loss ratio ${c.familyA}/${c.familyB} ${num(x.lo, 2)}–${num(x.hi, 2)})`,
  );
  return `${c.familyA} vs ${c.familyB}: ${parts.join('; ')}.`;
}

/** Sentences about one family pair's comparison. */
export function comparisonFindings(c: FamilyComparison): string[] {
  const out: string[] = [];
  for (const r of c.lossRatio) {
    const verdict = ratioVerdict(c, r);
    const ratio = `L_opt(${c.familyA}) / L_opt(${c.familyB}) = ${num(r.ratio)} ${iv(r.interval)}`;
    const what =
      verdict === 'tie'
        ? 'the interval includes 1: **cannot tell** which is better'
        : verdict === 'unknown'
          ? 'no bootstrap interval: **cannot tell** how certain this is'
          : `**${verdict}** is better`;
    out.push(`At C = ${sci(r.c)} FLOPs: ${ratio} — ${what}.`);
  }
  const a = c.allocationA;
  const verdict =
    a.excludesZero === true
      ? 'the compute-optimal split **differs** between the two families (the interval excludes 0)'
      : a.excludesZero === false
        ? 'the interval includes 0: **no evidence** that the compute-optimal split differs'
        : 'no bootstrap interval: **cannot tell** whether the split differs';
  out.push(`Allocation exponent difference a(${c.familyA}) − a(${c.familyB}) = ${num(a.estimate)} ${iv(a.interval)}: ${verdict}.`);
  return out;
}

export function reportMarkdown(study: Study, analysis: StudyAnalysis, figures: Figure[], ctx: ReportContext): string {
  const runs = runsOf(study.trials);
  const families = [...new Set(study.trials.map((t) => t.trial.family))];
  const L: string[] = [];
  L.push(`# equiscale study report: ${study.name}`, '');
  L.push(
    `${study.trials.length} trials; ${runs.length} finished with a test loss` +
      (ctx.backend ? `; trained on the ${ctx.backend} backend` : '') +
      (ctx.wallTimeS !== undefined ? `; wall time ${num(ctx.wallTimeS / 60, 2)} min` : '') +
      '.',
    '',
    benchmarkLine(study),
    '',
  );
  L.push('| family | trials | completed | diverged | failed | best test loss | at compute (FLOPs) |', '|---|---|---|---|---|---|---|');
  for (const f of families) {
    const ts = study.trials.filter((t) => t.trial.family === f);
    const ok = ts.filter((t) => t.status === 'completed' && t.testLoss !== null);
    const best = ok.reduce<(typeof ok)[number] | null>((b, t) => (!b || t.testLoss! < b.testLoss! ? t : b), null);
    L.push(
      `| ${f} | ${ts.length} | ${ok.length} | ${ts.filter((t) => t.status === 'diverged').length} | ${ts.filter((t) => t.status === 'failed').length} | ${best ? num(best.testLoss!, 4) : '-'} | ${best ? sci(best.trial.plan.nominalFlops) : '-'} |`,
    );
  }
  L.push('');
  const baseline = baselineSentence(study);
  if (baseline) L.push(baseline, '');
  L.push(...scorecardMarkdown(study), ...matchedComputeMarkdown(study));

  L.push('## What the data shows', '');
  const findings: string[] = [];
  if (analysis.comparisons.length === 0) {
    findings.push(
      'No two families could both be fitted, so the fitted scaling laws cannot compare them: **the evidence is too weak to tell** which family wins at a given compute budget. Compare the observed best losses above, and run a larger sweep (more model sizes and step counts per family) to fit the laws.',
    );
  }
  if (analysis.comparisons.length) {
    findings.push('In short (compute-optimal losses from the fitted laws, 95% bootstrap intervals, within the compute range both families ran):', '');
    for (const c of analysis.comparisons) findings.push(`- ${comparisonSummary(c)}`);
    findings.push('');
  }
  // Data efficiency, observed (no fit): the best test loss each family reached at each training-set size.
  const trainSizes = [...new Set(study.trials.map((t) => t.trial.trainSize))].sort((x, y) => x - y);
  const bestAt = (family: string, n: number) =>
    study.trials
      .filter((t) => t.trial.family === family && t.trial.trainSize === n && t.status === 'completed' && t.testLoss !== null)
      .reduce<number | null>((b, t) => (b === null || t.testLoss! < b ? t.testLoss! : b), null);
  const effLines = trainSizes
    .map((n) => {
      const per = families.map((f) => [f, bestAt(f, n)] as const).filter((x): x is readonly [string, number] => x[1] !== null);
      if (per.length < 2) return null;
      const winner = per.reduce((b, x) => (x[1] < b[1] ? x : b));
      return `- ${n} training examples: ${per.map(([f, l]) => `${f} ${num(l, 3)}`).join(', ')} — lowest: **${winner[0]}**.`;
    })
    .filter((x): x is string => x !== null);
  if (effLines.length) {
    findings.push('Data efficiency, as observed (best test loss at each training-set size over all model sizes and step counts; single runs, no intervals):', '', ...effLines, '');
  }
  for (const [a, b] of analysis.noOverlap) {
    findings.push(`${a} and ${b} ran in compute ranges that do not overlap: comparing them would be an extrapolation, so the report does not.`, '');
  }
  for (const c of analysis.comparisons) {
    findings.push(`**${c.familyA} vs ${c.familyB}** in detail:`);
    for (const s of comparisonFindings(c)) findings.push(`- ${s}`);
    findings.push('');
  }
  L.push(...findings, '');

  L.push('## Fitted scaling laws', '');
  L.push(
    `L(N, D) = E + A/N^α + B/D^β per family (Approach 3 as Hoffmann et al. / Epoch: Huber δ = 1e-3 on log-residuals, L-BFGS from the 4500-start grid), N = parameters, D = training samples seen. ${flopConventionOf(studyBenchmarkKind(study))}; N_opt ∝ C^a with a = β/(α+β).`,
    '',
  );
  const sizes = [...new Set(study.trials.map((t) => t.trial.trainSize))];
  if (sizes.length > 1) {
    L.push(
      `Fits use each family's runs at its largest training-set size (${fitRunsOf(study.trials).length} runs); smaller training sets are repeated many times over, which D = samples seen does not model, and appear in the data-efficiency figure.`,
      '',
    );
  }
  L.push('| family | runs | E | A | B | α | β | a = β/(α+β) | status |', '|---|---|---|---|---|---|---|---|---|');
  for (const f of analysis.families) {
    if (!f.result) {
      L.push(`| ${f.family} | ${f.runs} | | | | | | | no fit: ${f.problem} |`);
      continue;
    }
    const { fit, bootstrap: b, allocation, crossCheck } = f.result;
    const cell = (v: number, i?: { lo: number; hi: number }) => `${num(v)}${i ? ` ${iv(i)}` : ''}`;
    const weak = b && [b.intervals.alpha, b.intervals.beta].some((i) => !(i.lo > 0) || i.hi / i.lo > 3);
    const status = [
      f.problem ?? (weak ? 'weakly determined: the bootstrap intervals of the exponents span more than a factor 3' : 'ok'),
      crossCheck?.disagree ? `cross-check disagrees: ${crossCheck.message}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    L.push(
      `| ${f.family} | ${f.runs} | ${cell(fit.E, b?.intervals.E)} | ${cell(fit.A, b?.intervals.A)} | ${cell(fit.B, b?.intervals.B)} | ${cell(fit.alpha, b?.intervals.alpha)} | ${cell(fit.beta, b?.intervals.beta)} | ${cell(allocation.a, b?.intervals.allocationA)} | ${status} |`,
    );
  }
  L.push('');
  if (ctx.bootstrap === 0) L.push('No bootstrap was run: the numbers above carry no uncertainty estimate.', '');
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

/** The FLOP convention every compute number of a rigid-body report uses (weight-space: flopConventionOf). */
export const FLOP_CONVENTION = flopConventionOf('rigid-body');

/** report.json: the report's findings for machines — fits per family with intervals and status, verdicts, convention. */
export interface ReportJson {
  study: string;
  /** the benchmark kind: 'rigid-body' or 'weight-space' */
  benchmark: string;
  flopConvention: string;
  trials: number;
  finishedRuns: number;
  baselines: BaselineLosses | null;
  /** weight-space only: the seed paper's claims checked against the observed losses at matched compute */
  scorecard?: ScorecardRow[];
  bootstrap: number;
  families: {
    family: string;
    runs: number;
    /** 'ok', 'weak' (exponent intervals span more than a factor 3), or 'no-fit' / 'not-identifiable' with problem */
    status: 'ok' | 'weak' | 'not-identifiable' | 'no-fit';
    problem?: string;
    fit?: { E: number; A: number; B: number; alpha: number; beta: number; allocationA: number };
    intervals?: Record<string, { lo: number; hi: number }>;
  }[];
  comparisons: {
    familyA: string;
    familyB: string;
    /** per compute budget: the winner's name, or 'too-weak-to-tell' (the interval includes 1 or there is none) */
    verdicts: { c: number; lossRatio: number; interval: { lo: number; hi: number } | null; verdict: string }[];
    allocationDifference: { estimate: number; interval: { lo: number; hi: number } | null; differs: boolean | null };
  }[];
  /** family pairs whose runs share no compute range (not compared) */
  noOverlap: [string, string][];
  /** one line: which family wins where, or that the evidence is too weak to tell */
  summary: string[];
}

const TOO_WEAK = 'too-weak-to-tell';

export function reportJson(study: Study, analysis: StudyAnalysis, ctx: ReportContext): ReportJson {
  const families = analysis.families.map((f): ReportJson['families'][number] => {
    if (!f.result) return { family: f.family, runs: f.runs, status: 'no-fit', problem: f.problem };
    const { fit, bootstrap: b, allocation } = f.result;
    const weak = b && [b.intervals.alpha, b.intervals.beta].some((i) => !(i.lo > 0) || i.hi / i.lo > 3);
    return {
      family: f.family,
      runs: f.runs,
      status: f.problem ? 'not-identifiable' : weak ? 'weak' : 'ok',
      ...(f.problem ? { problem: f.problem } : {}),
      fit: { E: fit.E, A: fit.A, B: fit.B, alpha: fit.alpha, beta: fit.beta, allocationA: allocation.a },
      ...(b ? { intervals: { ...b.intervals } } : {}),
    };
  });
  const comparisons = analysis.comparisons.map((c) => ({
    familyA: c.familyA,
    familyB: c.familyB,
    verdicts: c.lossRatio.map((r) => {
      const v = ratioVerdict(c, r);
      return { c: r.c, lossRatio: r.ratio, interval: r.interval ?? null, verdict: v === 'tie' || v === 'unknown' ? TOO_WEAK : v };
    }),
    allocationDifference: { estimate: c.allocationA.estimate, interval: c.allocationA.interval ?? null, differs: c.allocationA.excludesZero ?? null },
  }));
  const summary = analysis.comparisons.length
    ? analysis.comparisons.map(comparisonSummary)
    : ['No two families could both be fitted: the evidence is too weak to tell which family wins at a given compute budget.'];
  return {
    study: study.name,
    benchmark: studyBenchmarkKind(study),
    flopConvention: flopConventionOf(studyBenchmarkKind(study)),
    trials: study.trials.length,
    finishedRuns: runsOf(study.trials).length,
    baselines: study.baselines,
    ...(studyBenchmarkKind(study) === 'weight-space' ? { scorecard: weightSpaceScorecard(study) } : {}),
    bootstrap: ctx.bootstrap,
    families,
    comparisons,
    noOverlap: analysis.noOverlap,
    summary,
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
