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
      const { loadStudy, fitRunsOf } = await import('../analysis/study.js');
      const conn = await openDb(o);
      try {
        runs = fitRunsOf((await loadStudy(conn, o.sweep!)).trials);
      } finally {
        await conn.close();
      }
      if (runs.length === 0) throw new UsageError(`sweep ${o.sweep} has no finished trials with a test loss yet; check \`equiscale sweep status ${o.sweep}\``);
    }
    const quiet = Boolean(cmd.optsWithGlobals().quiet) || Boolean(o.json);
    const progress = makeProgress(quiet);
    const results = asUsage('fit', () =>
      scaling.fitFamilies(runs, {
        bootstrap: o.bootstrap > 0 ? { resamples: o.bootstrap, seed: o.seed } : 0,
        onProgress: (family, done, total) => progress.update(`bootstrap ${family}`, done, total),
      }),
    );
    progress.done();
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
    const { loadStudy } = await import('../analysis/study.js');
    const conn = await openDb(o);
    let study;
    try {
      study = await loadStudy(conn, o.sweep);
    } finally {
      await conn.close();
    }
    const progress = makeProgress(Boolean(cmd.optsWithGlobals().quiet));
    const { writeStudyReport } = await import('../analysis/index.js');
    const r = await writeStudyReport(study, out, { bootstrap: o.bootstrap, seed: o.seed, progress });
    console.log(`wrote ${r.figures.length} figures and ${r.report.html}`);
  });
}
