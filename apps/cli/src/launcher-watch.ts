/**
 * Stopping through wrappers. What npm 11 does on this machine (Linux, /bin/sh = dash 0.5.12), measured by sending
 * SIGTERM to the outermost process only:
 *
 *   npx equiscale …  →  npm exec (pid A)  →  sh -c 'equiscale' … (B)  →  node …/equiscale.mjs (C)
 *     npm forwards SIGTERM to its child B; dash dies of it without passing it on; npm then exits. C never gets a
 *     signal and is re-parented to PID 1, still running (a coordinator keeps its port). Same for `npm exec`.
 *   sh -c 'node_modules/.bin/equiscale …'  →  sh dies, node is re-parented and keeps running.
 *   sh -c 'npx equiscale …'  →  only the outer sh dies; npm, its sh and node all keep running.
 *   node_modules/.bin/equiscale … (no wrapper)  →  node itself gets the signal (the shebang execs node).
 *
 * No setting makes npm's dash forward signals, and a process group does not help (npm and dash signal their
 * child, not a group). So the equiscale process watches the wrappers that started it instead: when it starts it
 * records its chain of launcher-wrapper ancestors (npm/npx, and shells running a command string, `sh -c …`), and
 * every 500 ms it checks that each link is still there (each process's parent unchanged). A broken link means a
 * wrapper was stopped — wrappers never exit before their child on their own — so the process stops as if it got
 * SIGTERM itself: it sends SIGTERM to itself, and the command's own handler (coordinator, worker, demo) does the
 * graceful stop. If a real SIGTERM/SIGINT already arrived (a terminal's Ctrl-C, SLURM, systemd signal every
 * process), orphaning adds nothing, so a worker never mistakes it for the "second signal, exit now".
 *
 * Not watched on purpose: a shell running a script file (a script may start us in the background and go on) and
 * the parent of the topmost wrapper (an interactive shell that logs out after `nohup npx equiscale worker &`).
 * Linux only (/proc); elsewhere /bin/sh is usually bash, which execs the last command, so npm signals node itself.
 * Containers: when PID 1 exits the kernel SIGKILLs the whole namespace at once, so no watcher can help there —
 * the entrypoint must be the node process itself (see README, "Starting equiscale from a launcher").
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const POLL_MS = 500;
const SHELLS = new Set(['sh', 'dash', 'bash', 'zsh', 'ksh', 'mksh', 'ash', 'busybox']);

interface ProcInfo {
  pid: number;
  ppid: number;
  /** start time in clock ticks since boot: tells a recycled pid from the original process */
  start: string;
  argv: string[];
}

function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp session … starttime(22nd)"; comm may hold spaces and parentheses
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    return { pid, ppid: Number(rest[1]), start: rest[19]!, argv };
  } catch {
    return null;
  }
}

/** What kind of launcher wrapper a process is, or null when it is not one. */
export function wrapperKind(argv: readonly string[]): 'npm' | 'shell' | null {
  if (argv.length === 0) return null;
  // npm overwrites its title: argv[0] reads "npm exec equiscale worker …"
  const first = basename(argv[0]!.split(' ')[0]!).replace(/^-/, '');
  if (first === 'npm' || first === 'npx') return 'npm';
  if (first === 'node' && argv[1] && /^(npm|npx)-cli\.js$/.test(basename(argv[1]))) return 'npm';
  if (SHELLS.has(first) && argv.slice(1).some((a) => /^-[a-zA-Z]*c[a-zA-Z]*$/.test(a))) return 'shell';
  return null;
}

export interface LauncherLink {
  pid: number;
  /** the parent it had when we started */
  ppid: number;
  start: string;
  describe: string;
}

/** This process and its launcher-wrapper ancestors, nearest first; [] where /proc is not available. */
export function launcherChain(pid = process.pid): LauncherLink[] {
  const chain: LauncherLink[] = [];
  let p = readProc(pid);
  while (p) {
    chain.push({ pid: p.pid, ppid: p.ppid, start: p.start, describe: p.argv.join(' ').slice(0, 80) });
    if (p.ppid <= 1 || chain.length > 16) break;
    const parent = readProc(p.ppid);
    if (!parent || !wrapperKind(parent.argv)) break;
    p = parent;
  }
  return chain;
}

/** The first link whose parent is no longer the one it started with, or null while the chain is whole. */
export function brokenLink(chain: readonly LauncherLink[]): LauncherLink | null {
  // The topmost link's own parent is not a wrapper: it may come and go (see the header).
  for (let i = 0; i + 1 < chain.length; i++) {
    const link = chain[i]!;
    const now = readProc(link.pid);
    if (!now || now.start !== link.start) return chain[i + 1]!; // cannot happen for ourselves; a wrapper link vanished
    if (now.ppid !== link.ppid) return chain[i + 1]!;
  }
  return null;
}

/**
 * Starts watching this process's launcher wrappers (see the header); returns a function that stops watching.
 * The watcher's own signal listener keeps the default outcome of a signal when no command has a handler yet:
 * it re-raises the signal so the process ends as it would have.
 */
export function stopWhenLauncherStops(opts: { pollMs?: number; onStop?: (why: string) => void } = {}): () => void {
  const chain = launcherChain();
  let signalled = false;
  const observe = (sig: NodeJS.Signals) => {
    signalled = true;
    if (process.listenerCount(sig) === 1) {
      dispose();
      process.kill(process.pid, sig);
    }
  };
  process.on('SIGTERM', observe);
  process.on('SIGINT', observe);
  let suspect: LauncherLink | null = null;
  const timer = setInterval(() => {
    if (signalled) return dispose();
    const broken = brokenLink(chain);
    if (!broken) return;
    // Seen twice in a row: a real signal sent to every process at once (SLURM, systemd) lands in between.
    if (!suspect) {
      suspect = broken;
      return;
    }
    dispose();
    const why = `its launcher (${suspect.describe}, pid ${suspect.pid}) stopped; stopping as on SIGTERM`;
    (opts.onStop ?? ((w: string) => process.stderr.write(`equiscale: ${w}\n`)))(why);
    process.kill(process.pid, 'SIGTERM');
  }, opts.pollMs ?? POLL_MS);
  timer.unref();
  let disposed = false;
  function dispose() {
    if (disposed) return;
    disposed = true;
    clearInterval(timer);
    process.off('SIGTERM', observe);
    process.off('SIGINT', observe);
  }
  // Nothing to watch: started directly (the shebang execs node), or the wrappers are already gone.
  if (chain.length < 2) dispose();
  return dispose;
}
