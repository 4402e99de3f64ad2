/**
 * The sbatch job-array script that runs equiscale workers on a SLURM cluster: one worker per array task.
 *
 * How each SLURM event reaches the worker (checked against slurm-wlm 22.05 in test/cluster/slurm.test.ts):
 * - the worker is started with `exec`, so it *is* the batch step's process: `scancel`, preemption and the
 *   `--signal` warning deliver SIGTERM to it directly (with proctrack/linuxproc a child of a batch shell that dies
 *   first would outlive the job; with exec there is no shell left to die);
 * - SIGTERM makes the worker finish its step, checkpoint, hand the trial back (ReleaseTrial) and exit 0; SIGKILL
 *   follows after the cluster's KillWait (scancel, time limit) or GraceTime (preemption), so the signal lead
 *   (`#SBATCH --signal=B:TERM@S`, B: = to the batch step, which is the worker) gives it S seconds before the limit;
 * - `--requeue` lets a preempted task run again (SLURM_RESTART_COUNT > 0; `--open-mode=append` keeps the log
 *   of the earlier run); the handed-back trial resumes from its checkpoint on whichever worker claims it first.
 * The token reaches the worker through the environment, never its command line (see `tokenFile`).
 */
import { checkAddress, checkPositiveInt, checkToken, fail, parseSlurmTime, shellQuote } from './options.js';

export interface SlurmScriptOptions {
  /** HOST:PORT of the coordinator, as the compute nodes reach it */
  coordinator: string;
  /** array tasks, one worker each */
  workers: number;
  partition?: string;
  /** SLURM time limit of each task (MINUTES, HH:MM:SS, D-HH:MM, ...) */
  time?: string;
  gpusPerTask?: number;
  /** default 1: one worker trains on one core */
  cpusPerTask?: number;
  /** --requeue: a preempted (or node-failed) task is queued again */
  requeue?: boolean;
  /** at most this many tasks at once (the array's %K) */
  maxConcurrent?: number;
  /** seconds before the time limit at which the worker gets SIGTERM (default 120) */
  signalLead?: number;
  jobName?: string;
  /** sbatch --output pattern (default equiscale-worker-%A_%a.out) */
  output?: string;
  /** sbatch --chdir: working directory of the tasks */
  chdir?: string;
  /**
   * a file (on a filesystem the compute nodes see, mode 600) holding the token; the task reads it when it starts.
   * Without it the token is taken from EQUISCALE_TOKEN in the submitting shell's environment (--export=ALL).
   */
  tokenFile?: string;
  /** PEM file of the coordinator's CA (path on the compute nodes); enables TLS */
  tlsCa?: string;
  backend?: 'tensorflow' | 'wasm' | 'cpu';
  /** a worker with no pending trial for this long exits, ending its task (default 120000) */
  idleExitMs?: number;
  /** how the compute nodes start equiscale, e.g. `node /shared/equiscale/apps/cli/bin/equiscale.mjs` (one line) */
  command: string;
}

export const SLURM_DEFAULTS = {
  cpusPerTask: 1,
  signalLead: 120,
  jobName: 'equiscale-worker',
  output: 'equiscale-worker-%A_%a.out',
  idleExitMs: 120_000,
};

const NAME = /^[A-Za-z0-9_.+-]{1,128}$/;
const PARTITION = /^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/;
/** a path written into an #SBATCH line or the script: one word, no quotes, no spaces, no shell expansion */
const PATH_WORD = /^[A-Za-z0-9_./%@+,:=~-]+$/;

/** Checks every option (one ClusterOptionError naming the flag on the first bad one) and fills the defaults. */
export function checkSlurmOptions(o: SlurmScriptOptions): Required<Pick<SlurmScriptOptions, 'cpusPerTask' | 'signalLead' | 'jobName' | 'output' | 'idleExitMs'>> & SlurmScriptOptions {
  checkAddress('--coordinator', o.coordinator);
  checkPositiveInt('--workers', o.workers, 1_000_000);
  if (o.partition !== undefined) checkToken('--partition', o.partition, PARTITION, 'a partition name such as "gpu" or a list "gpu,cpu"');
  const timeSeconds = o.time === undefined ? undefined : parseSlurmTime('--time', o.time);
  if (o.gpusPerTask !== undefined) checkPositiveInt('--gpus-per-task', o.gpusPerTask, 64);
  const cpusPerTask = checkPositiveInt('--cpus-per-task', o.cpusPerTask ?? SLURM_DEFAULTS.cpusPerTask, 1024);
  if (o.maxConcurrent !== undefined) checkPositiveInt('--max-concurrent', o.maxConcurrent, o.workers);
  const signalLead = o.signalLead ?? SLURM_DEFAULTS.signalLead;
  checkPositiveInt('--signal-lead', signalLead, 65_535);
  if (timeSeconds !== undefined && signalLead >= timeSeconds) {
    fail(`--signal-lead (${signalLead} s) must be shorter than --time (${timeSeconds} s): lower --signal-lead or raise --time`);
  }
  const jobName = checkToken('--job-name', o.jobName ?? SLURM_DEFAULTS.jobName, NAME, '"equiscale-worker" (letters, digits, _ . + -)');
  const output = checkToken('--output', o.output ?? SLURM_DEFAULTS.output, PATH_WORD, 'logs/equiscale-%A_%a.out (a path without spaces or quotes)');
  if (o.chdir !== undefined) checkToken('--chdir', o.chdir, PATH_WORD, '/shared/equiscale (a path without spaces or quotes)');
  if (o.tokenFile !== undefined) checkToken('--token-file', o.tokenFile, PATH_WORD, '/home/me/.equiscale-token (a path without spaces or quotes)');
  if (o.tlsCa !== undefined) checkToken('--tls-ca', o.tlsCa, PATH_WORD, '/shared/ca.pem (a path without spaces or quotes)');
  if (o.backend !== undefined && !['tensorflow', 'wasm', 'cpu'].includes(o.backend)) fail(`--backend must be tensorflow, wasm or cpu (got ${JSON.stringify(o.backend)})`);
  const idleExitMs = o.idleExitMs ?? SLURM_DEFAULTS.idleExitMs;
  checkPositiveInt('--idle-exit-ms', idleExitMs);
  if (!o.command.trim() || /[\n\r]/.test(o.command)) fail('--command must be one line that starts equiscale on the compute nodes, e.g. "node /shared/equiscale/apps/cli/bin/equiscale.mjs"');
  return { ...o, cpusPerTask, signalLead, jobName, output, idleExitMs };
}

