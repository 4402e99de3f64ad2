/**
 * A real single-node SLURM cluster for the tests: Debian's slurm-wlm and munge (installed with apt when absent),
 * munged, slurmctld and slurmd started in the foreground as children of the test process, with all their state,
 * sockets, ports and logs in a temporary directory, so nothing of a system SLURM is touched.
 *
 * Facts this relies on (slurm-wlm 22.05.8, munge 0.5.15, checked here): munged runs as root with its socket, key
 * and pid file anywhere, provided every directory on the socket's path is executable by all (0711); slurm.conf's
 * AuthInfo=socket=... points auth/munge and cred/munge at it; with proctrack/linuxproc, task/none and no
 * accounting, no cgroups or database are needed; the node reaches `idle` about a second after slurmd starts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, freemem, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const SBIN_PATH = `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin:/usr/local/sbin`;
const BINARIES = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'scancel', 'squeue', 'sinfo', 'scontrol'];

function which(bin: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8', env: { ...process.env, PATH: SBIN_PATH } });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Makes sure slurm-wlm and munge are installed: installs them with apt-get when absent. Resolves with null when
 * they are there, or with the reason the test has to be skipped (only: no apt-get, or not root so apt cannot run).
 * An apt failure throws: the test then fails, it does not skip.
 */
