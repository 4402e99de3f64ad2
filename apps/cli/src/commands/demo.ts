import { Option, type Command } from 'commander';
import { parseNonNegativeInt, parsePositiveInt } from '../errors.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run a whole (small) scaling study on this machine: embedded database, coordinator, one worker per core, fits, plots and a report')
    .addOption(new Option('--quick', 'a tiny study (about 2 minutes)'))
    .addOption(new Option('--fresh', 'start over instead of resuming the previous demo'))
    .addOption(new Option('--workers <n>', 'worker processes (default: one per core)').argParser((v) => parsePositiveInt('--workers', v)))
    .addOption(new Option('--out <dir>', 'where the report and figures go').default('equiscale-out'))
    .addOption(new Option('--state-dir <dir>', 'where the embedded database, dataset cache and logs live').default('.equiscale'))
    .addOption(new Option('--stop-after-trials <n>', 'stop (as if interrupted) after n trials finished; for testing resume').argParser((v) => parseNonNegativeInt('--stop-after-trials', v)).hideHelp())
    .action(async (o: { quick?: boolean; fresh?: boolean; workers?: number; out: string; stateDir: string; stopAfterTrials?: number }, cmd: Command) => {
      const { runDemo, defaultWorkers } = await import('../demo/run-demo.js');
      const r = await runDemo({
        quick: Boolean(o.quick),
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
