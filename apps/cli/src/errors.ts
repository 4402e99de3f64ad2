/** An error the user can fix: printed as one line ("equiscale: ..."), exit code 2, no stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const USER_ERROR_NAMES = new Set(['UsageError', 'DatabaseConfigError', 'SweepSpecError', 'SweepConflictError', 'CsvError', 'FitInputError', 'BenchmarkConfigError']);

/** True for errors whose message is meant for the user as it is. */
export function isUserError(err: unknown): err is Error {
  return err instanceof Error && (USER_ERROR_NAMES.has(err.name) || (err as { userFacing?: boolean }).userFacing === true);
}

export function parsePositiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer (got "${v}")`);
  return n;
}

export function parseNonNegativeInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a non-negative integer (got "${v}")`);
  return n;
}

/** HOST:PORT with a port in 1..65535. */
export function parseAddress(flag: string, v: string): string {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new UsageError(`${flag} must be HOST:PORT, e.g. 127.0.0.1:50051 (got "${v}")`);
  }
  return v;
}