export function ensureSlurmInstalled(): string | null {
  const missing = BINARIES.filter((b) => !which(b));
  if (missing.length === 0) return null;
  if (!which('apt-get')) return `SLURM is not installed (${missing.join(', ')} missing) and apt-get is not available to install it`;
  if (process.getuid?.() !== 0) return `SLURM is not installed (${missing.join(', ')} missing) and apt-get needs root`;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', PATH: SBIN_PATH };
  const started = Date.now();
  process.stderr.write(`# installing slurm-wlm and munge with apt-get (missing: ${missing.join(', ')})\n`);
  // other apt users on the machine: wait for the dpkg lock rather than fail
  const opts = ['-o', 'DPkg::Lock::Timeout=600', '-o', 'Acquire::Retries=3'];
  const update = spawnSync('apt-get', [...opts, 'update', '-q'], { env, encoding: 'utf8', timeout: 900_000 });
  if (update.status !== 0) throw new Error(`apt-get update failed: ${update.stderr}`);
  const install = spawnSync('apt-get', [...opts, 'install', '-y', '-q', '--no-install-recommends', 'slurm-wlm', 'munge'], { env, encoding: 'utf8', timeout: 900_000 });
  if (install.status !== 0) throw new Error(`apt-get install slurm-wlm munge failed: ${install.stderr.slice(-2000)}`);
  const still = BINARIES.filter((b) => !which(b));
  if (still.length) throw new Error(`after apt-get install, still missing: ${still.join(', ')}`);
  process.stderr.write(`# installed slurm-wlm and munge in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface SlurmCluster {
  dir: string;
  /** environment for sbatch / scancel / squeue / scontrol against this cluster (SLURM_CONF, PATH) */
  env: NodeJS.ProcessEnv;
  cpus: number;
  /** runs a SLURM client command against this cluster */
  run(bin: string, args: string[]): { status: number | null; stdout: string; stderr: string };
  /** the tail of the daemons' logs, for failure messages */
  logs(): string;
  /** cancels every job, stops slurmd, slurmctld and munged, ends any leftover job process, removes the directory */
  stop(): Promise<void>;
}

export async function startSlurmCluster(): Promise<SlurmCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'equiscale-slurm-'));
  chmodSync(dir, 0o711); // munged: every directory on the socket's path executable by all
  const mungeDir = join(dir, 'munge');
  mkdirSync(mungeDir, { mode: 0o711 });
  chmodSync(mungeDir, 0o711);
  for (const d of ['state', 'spool', 'log']) mkdirSync(join(dir, d), { mode: 0o700 });
  const keyFile = join(mungeDir, 'munge.key');
  writeFileSync(keyFile, randomBytes(1024), { mode: 0o600 });
  const socket = join(mungeDir, 'munge.socket');

  const node = hostname().split('.')[0]!;
  const cpus = Math.min(2, availableParallelism());
  const memMb = Math.max(256, Math.min(4096, Math.floor(freemem() / 2 ** 20 / 2)));
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=equiscale-test',
      `SlurmctldHost=${node}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/log/slurmctld.log`,
      `SlurmdLogFile=${dir}/log/slurmd.log`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'MpiDefault=none',
      'SwitchType=switch/none',
      'MailProg=/bin/true',
      'ReturnToService=2',
      // scancel: SIGCONT+SIGTERM to every process of the job, SIGKILL this many seconds later
      'KillWait=30',
      'SlurmdParameters=config_overrides',
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${memMb} State=UNKNOWN`,
      'PartitionName=equiscale Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf, PATH: SBIN_PATH };
  const children: { name: string; child: ChildProcess; exited: Promise<void> }[] = [];
  const daemon = (name: string, bin: string, args: string[]) => {
    const out = openSync(join(dir, 'log', `${name}.out`), 'a');
    const child = spawn(bin, args, { env, stdio: ['ignore', out, out] });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    child.on('error', () => {});
    children.push({ name, child, exited });
    return child;
  };
  const run = (bin: string, args: string[]) => {
    const r = spawnSync(bin, args, { env, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const tail = (f: string, n = 25) => {
    try {
      return readFileSync(f, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
    } catch {
      return '(none)';
    }
  };
  const logs = () =>
    ['munged.out', 'slurmctld.log', 'slurmctld.out', 'slurmd.log', 'slurmd.out']
      .map((f) => `--- ${f}\n${tail(join(dir, 'log', f))}`)
      .join('\n');

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // 1. cancel what is left and let slurmd see the jobs end (bounded)
    if (children.some((c) => c.name === 'slurmctld' && c.child.exitCode === null)) {
      run('scancel', ['--user', String(process.getuid?.() ?? 0)]);
      for (let i = 0; i < 60; i++) {
        const q = run('squeue', ['-h', '-o', '%i']);
        if (q.status !== 0 || q.stdout.trim() === '') break;
        await sleep(500);
      }
    }
    // 2. stop the daemons we started, newest first: SIGTERM, then SIGKILL after 10 s
    for (const c of [...children].reverse()) {
      if (c.child.exitCode !== null || c.child.signalCode !== null) continue;
      c.child.kill('SIGTERM');
      const t = setTimeout(() => c.child.kill('SIGKILL'), 10_000);
      await c.exited;
      clearTimeout(t);
    }
    // 3. any process still carrying this cluster's SLURM_CONF (a job step, slurmstepd) descends from what we
    //    started: end it by pid
    for (const pid of processesWith(`SLURM_CONF=${conf}`)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (!process.env.EQUISCALE_KEEP_SLURM_DIR) rmSync(dir, { recursive: true, force: true });
  };

  try {
    daemon('munged', which('munged')!, ['-F', `--socket=${socket}`, `--key-file=${keyFile}`, `--pid-file=${join(mungeDir, 'munged.pid')}`, `--seed-file=${join(mungeDir, 'munged.seed')}`, `--log-file=${join(dir, 'log', 'munged.log')}`]);
    for (let i = 0; i < 100 && !existsSync(socket); i++) await sleep(100);
    if (!existsSync(socket)) throw new Error('munged did not create its socket within 10 s');
    daemon('slurmctld', which('slurmctld')!, ['-D', '-c', '-f', conf]);
    daemon('slurmd', which('slurmd')!, ['-D', '-f', conf]);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const s = run('sinfo', ['-h', '-o', '%t']);
      if (s.status === 0 && s.stdout.trim() === 'idle') break;
      if (Date.now() > deadline) throw new Error(`the node did not become idle within 60 s (sinfo: ${s.stdout.trim()} ${s.stderr.trim()})`);
      await sleep(250);
    }
  } catch (err) {
    const msg = `${(err as Error).message}\n${logs()}`;
    await stop();
    throw new Error(msg);
  }
  return { dir, env, cpus, run, logs, stop };
}

/** Processes whose environment holds `entry` exactly, with their command line and environment (from /proc). */
export function processesWithEnv(entry: string): { pid: number; argv: string[]; env: string[] }[] {
  const out: { pid: number; argv: string[]; env: string[] }[] = [];
  for (const pid of processesWith(entry)) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
      out.push({ pid, argv, env });
    } catch {
      /* exited */
    }
  }
  return out;
}

/** Pids of processes whose environment holds `entry` exactly (read from /proc). */
function processesWith(entry: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(entry)) pids.push(Number(name));
    } catch {
      /* exited, or not ours to read */
    }
  }
  return pids;
}
