import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { isServiceError, unary, type CreateSweepRequest, type CreateSweepResponse, type GetSweepRequest, type GetSweepResponse, type CancelSweepRequest, type CancelSweepResponse, type ListTrialsRequest, type ListTrialsResponse, type SweepSummary } from '@equiscale/contract';
import { UsageError } from '../errors.js';
import { registerSweepPlanCommand } from './sweep-plan.js';
import { addClientOptions, adminClient, fmtNum, formatDuration, textTable, type ClientFlags } from './common.js';

/** gRPC failures as one line for the user. */
async function call<T>(what: string, coordinator: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (isServiceError(err)) {
      const msg = err.details || err.message;
      if (err.code === 14) throw new UsageError(`${what}: coordinator at ${coordinator} is unreachable (${msg}); start it with \`equiscale coordinator\` or pass --coordinator HOST:PORT`);
      throw new UsageError(`${what}: ${msg}`);
    }
    throw err;
  }
}

export function statusTable(s: SweepSummary): string {
  const c = s.counts ?? { pending: 0, running: 0, completed: 0, diverged: 0, failed: 0, cancelled: 0 };
  const total = c.pending + c.running + c.completed + c.diverged + c.failed + c.cancelled;
  const done = c.completed + c.diverged + c.failed + c.cancelled;
  const lines = [
    `sweep ${s.name} (#${s.sweepId}) — ${s.status}, ${done}/${total} trials finished, elapsed ${formatDuration(s.elapsedS)}, ETA ${s.etaS < 0 ? '?' : formatDuration(s.etaS)}`,
    textTable(['pending', 'running', 'completed', 'diverged', 'failed', 'cancelled'], [[c.pending, c.running, c.completed, c.diverged, c.failed, c.cancelled]]),
  ];
  if (s.trunks > 0) lines.push(wsdSavingLine(s.trunks, s.branches, s.plannedNominalFlops, s.independentNominalFlops));
  return lines.join('\n');
}

export function registerSweepCommands(program: Command): void {
  const sweep = program.command('sweep').description('launch, inspect and cancel sweeps (through the coordinator); plan one offline');
  registerSweepPlanCommand(sweep);

  addClientOptions(
    sweep
      .command('launch <spec>')
      .description('launch a sweep from a YAML or JSON spec file (idempotent: the same spec again changes nothing)')
      .option('--extend', 'allow a changed spec under an existing name when it only adds cells'),
  ).action(async (specPath: string, o: ClientFlags & { extend?: boolean }) => {
    let text: string;
    try {
      text = readFileSync(specPath, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read spec file ${specPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const format = /\.json$/i.test(specPath) ? 'json' : /\.ya?ml$/i.test(specPath) ? 'yaml' : '';
    const { client, md } = adminClient(o);
    try {
      const res = await call(
        'sweep launch',
        o.coordinator,
        unary<CreateSweepRequest, CreateSweepResponse>(client, client.createSweep, { specText: text, format, extend: !!o.extend }, md()),
      );
      if (!res.created) console.log(`sweep ${res.name} already exists with this spec (${res.trialCount} trials); nothing changed`);
      else if (res.addedTrials === res.trialCount) console.log(`launched sweep ${res.name} (#${res.sweepId}): ${res.trialCount} trials`);
      else console.log(`extended sweep ${res.name}: ${res.addedTrials} new trials, ${res.trialCount} in all`);
    } finally {
      client.close();
    }
  });

  addClientOptions(
    sweep
      .command('status <name>')
      .description('progress table of a sweep: pending / running / done / failed, ETA')
      .addOption(new Option('--trials', 'also list every trial'))
      .addOption(new Option('--json', 'print JSON')),
  ).action(async (name: string, o: ClientFlags & { trials?: boolean; json?: boolean }) => {
    const { client, md } = adminClient(o);
    try {
      const res = await call('sweep status', o.coordinator, unary<GetSweepRequest, GetSweepResponse>(client, client.getSweep, { name }, md()));
      const trials: ListTrialsResponse['trials'] = [];
      while (o.trials) {
        const after = trials.length ? trials[trials.length - 1].trialId : 0;
        const page = await call('sweep status', o.coordinator, unary<ListTrialsRequest, ListTrialsResponse>(client, client.listTrials, { sweepName: name, status: '', limit: 10000, afterTrialId: after }, md()));
        trials.push(...page.trials);
        if (page.trials.length < 10000) break;
      }
      if (o.json) {
        console.log(JSON.stringify({ sweep: res.sweep, trials }, null, 2));
        return;
      }
      console.log(statusTable(res.sweep!));
      if (o.trials) {
        console.log(
          textTable(
            ['id', 'cell', 'status', 'attempt', 'step', 'test_loss', 'error'],
            trials.map((t) => [t.trialId, t.trial?.cellKey ?? '', t.status, t.attempt, `${t.progressStep}/${t.trial?.steps ?? '?'}`, fmtNum(t.testLoss), t.error.slice(0, 60)]),
          ),
        );
      }
    } finally {
      client.close();
    }
  });

  addClientOptions(sweep.command('cancel <name>').description('cancel every unfinished trial; workers stop on their next heartbeat')).action(
    async (name: string, o: ClientFlags) => {
      const { client, md } = adminClient(o);
      try {
        const res = await call('sweep cancel', o.coordinator, unary<CancelSweepRequest, CancelSweepResponse>(client, client.cancelSweep, { name }, md()));
        console.log(`cancelled ${res.cancelledTrials} trials of sweep ${name}`);
      } finally {
        client.close();
      }
    },
  );
}

/** One line on a WSD sweep's compute: what it spends against the same points as independent runs. */
export function wsdSavingLine(trunks: number, branches: number, planned: number, independent: number): string {
  const saving = planned > 0 ? independent / planned : 1;
  return (
    `WSD: ${trunks} trunks, ${branches} branches; ${fmtNum(planned, 3)} nominal FLOPs planned against ${fmtNum(independent, 3)} ` +
    `as independent runs (${saving.toFixed(2)}× fewer FLOPs)`
  );
}
