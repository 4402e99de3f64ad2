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
  ).action(async (o: FitFlags, cmd: Command) => {
    if (Boolean(o.csv) === Boolean(o.sweep)) throw new UsageError('fit needs exactly one of --csv FILE or --sweep NAME');
    const scaling = await import('@equiscale/scaling');
    const study = await import('@equiscale/study');
    let runs: import('@equiscale/scaling').Run[];
    if (o.csv) {
      let text: string;
      try {
        text = readFileSync(o.csv, 'utf8');
      } catch (e) {
        throw new UsageError(`cannot read --csv ${o.csv}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      runs = asUsage(`--csv ${o.csv}`, () => scaling.parseRunsCsv(text));
    } else {
      runs = study.fitRunsOf((await loadStudy(o, o.sweep!)).trials);
      if (runs.length === 0) throw new UsageError(`sweep ${o.sweep} has no finished trials with a test loss yet; check \`equiscale sweep status ${o.sweep}\``);
    }
    const quiet = Boolean(cmd.optsWithGlobals().quiet) || Boolean(o.json);
    const progress = makeProgress(quiet);
    // the same fits as `plot` and the demo (libs/study analyzeRuns); a family that cannot be fitted says why
    const analysis = asUsage('fit', () =>
      study.analyzeRuns(runs, { bootstrap: o.bootstrap, seed: o.seed, onProgress: (family, done, total) => progress.update(`bootstrap ${family}`, done, total) }),
    );
    progress.done();
    const failed = analysis.families.filter((f) => !f.result);
    if (failed.length > 0) throw new UsageError(`fit: ${failed.map((f) => (f.family === 'all' ? f.problem : `family ${f.family}: ${f.problem}`)).join('; ')}`);
    const results = analysis.families.flatMap((f) => (f.result ? [f.result] : []));
    if (o.json) {
      console.log(
        JSON.stringify(
          results.map((r) => ({
            family: r.family,
            runs: r.fit.nRuns,
            E: r.fit.E,
            A: r.fit.A,
            B: r.fit.B,
            alpha: r.fit.alpha,
            beta: r.fit.beta,
            objective: r.fit.objective,
            identifiable: r.fit.identifiable,
            problems: r.fit.reasons,
            allocation: r.allocation,
            kappa: r.kappa,
            crossCheck: r.crossCheck ? { disagree: r.crossCheck.disagree, message: r.crossCheck.message } : undefined,
            intervals: r.bootstrap ? { level: r.bootstrap.level, resamples: r.bootstrap.resamples, failed: r.bootstrap.failed, ...r.bootstrap.intervals } : undefined,
          })),
          null,
          2,
        ),
      );
    } else {
      console.log(scaling.formatFitTable(results));
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
    console.log(`wrote ${r.figures.length} figures and ${r.report.html}`);
  });
}
