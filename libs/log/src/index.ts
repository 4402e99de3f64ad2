/**
 * Structured logs: one JSON object per line ({ ts, level, msg, ...fields }) on stderr. Secrets never reach a
 * line: fields whose name looks secret (token, password, authorization) are replaced, and database URLs are
 * printed with their password removed.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /token|password|passwd|secret|authorization/i;
/** The URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable URL>';
  }
}

const PG_URL = /postgres(?:ql)?:\/\/[^\s"']+/g;

/** A field value made safe to print. */
export function redactValue(key: string, value: unknown): unknown {
  if (SECRET_KEY.test(key) && value !== undefined && value !== null && value !== '') return '[redacted]';
  if (typeof value === 'string') return value.replace(PG_URL, (u) => redactUrl(u));
  if (value instanceof Error) return { name: value.name, message: redactValue('message', value.message), stack: value.stack };
  return value;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** where lines go (default: process.stderr) */
  write?: (line: string) => void;
  fields?: LogFields;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = RANK[opts.level ?? ((process.env.EQUISCALE_LOG_LEVEL as LogLevel | undefined) ?? 'info')] ?? RANK.info;
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const base = opts.fields ?? {};
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    const out: LogFields = { ts: new Date().toISOString(), level, msg: redactValue('msg', msg) };
    for (const [k, v] of Object.entries({ ...base, ...fields })) {
      if (v !== undefined) out[k] = redactValue(k, v);
    }
    let line: string;
    try {
      line = JSON.stringify(out);
    } catch {
      line = JSON.stringify({ ts: out.ts, level, msg: out.msg, note: 'fields not serialisable' });
    }
    write(line + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...opts, fields: { ...base, ...fields } }),
  };
}

/** Discards everything (tests, benches). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};
