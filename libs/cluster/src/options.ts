/**
 * Checks of the flags the cluster generators take. Each failure is one ClusterOptionError naming the flag and the
 * fix; the CLI prints it as one line and exits 2 (it is `userFacing`).
 */
export class ClusterOptionError extends Error {
  readonly userFacing = true;
  constructor(message: string) {
    super(message);
    this.name = 'ClusterOptionError';
  }
}

export function fail(message: string): never {
  throw new ClusterOptionError(message);
}

/** HOST:PORT (host name, IPv4, or [IPv6]) with a port in 1..65535. */
export function checkAddress(flag: string, v: string): string {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) fail(`${flag} must be HOST:PORT, e.g. 127.0.0.1:50051 (got "${v}")`);
  return v;
}

export function checkPositiveInt(flag: string, v: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(v) || v <= 0 || v > max) fail(`${flag} must be a whole number from 1 to ${max} (got ${JSON.stringify(v)})`);
  return v;
}

/** A value written into an `#SBATCH` line or a YAML scalar: one line, no spaces or quotes. */
export function checkToken(flag: string, v: string, pattern: RegExp, example: string): string {
  if (!pattern.test(v)) fail(`${flag} must look like ${example} (got ${JSON.stringify(v)})`);
  return v;
}

/**
 * SLURM's time formats ("minutes", "minutes:seconds", "hours:minutes:seconds", "days-hours",
 * "days-hours:minutes", "days-hours:minutes:seconds") → seconds.
 */
export function parseSlurmTime(flag: string, v: string): number {
  const bad = () => fail(`${flag} must be a SLURM time limit: MINUTES, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (got ${JSON.stringify(v)})`);
  const m = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(v);
  if (!m) return bad();
  const [, d, a, b, c] = m;
  const n = (s: string | undefined) => (s === undefined ? 0 : Number(s));
  let seconds: number;
  if (d !== undefined) seconds = n(d) * 86400 + n(a) * 3600 + n(b) * 60 + n(c); // days-hours[:minutes[:seconds]]
  else if (c !== undefined) seconds = n(a) * 3600 + n(b) * 60 + n(c); // hours:minutes:seconds
  else if (b !== undefined) seconds = n(a) * 60 + n(b); // minutes:seconds
  else seconds = n(a) * 60; // minutes
  if (seconds <= 0) return bad();
  return seconds;
}

/** 'text' quoted for a POSIX shell: the value as one word, nothing expanded. */
export function shellQuote(v: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(v)) return v;
  return `'${v.replace(/'/g, `'\\''`)}'`;
}