/** The sbatch script (bash). Throws ClusterOptionError on a bad option. */
export function renderSlurmScript(options: SlurmScriptOptions): string {
  const o = checkSlurmOptions(options);
  const sb: string[] = [
    `--job-name=${o.jobName}`,
    `--array=0-${o.workers - 1}${o.maxConcurrent ? `%${o.maxConcurrent}` : ''}`,
    '--nodes=1',
    '--ntasks=1',
    `--cpus-per-task=${o.cpusPerTask}`,
  ];
  if (o.gpusPerTask) sb.push(`--gpus-per-task=${o.gpusPerTask}`);
  if (o.partition) sb.push(`--partition=${o.partition}`);
  if (o.time) sb.push(`--time=${o.time}`);
  if (o.chdir) sb.push(`--chdir=${o.chdir}`);
  sb.push(`--output=${o.output}`, '--open-mode=append', `--signal=B:TERM@${o.signalLead}`, '--export=ALL');
  if (o.requeue) sb.push('--requeue');

  const workerArgs = [
    'worker',
    '--coordinator',
    o.coordinator,
    '--worker-id',
    '"slurm-${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}.${SLURM_RESTART_COUNT:-0}"',
    '--idle-exit-ms',
    String(o.idleExitMs),
  ];
  if (o.tlsCa) workerArgs.push('--tls-ca', shellQuote(o.tlsCa));
  if (o.backend) workerArgs.push('--backend', o.backend);

  const token = o.tokenFile
    ? [
        `# The token is read from ${o.tokenFile} when the task starts (keep it chmod 600 on a filesystem the compute`,
        '# nodes see): it never enters the job\'s stored environment, the command line or the script.',
        `if [ ! -r ${shellQuote(o.tokenFile)} ]; then echo "equiscale: cannot read the token file ${o.tokenFile}" >&2; exit 1; fi`,
        `EQUISCALE_TOKEN=''`,
        `IFS= read -r EQUISCALE_TOKEN < ${shellQuote(o.tokenFile)} || true`,
        `if [ -z "$EQUISCALE_TOKEN" ]; then echo "equiscale: the token file ${o.tokenFile} is empty" >&2; exit 1; fi`,
        'export EQUISCALE_TOKEN',
      ]
    : [
        '# The token comes from EQUISCALE_TOKEN in the environment sbatch was run from (--export=ALL); slurmctld keeps',
        '# that environment with the job, readable by root and SlurmUser only; it is never on a command line. Use',
        '# `equiscale slurm script --token-file FILE` to have each task read it from a file instead.',
        'if [ -z "${EQUISCALE_TOKEN:-}" ]; then',
        '  echo "equiscale: EQUISCALE_TOKEN is not set; a coordinator started with a token will refuse this worker" >&2',
        'fi',
      ];

  return [
    '#!/bin/bash',
    `# equiscale workers on SLURM: a job array of ${o.workers} task${o.workers === 1 ? '' : 's'}, one worker each, all claiming trials from`,
    `# the coordinator at ${o.coordinator}. Generated by \`equiscale slurm script\`; submit with sbatch (or \`equiscale slurm submit\`).`,
    '#',
    '# Signals: the worker is exec-ed, so it is the batch step itself and receives SLURM\'s SIGTERM directly (scancel,',
    `# preemption, and --signal ${o.signalLead} s before the time limit). On SIGTERM it finishes its step, checkpoints, hands the`,
    '# trial back to the coordinator and exits 0; another task (or this one, requeued) resumes the trial from the',
    '# checkpoint. A worker with no pending trial exits after --idle-exit-ms, ending its task.',
    ...(o.requeue ? ['# --requeue: a preempted task is queued again (SLURM_RESTART_COUNT counts restarts; the log is appended to).'] : []),
    ...sb.map((s) => `#SBATCH ${s}`),
    'set -eu',
    '',
    ...token,
    '',
    'echo "equiscale: array task ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} (job ${SLURM_JOB_ID}, restart ${SLURM_RESTART_COUNT:-0}) on $(hostname)" >&2',
    `exec ${o.command} ${workerArgs.join(' ')}`,
    '',
  ].join('\n');
}
