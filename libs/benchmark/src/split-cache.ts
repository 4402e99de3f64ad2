/**
 * The dataset cache every benchmark uses (rigid-body, weight-space): one binary file per (config hash, split),
 *
 *   MAGIC (4 bytes) | u32 LE header length | header JSON (space-padded to 4 bytes) | body (little-endian arrays)
 *
 * The header carries the format and generator versions, the full config hash, the split, the example count, the
 * benchmark's own shape fields, the body length and the sha256 of the body. A file whose magic, header, versions,
 * hash, shape, length or checksum does not verify is regenerated, never used (the reason is reported). Files are
 * written to a unique temp file and renamed into place, so concurrent workers never read a half-written file.
 * Train files carry their example count in the name; the largest valid one serves every smaller training-set size
 * by prefix, and a smaller one is extended (generation is prefix-stable), after which smaller files are removed.
 * A benchmark supplies a SplitStore: how to encode, decode, generate, slice and concatenate its examples.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import type { CacheStatus, Split } from './index.js';

/** The header fields every cache file has (a benchmark adds its shape fields). */
export interface SplitFileHeader {
  format: string;
  formatVersion: number;
  generatorVersion: number;
  configHash: string;
  split: Split;
  count: number;
  bodyBytes: number;
  sha256: string;
}

export type Decoded<T> = { examples: T } | { problem: string };

function assertLittleEndian(what: string): void {
  if (endianness() !== 'LE') throw new Error(`${what} cache: big-endian hosts are not supported`);
}

