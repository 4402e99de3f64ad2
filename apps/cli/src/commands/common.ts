import { Option, type Command } from 'commander';
import { makeAdminClient, callMetadata, type ConnectOptions } from '@equiscale/contract';
import { parseAddress } from '../errors.js';

export const DEFAULT_COORDINATOR = '127.0.0.1:50051';

/** --coordinator, --token, --tls-ca, --tls-server-name: how a client reaches the coordinator. */
export function addClientOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--coordinator <host:port>', 'coordinator address')
        .env('EQUISCALE_COORDINATOR')
        .default(DEFAULT_COORDINATOR)
        .argParser((v) => parseAddress('--coordinator', v)),
    )
    .addOption(new Option('--token <token>', 'shared token (prefer the env variable)').env('EQUISCALE_TOKEN'))
    .addOption(new Option('--tls-ca <file>', "PEM file of the CA that signed the coordinator's certificate; enables TLS"))
    .addOption(new Option('--tls-server-name <name>', 'expected certificate name when it differs from the host'));
}

export interface ClientFlags {
  coordinator: string;
  token?: string;
  tlsCa?: string;
  tlsServerName?: string;
}

export function connectOptions(f: ClientFlags): ConnectOptions {
  return { token: f.token, tlsCaFile: f.tlsCa, tlsServerName: f.tlsServerName };
}

export function adminClient(f: ClientFlags) {
  const opts = connectOptions(f);
  return { client: makeAdminClient(f.coordinator, opts), md: () => callMetadata(opts) };
}

/** --database-url / --data-dir: where results live (for commands that read the database directly). */
export function addDatabaseOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--database-url <url>', 'Postgres URL; without it the embedded database is used').env('DATABASE_URL'))
    .addOption(new Option('--data-dir <dir>', 'embedded database directory').env('EQUISCALE_DATA_DIR').default('.equiscale/db'));
}

export interface DatabaseFlags {
  databaseUrl?: string;
  dataDir: string;
}

export async function openDb(f: DatabaseFlags) {
  const { openDatabase, migrateToLatest } = await import('@equiscale/db');
  const conn = await openDatabase({ url: f.databaseUrl ?? '', dataDir: f.dataDir });
  await migrateToLatest(conn.db);
  return conn;
}

/** Human duration: 75 → "1m15s". */
export function formatDuration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s) || s < 0) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.round(s % 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/** A plain text table with right-aligned numeric columns. */
export function textTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || /^-?[\d.e+-]+$|^-$/.test(String(r[i]))));
  return cells
    .map((r) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd())
    .join('\n');
}

export function fmtNum(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) return x.toExponential(2);
  return Number(x.toPrecision(digits)).toString();
}
