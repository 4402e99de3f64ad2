import { Option, type Command } from 'commander';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseNonNegativeInt, UsageError } from '../errors.js';
import { makeProgress } from '../progress.js';
import { addDatabaseOptions, openDb, type DatabaseFlags } from './common.js';

interface FitFlags extends DatabaseFlags {
  csv?: string;
  sweep?: string;
  json?: boolean;
  bootstrap: number;
  seed: number;
}

/** Errors from the scaling library about the user's data are the user's to fix: one line, no stack. */
function asUsage<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${what}: ${(e as Error).message}`);
  }
}

/** A sweep's study from the database (libs/db loadStudyRows → libs/study studyFromRows). */
async function loadStudy(f: DatabaseFlags, name: string): Promise<import('@equiscale/study').Study> {
  const conn = await openDb(f);
  try {
    const { loadStudyRows } = await import('@equiscale/db');
    const rows = await loadStudyRows(conn.db, name);
    if (!rows) throw new UsageError(`no sweep named "${name}" in ${conn.describe}; check the name or DATABASE_URL`);
    return (await import('@equiscale/study')).studyFromRows(rows);
  } finally {
    await conn.close();
  }
}

export function registerAnalysisCommands(program: Command): void {
  addDatabaseOptions(
    program
      .command('fit')
      .description('fit scaling laws L(N,D) = E + A/N^α + B/D^β per family, from a CSV file or a sweep in the database')
      .addOption(new Option('--csv <file>', 'CSV with columns n (parameters), d (training samples or tokens), loss; optional family, c (FLOPs)'))
      .addOption(new Option('--sweep <name>', 'fit the finished trials of this sweep'))
      .addOption(new Option('--json', 'print JSON (per family: E, A, B, alpha, beta, objective, intervals)'))
      .addOption(new Option('--bootstrap <n>', 'bootstrap resamples for intervals (0: none)').default(0).argParser((v) => parseNonNegativeInt('--bootstrap', v)))
      .addOption(new Option('--seed <n>', 'bootstrap seed').default(0).argParser((v) => parseNonNegativeInt('--seed', v))),
  ).action(async (o: FitFlags) => {
    if (Boolean(o.csv) === Boolean(o.sweep)) throw new UsageError('fit needs exactly one of --csv FILE or --sweep NAME');
    const scaling = await import('@equiscale/scaling');
    const study = await import('@equiscale/study');
    let input: import('@equiscale/scaling').StudyRunsInput;
    if (o.csv) {
      let text: string;
      try {
        text = readFileSync(o.csv, 'utf8');
      } catch (e) {
        throw new UsageError(`cannot read --csv ${o.csv}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const runs = asUsage(`--csv ${o.csv}`, () => scaling.parseRunsCsv(text));
      // a CSV has no seeds: every run is its own bootstrap unit; no c column: C = 6·N·D
      input = { compute: runs.map((r, i) => ({ family: r.family ?? 'all', n: r.n, d: r.d, loss: r.loss, flops: r.c ?? 6 * r.n * r.d, seed: `run${i}` })) };
    } else {
      input = study.studyInput(await loadStudy(o, o.sweep!));
      if (input.compute.length === 0) throw new UsageError(`sweep ${o.sweep} has no finished trials with a test loss yet; check \`equiscale sweep status ${o.sweep}\``);
    }
    // the same analysis as `plot` and the demo (libs/study); a family that cannot be fitted says why
    const { result } = asUsage('fit', () => study.analyzeRuns(input, { bootstrap: o.bootstrap, seed: o.seed }));
    const failed = result.failures.filter((f) => f.stage === 'compute');
    if (failed.length > 0) throw new UsageError(`fit: ${failed.map((f) => (f.family === 'all' ? f.problem : `family ${f.family}: ${f.problem}`)).join('; ')}`);
    if (o.json) {
      console.log(
        JSON.stringify(
          scaling.jsonSafe(
            result.families.map((f) => ({
              family: f.family,
              runs: f.nRuns,
              seeds: f.seeds,
              E: f.fit.E,
              A: f.fit.A,
              B: f.fit.B,
              alpha: f.fit.alpha,
              beta: f.fit.beta,
              objective: f.fit.objective,
              identifiable: f.fit.identifiable,
              problems: f.fit.reasons,
              status: f.status.status,
              reasons: f.status.reasons,
              allocation: f.allocation,
              crossCheck: { disagree: f.crossCheck.disagree, message: f.crossCheck.message },
              intervals: o.bootstrap > 0 ? { level: f.bootstrap.level, resamples: f.bootstrap.resamples, failed: f.bootstrap.failed, grouping: f.bootstrap.grouping, ...f.bootstrap.intervals } : undefined,
            })),
          ),
          null,
          2,
        ),
      );
    } else {
      console.log(study.formatStudyFits(result.families));
    }
  });

  addDatabaseOptions(
    program
      .command('plot')
      .description("draw a sweep's scaling plots (SVG + PNG) and a report into a folder")
      .requiredOption('--sweep <name>', 'sweep to plot')
      .requiredOption('--out <dir>', 'output folder')
      .addOption(new Option('--bootstrap <n>', 'bootstrap resamples for the bands').default(200).argParser((v) => parseNonNegativeInt('--bootstrap', v)))
      .addOption(new Option('--seed <n>', 'bootstrap seed').default(0).argParser((v) => parseNonNegativeInt('--seed', v))),
  ).action(async (o: DatabaseFlags & { sweep: string; out: string; bootstrap: number; seed: number }, cmd: Command) => {
    const out = resolve(o.out);
    mkdirSync(out, { recursive: true });
    const s = await loadStudy(o, o.sweep);
    const progress = makeProgress(Boolean(cmd.optsWithGlobals().quiet));
    const { writeStudyReport } = await import('@equiscale/study');
    const r = await writeStudyReport(s, out, { bootstrap: o.bootstrap, seed: o.seed, progress });
    for (const c of r.analysis.result.claims) console.log(`claim ${c.id}: ${c.verdict}`);
    console.log(`wrote ${r.figures.length} figures and ${r.report.html}`);
  });
}