/** Serialises a header and the body arrays (in order) into one cache file. */
export function encodeSplitFile<H extends SplitFileHeader>(magic: string, header: Omit<H, 'bodyBytes' | 'sha256'>, arrays: readonly ArrayBufferView[]): Buffer {
  assertLittleEndian(header.format);
  const body = Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
  let json = JSON.stringify({ ...header, bodyBytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
  while (Buffer.byteLength(json) % 4 !== 0) json += ' ';
  const head = Buffer.alloc(8);
  head.write(magic, 0, 'latin1');
  head.writeUInt32LE(Buffer.byteLength(json), 4);
  return Buffer.concat([head, Buffer.from(json), body]);
}

/**
 * Reads a cache file's header and checks what every benchmark's files share (magic, format and versions, config
 * hash, split, a non-negative integer count); returns the header and the body, or the reason it cannot be used.
 */
export function decodeSplitFile<H extends SplitFileHeader>(
  buf: Buffer,
  magic: string,
  expect: Pick<SplitFileHeader, 'format' | 'formatVersion' | 'generatorVersion' | 'configHash' | 'split'>,
): { header: H; body: Buffer } | { problem: string } {
  assertLittleEndian(expect.format);
  if (buf.length < 8 || buf.toString('latin1', 0, 4) !== magic) return { problem: 'bad magic' };
  const hlen = buf.readUInt32LE(4);
  if (8 + hlen > buf.length) return { problem: 'truncated header' };
  let h: H;
  try {
    h = JSON.parse(buf.toString('utf8', 8, 8 + hlen)) as H;
  } catch {
    return { problem: 'unreadable header' };
  }
  if (h.format !== expect.format || h.formatVersion !== expect.formatVersion) return { problem: 'format version mismatch' };
  if (h.generatorVersion !== expect.generatorVersion) return { problem: 'generator version mismatch' };
  if (h.configHash !== expect.configHash) return { problem: 'config hash mismatch' };
  if (h.split !== expect.split) return { problem: 'split mismatch' };
  if (!Number.isInteger(h.count) || h.count < 0) return { problem: 'bad header field count' };
  return { header: h, body: buf.subarray(8 + hlen) };
}

/**
 * Checks the body against the header (its length must be `expectedBytes`, what the header's shape implies, and its
 * sha256 the header's) and copies it into `arrays` in order; null when fine, else the reason.
 */
export function fillFromBody(header: SplitFileHeader, body: Buffer, expectedBytes: number, arrays: readonly ArrayBufferView[]): string | null {
  if (header.bodyBytes !== expectedBytes) return 'body size does not match the shape';
  if (body.length !== header.bodyBytes) return `body is ${body.length} bytes, expected ${header.bodyBytes} (truncated?)`;
  if (createHash('sha256').update(body).digest('hex') !== header.sha256) return 'checksum mismatch';
  let off = 0;
  for (const a of arrays) {
    new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(body.subarray(off, off + a.byteLength));
    off += a.byteLength;
  }
  return null;
}

/** What loadCachedSplits needs from a benchmark. */
export interface SplitStore<E extends { count: number }> {
  /** file-name prefix of this config's files, without the split (e.g. `rigid-body-<hash24>`) */
  prefix: string;
  decode(buf: Buffer, split: Split): Decoded<E>;
  encode(ex: E, split: Split): Buffer;
  /** whether decoded examples fit the config (shape); default: yes */
  usable?(split: Split, ex: E): boolean;
  /** `count` examples of `split` from index `start` (the generator is prefix-stable) */
  generate(split: Split, start: number, count: number, onProgress: (done: number) => void): E | Promise<E>;
  concat(parts: E[]): E;
  slice(ex: E, start: number, end: number): E;
}

/** Path of a cache file: val and test one per config, train files with their example count. */
export function splitFilePath(cacheDir: string, prefix: string, split: Split, count?: number): string {
  if (split !== 'train') return join(cacheDir, `${prefix}-${split}.bin`);
  if (!Number.isInteger(count) || (count as number) < 0) throw new Error('cache file path: the train split needs its example count');
  return join(cacheDir, `${prefix}-train-n${count}.bin`);
}

/** Train cache files of a prefix in cacheDir, largest first. */
async function trainFiles(cacheDir: string, prefix: string): Promise<{ path: string; count: number }[]> {
  const re = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-train-n(\\d+)\\.bin$`);
  const out: { path: string; count: number }[] = [];
  for (const f of await readdir(cacheDir)) {
    const m = re.exec(f);
    if (m) out.push({ path: join(cacheDir, f), count: Number(m[1]) });
  }
  return out.sort((a, b) => b.count - a.count);
}

async function readSplit<E extends { count: number }>(store: SplitStore<E>, path: string, split: Split): Promise<Decoded<E>> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    return { problem: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `unreadable: ${(e as Error).message}` };
  }
  return store.decode(buf, split);
}

/** Writes atomically: a unique temp file, then rename (readers see the old file or the new one, never a part). */
async function writeAtomic(path: string, data: Buffer): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export interface CachedSplits<E> {
  train: E;
  val: E;
  test: E;
  /** per split: whether the cache served it */
  cache: Record<Split, CacheStatus>;
  /** why a cache file present on disk could not be used (corrupt, mismatched ...), per split */
  cacheProblems: Partial<Record<Split, string>>;
}

/**
 * The splits of a config with `want` examples each, from cacheDir (created if missing) where valid files serve,
 * generated and written there where not (see the module doc). onProgress: (generated so far, to generate in all).
 */
export async function loadCachedSplits<E extends { count: number }>(
  store: SplitStore<E>,
  cacheDir: string,
  want: Record<Split, number>,
  onProgress?: (done: number, total: number) => void,
): Promise<CachedSplits<E>> {
  if (typeof cacheDir !== 'string' || cacheDir === '') throw new Error('loadDataset: cacheDir must be a directory path');
  await mkdir(cacheDir, { recursive: true });
  const splits: Split[] = ['train', 'val', 'test'];
  const cached = {} as Record<Split, E | null>;
  const cacheProblems: Partial<Record<Split, string>> = {};
  for (const s of splits) {
    cached[s] = null;
    // train: the largest valid file wins (it serves any smaller size by prefix)
    const candidates = s === 'train' ? await trainFiles(cacheDir, store.prefix) : [{ path: splitFilePath(cacheDir, store.prefix, s), count: want[s] }];
    for (const c of candidates) {
      const r = await readSplit(store, c.path, s);
      if ('examples' in r && (store.usable?.(s, r.examples) ?? true) && r.examples.count === c.count) {
        cached[s] = r.examples;
        break;
      }
      const problem = 'problem' in r ? r.problem : (store.usable?.(s, r.examples) ?? true) ? 'count does not match the file name' : 'shape mismatch';
      if (problem === 'missing') continue;
      cacheProblems[s] ??= problem;
      if (s === 'train') await rm(c.path, { force: true }); // a bad train file would otherwise be re-read forever
    }
  }
  const missing = (s: Split): number => Math.max(0, want[s] - (cached[s]?.count ?? 0));
  const total = splits.reduce((a, s) => a + missing(s), 0);
  let doneBefore = 0;
  const result = {} as Record<Split, E>;
  const cache = {} as Record<Split, CacheStatus>;
  for (const s of splits) {
    const have = cached[s];
    const need = missing(s);
    if (have && need === 0) {
      result[s] = have.count === want[s] ? have : store.slice(have, 0, want[s]);
      cache[s] = 'hit';
      continue;
    }
    const base = doneBefore;
    const fresh = await store.generate(s, have?.count ?? 0, need, (d) => onProgress?.(base + d, total));
    doneBefore += need;
    const full = have ? store.concat([have, fresh]) : fresh;
    await writeAtomic(splitFilePath(cacheDir, store.prefix, s, full.count), store.encode(full, s));
    if (s === 'train') {
      // smaller train files are now redundant (a reader that loses one to this just falls back to another)
      for (const c of await trainFiles(cacheDir, store.prefix)) if (c.count < full.count) await rm(c.path, { force: true });
    }
    result[s] = full;
    cache[s] = have ? 'extended' : 'generated';
  }
  return { ...result, cache, cacheProblems };
}
