/**
 * Cluster engines: `equiscale slurm script|submit` (an sbatch job array of workers) and `equiscale k8s manifests`
 * (coordinator, Secret and workers as Kubernetes objects). The generators live in @equiscale/cluster.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { parsePositiveInt, parseAddress, UsageError } from '../errors.js';

interface SlurmFlags {
  coordinator: string;
  workers: number;
  partition?: string;
  time?: string;
  gpusPerTask?: number;
  cpusPerTask?: number;
  requeue?: boolean;
  maxConcurrent?: number;
  signalLead?: number;
  jobName?: string;
  output?: string;
  chdir?: string;
  tokenFile?: string;
  tlsCa?: string;
  backend?: 'tensorflow' | 'wasm' | 'cpu';
  idleExitMs?: number;
  command?: string;
  sbatch?: string;
}

interface K8sFlags {
  image: string;
  workers: number;
  namespace?: string;
  gpu?: boolean;
  name?: string;
  port?: number;
  workerKind?: 'job' | 'deployment';
  workerCpu?: string;
  workerMemory?: string;
  gracePeriod?: number;
  idleExitMs?: number;
  secretFromEnv?: boolean;
}

/** This installation's `equiscale` started through node: what the compute nodes run unless --command says otherwise. */
function defaultCommand(): string {
  const bin = fileURLToPath(new URL('../../bin/equiscale.mjs', import.meta.url));
  return /^[A-Za-z0-9_./-]+$/.test(bin) ? `node ${bin}` : `node '${bin.replace(/'/g, `'\\''`)}'`;
}

const int = (flag: string) => (v: string) => parsePositiveInt(flag, v);

function addSlurmOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--coordinator <host:port>', 'coordinator address as the compute nodes reach it')
        .env('EQUISCALE_COORDINATOR')
        .argParser((v) => parseAddress('--coordinator', v))
        .makeOptionMandatory(),
    )
    .addOption(new Option('--workers <n>', 'array tasks, one worker each').argParser(int('--workers')).makeOptionMandatory())
    .addOption(new Option('--partition <p>', 'SLURM partition (or comma-separated list)'))
    .addOption(new Option('--time <t>', 'time limit per task: MINUTES, HH:MM:SS, D-HH:MM, ...'))
    .addOption(new Option('--gpus-per-task <g>', 'GPUs per worker').argParser(int('--gpus-per-task')))
    .addOption(new Option('--cpus-per-task <c>', 'CPUs per worker (default 1)').argParser(int('--cpus-per-task')))
    .addOption(new Option('--requeue', 'requeue a preempted task (its trial is handed back and resumed from its checkpoint)'))
    .addOption(new Option('--max-concurrent <k>', 'at most K tasks at once (array %K)').argParser(int('--max-concurrent')))
    .addOption(new Option('--signal-lead <s>', 'SIGTERM the worker this many seconds before the time limit (default 120)').argParser(int('--signal-lead')))
    .addOption(new Option('--job-name <name>', 'job name (default equiscale-worker)'))
    .addOption(new Option('--output <pattern>', 'log file pattern (default equiscale-worker-%A_%a.out, appended to)'))
    .addOption(new Option('--chdir <dir>', 'working directory of the tasks'))
    .addOption(new Option('--token-file <file>', 'each task reads the token from this file (mode 600); default: EQUISCALE_TOKEN from the environment'))
    .addOption(new Option('--tls-ca <file>', "PEM file of the coordinator's CA, as a path on the compute nodes"))
    .addOption(new Option('--backend <backend>', 'TensorFlow.js backend of the workers (default: best available)').choices(['tensorflow', 'wasm', 'cpu']))
    .addOption(new Option('--idle-exit-ms <ms>', 'a worker with no pending trial this long exits (default 120000)').argParser(int('--idle-exit-ms')))
    .addOption(new Option('--command <cmd>', 'how the compute nodes start equiscale (default: node and this installation\'s bin)'));
}

async function slurmScript(o: SlurmFlags): Promise<string> {
  const { renderSlurmScript } = await import('@equiscale/cluster');
  return renderSlurmScript({ ...o, command: o.command ?? defaultCommand() });
}

/** Runs `sbatch --parsable` with the script on stdin; resolves with the job id. */
function sbatch(bin: string, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['--parsable'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new UsageError(`--sbatch: "${bin}" was not found: run this on a SLURM login node, or save \`equiscale slurm script\` to a file and submit it there`)
          : e,
      ),
    );
    child.on('close', (code) => {
      const id = out.trim().split(';')[0] ?? '';
      if (code === 0 && /^\d+$/.test(id)) resolve(id);
      else reject(new Error(`sbatch failed (exit ${code}): ${err.trim() || out.trim()}`));
    });
    child.stdin.on('error', () => {}); // sbatch may exit before reading everything; 'close' reports it
    child.stdin.end(script);
  });
}

