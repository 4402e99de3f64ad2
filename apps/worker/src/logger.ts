/**
 * Structured logs: one JSON object per line ({ ts, level, msg, ...fields }) on stderr; fields whose name looks
 * secret (token, password, authorization) are never printed. Same line format as the coordinator's.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /token|password|passwd|secret|authorization/i;

function safe(key: string, value: unknown): unknown {
  if (SECRET_KEY.test(key) && value !== undefined && value !== null && value !== '') return '[redacted]';
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

export function createLogger(opts: { level?: LogLevel; write?: (line: string) => void; fields?: LogFields } = {}): Logger {
  const min = RANK[opts.level ?? ((process.env.EQUISCALE_LOG_LEVEL as LogLevel | undefined) ?? 'info')] ?? RANK.info;
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const base = opts.fields ?? {};
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    const out: LogFields = { ts: new Date().toISOString(), level, msg };
    for (const [k, v] of Object.entries({ ...base, ...fields })) if (v !== undefined) out[k] = safe(k, v);
    write(JSON.stringify(out) + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...opts, fields: { ...base, ...fields } }),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silentLogger };
