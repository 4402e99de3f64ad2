import { Option, type Command } from 'commander';
import { parseNonNegativeInt, parsePositiveInt, UsageError } from '../errors.js';

const PRESET_NAMES = ['quick', 'demo', 'study'] as const;
const DEMO_BENCHMARKS = ['rigid-body', 'weight-space'] as const;

function parseBenchmarkKind(flag: string, v: string): (typeof DEMO_BENCHMARKS)[number] {
  if (!(DEMO_BENCHMARKS as readonly string[]).includes(v)) throw new UsageError(`${flag} must be one of ${DEMO_BENCHMARKS.join(', ')} (got "${v}")`);
  return v as (typeof DEMO_BENCHMARKS)[number];
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run a whole (small) scaling study on this machine: embedded database, coordinator, one worker per core, fits, plots and a report')
    .addOption(new Option('--preset <name>', 'quick (about 2 minutes), demo (about 10) or study (the design that can test the seed study\'s claims; about 90 minutes, `sweep plan --preset study` shows it)').choices(PRESET_NAMES))
    .addOption(new Option('--quick', 'the same as --preset quick'))
    .addOption(
      new Option('--benchmark <kind>', 'the benchmark: rigid-body (colliding rigid bodies, E(3)) or weight-space (INR weights, hidden-neuron permutations: mlp, mlp+permute, dwsnet)')
        .default('rigid-body')
        .argParser((v) => parseBenchmarkKind('--benchmark', v)),
    )
    .addOption(new Option('--fresh', 'start over instead of resuming the previous demo'))
    .addOption(new Option('--workers <n>', 'worker processes (default: one per core)').argParser((v) => parsePositiveInt('--workers', v)))
    .addOption(new Option('--out <dir>', 'where the report and figures go').default('equiscale-out'))
    .addOption(new Option('--state-dir <dir>', 'where the embedded database, dataset cache and logs live').default('.equiscale'))
    .addOption(new Option('--stop-after-trials <n>', 'stop (as if interrupted) after n trials finished; for testing resume').argParser((v) => parseNonNegativeInt('--stop-after-trials', v)).hideHelp())
    .action(async (o: { preset?: (typeof PRESET_NAMES)[number]; benchmark: 'rigid-body' | 'weight-space'; quick?: boolean; fresh?: boolean; workers?: number; out: string; stateDir: string; stopAfterTrials?: number }, cmd: Command) => {
      if (o.quick && o.preset && o.preset !== 'quick') throw new UsageError(`demo: --quick is --preset quick; drop one of --quick and --preset ${o.preset}`);
      const { runDemo, defaultWorkers } = await import('../demo/run-demo.js');
      const r = await runDemo({
        preset: o.quick ? 'quick' : (o.preset ?? 'demo'),
        benchmark: o.benchmark,
        fresh: Boolean(o.fresh),
        workers: o.workers ?? defaultWorkers(),
        stateDir: o.stateDir,
        outDir: o.out,
        quiet: Boolean(cmd.optsWithGlobals().quiet),
        stopAfterTrials: o.stopAfterTrials,
      });
      if (r.interrupted) process.exitCode = 130;
    });
}