export function registerClusterCommands(program: Command): void {
  const slurm = program.command('slurm').description('run workers on a SLURM cluster (one worker per job-array task)');
  addSlurmOptions(slurm.command('script').description('print the sbatch job-array script')).action(async (o: SlurmFlags) => {
    process.stdout.write(await slurmScript(o));
  });
  addSlurmOptions(slurm.command('submit').description('submit the job-array script with sbatch; prints the job id'))
    .addOption(new Option('--sbatch <path>', 'the sbatch command').default('sbatch'))
    .action(async (o: SlurmFlags) => {
      const script = await slurmScript(o);
      const id = await sbatch(o.sbatch ?? 'sbatch', script);
      process.stdout.write(`${id}\n`);
      process.stderr.write(`submitted ${o.workers} worker${o.workers === 1 ? '' : 's'} as job array ${id} (squeue -j ${id}; scancel ${id})\n`);
    });

  const k8s = program.command('k8s').description('run equiscale on Kubernetes');
  k8s
    .command('manifests')
    .description('print the coordinator, Secret and worker manifests as YAML (kubectl apply -f -)')
    .addOption(new Option('--image <image>', 'container image built from the Dockerfile').makeOptionMandatory())
    .addOption(new Option('--workers <n>', 'worker pods').argParser(int('--workers')).makeOptionMandatory())
    .addOption(new Option('--namespace <ns>', 'namespace of every object (default "default")'))
    .addOption(new Option('--gpu', 'request one nvidia.com/gpu per worker'))
    .addOption(new Option('--name <name>', 'prefix of every object name (default equiscale)'))
    .addOption(new Option('--port <port>', 'coordinator gRPC port (default 50051)').argParser(int('--port')))
    .addOption(new Option('--worker-kind <kind>', 'job: an Indexed Job that ends with the sweep; deployment: a long-lived pool').choices(['job', 'deployment']))
    .addOption(new Option('--worker-cpu <cpu>', 'CPU per worker (default 1)'))
    .addOption(new Option('--worker-memory <mem>', 'memory request per worker (default 2Gi; the limit is twice that)'))
    .addOption(new Option('--grace-period <s>', 'terminationGracePeriodSeconds of a worker: time to checkpoint (default 120)').argParser(int('--grace-period')))
    .addOption(new Option('--idle-exit-ms <ms>', 'Job workers exit after this long with no pending trial (default 300000)').argParser(int('--idle-exit-ms')))
    .addOption(new Option('--secret-from-env', 'fill the Secret from EQUISCALE_TOKEN and DATABASE_URL (default: placeholders to replace)'))
    .action(async (o: K8sFlags) => {
      const { renderK8sManifests, k8sManifestsYaml } = await import('@equiscale/cluster');
      const secret = o.secretFromEnv ? { token: process.env.EQUISCALE_TOKEN ?? '', databaseUrl: process.env.DATABASE_URL ?? '' } : undefined;
      const docs = renderK8sManifests({ ...o, secret });
      process.stdout.write(k8sManifestsYaml(docs, secret ? 'environment' : 'placeholders'));
    });
}
