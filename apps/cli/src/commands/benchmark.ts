import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { fmtNum, textTable } from './common.js';

/**
 * `equiscale benchmark stats [--spec FILE] [--train N] [--json]`: per split of the benchmark (the default one, or
 * a sweep spec's), the examples, the share with a contact within the horizon (any / body–body) and the no-motion
 * and constant-velocity losses. Generates the data in memory (nothing is cached or written).
 */
export function registerBenchmarkCommands(program: Command): void {
  const benchmark = program.command('benchmark').description('the rigid-body benchmark: what the data ask of a model');
  benchmark
    .command('stats')
    .description('per split: examples, share with a contact within the horizon (any, body–body), no-motion and constant-velocity losses')
    .option('--spec <file>', "use this sweep spec's benchmark (YAML or JSON) instead of the default one")
    .option('--train <n>', 'training examples to measure (the first n of the train split)', '1024')
    .option('--json', 'print JSON: { splits: { train|val|test: { examples, contactShare, bodyBodyContactShare, touchShare, baselines } }, ... }')
    .action(async (o: { spec?: string; train: string; json?: boolean }) => {
      const trainSize = Number(o.train);
      if (!Number.isInteger(trainSize) || trainSize < 0) throw new UsageError(`--train must be a non-negative integer (got "${o.train}")`);
      const rb = await import('@equiscale/rigid-body');
      let config = rb.defaultBenchmarkConfig();
      if (o.spec !== undefined) {
        const { existsSync } = await import('node:fs');
        if (!existsSync(o.spec)) throw new UsageError(`--spec: cannot read ${o.spec}; pass the path of a sweep spec file`);
        const { loadSweepSpecFile, SweepSpecError, benchmarkKindOf, rigidBodyBenchmark } = await import('@equiscale/sweeps');
        try {
          const b = loadSweepSpecFile(o.spec).benchmark;
          if (benchmarkKindOf(b) !== 'rigid-body') throw new UsageError(`--spec ${o.spec}: benchmark.kind is ${benchmarkKindOf(b)}; benchmark stats measures the rigid-body benchmark only`);
          config = rigidBodyBenchmark(b);
        } catch (e) {
          if (!(e instanceof SweepSpecError)) throw e;
          const first = e.issues[0];
          const more = e.issues.length > 1 ? ` (and ${e.issues.length - 1} more problems)` : '';
          throw new UsageError(`--spec ${o.spec}: ${first ? `${first.path || '(spec)'}: ${first.message}` : e.message}${more}`);
        }
      }
      try {
        rb.validateBenchmarkConfig(config);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const stats = await rb.benchmarkStats(config, { trainSize });
      const out = { ...stats, benchmark: rb.validateBenchmarkConfig(config), benchmarkHash: rb.benchmarkConfigHash(config) };
      if (o.json) {
        console.log(JSON.stringify(out, null, 2));
        return;
      }
      console.log(`horizon ${stats.horizon} frames (${fmtNum(stats.horizon * stats.dt * 1000, 3)} ms) from frames t−${stats.pastOffset} and t; generated in ${stats.generationSeconds.toFixed(1)} s; wind ${stats.windStrength} m/s² (windStrength, 0 = none)`);
      console.log(
        textTable(
          ['split', 'examples', 'contact', 'body–body', 'touching', 'no-motion loss', 'const-velocity loss'],
          rb.SPLITS.map((s) => {
            const x = stats.splits[s];
            return [s, x.examples, x.contactShare.toFixed(3), x.bodyBodyContactShare.toFixed(3), x.touchShare.toFixed(3), fmtNum(x.baselines.noMotion), fmtNum(x.baselines.constantVelocity)];
          }),
        ),
      );
    });
}
