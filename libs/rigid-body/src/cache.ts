/**
 * Binary dataset cache. One file per (config hash, split):
 *
 *   "EQRB" | u32 LE header length | header JSON (space-padded to 4 bytes) | body
 *
 * The body holds the Examples arrays (EXAMPLE_ARRAYS order) as little-endian Float32. The header carries the
 * format and generator versions, the full config hash, the split, the shape and the sha256 of the body. A file
 * whose magic, header, shape, length or checksum does not match is regenerated, never used. Files are written to
 * a unique temp file and renamed into place, so concurrent workers never read a half-written file. Train files are
 * named by their example count (see cacheFilePath).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { benchmarkConfigHash, validateBenchmarkConfig } from './config.js';
import { allocExamples, concatExamples, EXAMPLE_ARRAYS, perExampleSizes, sliceExamples } from './examples.js';
import { generateExamples, GENERATOR_VERSION, type Split } from './generate.js';
import { BODY_FEATURES, MAX_VERTS } from './meshes.js';
import type { BenchmarkConfig, Examples } from './types.js';

export const CACHE_FORMAT_VERSION = 1;
const MAGIC = 'EQRB';

interface CacheHeader {
  format: 'equiscale-rigid-body-examples';
  formatVersion: number;
  generatorVersion: number;
  configHash: string;
  split: Split;
  count: number;
  maxBodies: number;
  maxVerts: number;
  bodyFeatureCount: number;
  bodyBytes: number;
  sha256: string;
}

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('rigid-body cache: big-endian hosts are not supported');
}

/**
 * Path of a cache file. Val and test have one file per config; train files carry their example count, so writers
 * of different training-set sizes never replace each other's file (the largest one serves every smaller size).
 */
export function cacheFilePath(cacheDir: string, configHash: string, split: Split, count?: number): string {
  if (split !== 'train') return join(cacheDir, `${filePrefix(configHash, split)}.bin`);
  if (!Number.isInteger(count) || (count as number) < 0) throw new Error('cacheFilePath: the train split needs its example count');
  return join(cacheDir, `${filePrefix(configHash, split)}-n${count}.bin`);
}

function filePrefix(configHash: string, split: Split): string {
  return `rigid-body-${configHash.slice(0, 24)}-${split}`;
}

/** Train cache files in cacheDir for a config, largest first. */
async function trainCandidates(cacheDir: string, configHash: string): Promise<{ path: string; count: number }[]> {
  const re = new RegExp(`^${filePrefix(configHash, 'train')}-n(\\d+)\\.bin$`);
  const out: { path: string; count: number }[] = [];
  for (const f of await readdir(cacheDir)) {
    const m = re.exec(f);
    if (m) out.push({ path: join(cacheDir, f), count: Number(m[1]) });
  }
  return out.sort((a, b) => b.count - a.count);
}

/** Serialises examples with a header (see module doc). */
export function encodeCacheFile(ex: Examples, configHash: string, split: Split): Buffer {
  assertLittleEndian();
  const body = Buffer.concat(EXAMPLE_ARRAYS.map((n) => Buffer.from(ex[n].buffer, ex[n].byteOffset, ex[n].byteLength)));
  const header: CacheHeader = {
    format: 'equiscale-rigid-body-examples',
    formatVersion: CACHE_FORMAT_VERSION,
    generatorVersion: GENERATOR_VERSION,
    configHash,
    split,
    count: ex.count,
    maxBodies: ex.maxBodies,
    maxVerts: ex.maxVerts,
    bodyFeatureCount: ex.bodyFeatureCount,
    bodyBytes: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
  };
  let json = JSON.stringify(header);
  while (Buffer.byteLength(json) % 4 !== 0) json += ' ';
  const head = Buffer.alloc(8);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(Buffer.byteLength(json), 4);
  return Buffer.concat([head, Buffer.from(json), body]);
}

/** Parses and verifies a cache file; returns the examples or the reason it cannot be used. */
export function decodeCacheFile(buf: Buffer, configHash: string, split: Split): { examples: Examples } | { problem: string } {
  assertLittleEndian();
  if (buf.length < 8 || buf.toString('latin1', 0, 4) !== MAGIC) return { problem: 'bad magic' };
  const hlen = buf.readUInt32LE(4);
  if (8 + hlen > buf.length) return { problem: 'truncated header' };
  let h: CacheHeader;
  try {
    h = JSON.parse(buf.toString('utf8', 8, 8 + hlen)) as CacheHeader;
  } catch {
    return { problem: 'unreadable header' };
  }
  if (h.format !== 'equiscale-rigid-body-examples' || h.formatVersion !== CACHE_FORMAT_VERSION) return { problem: 'format version mismatch' };
  if (h.generatorVersion !== GENERATOR_VERSION) return { problem: 'generator version mismatch' };
  if (h.configHash !== configHash) return { problem: 'config hash mismatch' };
  if (h.split !== split) return { problem: 'split mismatch' };
  for (const k of ['count', 'maxBodies', 'maxVerts', 'bodyFeatureCount', 'bodyBytes'] as const) {
    if (!Number.isInteger(h[k]) || h[k] < 0) return { problem: `bad header field ${k}` };
  }
  const sz = perExampleSizes(h.maxBodies, h.maxVerts, h.bodyFeatureCount);
  const floats = EXAMPLE_ARRAYS.reduce((a, n) => a + sz[n] * h.count, 0);
  if (h.bodyBytes !== floats * 4) return { problem: 'body size does not match the shape' };
  const body = buf.subarray(8 + hlen);
  if (body.length !== h.bodyBytes) return { problem: `body is ${body.length} bytes, expected ${h.bodyBytes} (truncated?)` };
  if (createHash('sha256').update(body).digest('hex') !== h.sha256) return { problem: 'checksum mismatch' };
  const ex = allocExamples(h.count, h.maxBodies, h.maxVerts, h.bodyFeatureCount);
  let off = 0;
  for (const n of EXAMPLE_ARRAYS) {
    const bytes = sz[n] * h.count * 4;
    new Uint8Array(ex[n].buffer).set(body.subarray(off, off + bytes));
    off += bytes;
  }
  return { examples: ex };
}

async function readCache(path: string, configHash: string, split: Split): Promise<{ examples: Examples } | { problem: string }> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    return { problem: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `unreadable: ${(e as Error).message}` };
  }
  return decodeCacheFile(buf, configHash, split);
}

/** Writes atomically: a unique temp file, then rename (readers see the old file or the new one, never a part). */
async function writeCache(path: string, ex: Examples, configHash: string, split: Split): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, encodeCacheFile(ex, configHash, split));
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** How a split was obtained: read from cache, cache extended with more train examples, or generated anew. */
export type CacheStatus = 'hit' | 'extended' | 'generated';

export interface LoadDatasetOptions {
  /** Training-set size in examples (a prefix of the train stream). */
  trainSize: number;
  /** Directory for cache files (created if missing). */
  cacheDir: string;
  /** Called as generation proceeds with (examples generated, examples to generate in this call). */
  onProgress?: (done: number, total: number) => void;
}

export interface Dataset {
  train: Examples;
  val: Examples;
  test: Examples;
  /** Per split: whether the cache served it. */
  cache: Record<Split, CacheStatus>;
  /** Why a cache file present on disk could not be used (corrupt, mismatched ...), per split; absent if fine/missing. */
  cacheProblems: Partial<Record<Split, string>>;
  configHash: string;
}

/**
 * Train / val / test examples of a benchmark config, generated once and cached in `cacheDir`. A cached train set at
 * least as large as `trainSize` serves it by prefix; a smaller one is extended (prefix stability makes that exact).
 */
export async function loadDataset(config: BenchmarkConfig, opts: LoadDatasetOptions): Promise<Dataset> {
  const cfg = validateBenchmarkConfig(config);
  const { trainSize, cacheDir } = opts;
  if (!Number.isInteger(trainSize) || trainSize < 0) throw new Error(`loadDataset: trainSize must be an integer >= 0 (got ${trainSize})`);
  if (typeof cacheDir !== 'string' || cacheDir === '') throw new Error('loadDataset: cacheDir must be a directory path');
  await mkdir(cacheDir, { recursive: true });
  const hash = benchmarkConfigHash(cfg);
  const want: Record<Split, number> = { train: trainSize, val: cfg.valExamples, test: cfg.testExamples };
  const splits: Split[] = ['train', 'val', 'test'];
  const cached = {} as Record<Split, Examples | null>;
  const cacheProblems: Partial<Record<Split, string>> = {};
  const usable = (s: Split, ex: Examples): boolean =>
    ex.maxBodies === cfg.maxBodies && ex.maxVerts === MAX_VERTS && ex.bodyFeatureCount === BODY_FEATURES &&
    // val / test sizes are part of the config; a train file must hold what its name says
    ex.count === (s === 'train' ? ex.count : want[s]);
  for (const s of splits) {
    cached[s] = null;
    // train: the largest valid file wins (it serves any smaller size by prefix)
    const candidates = s === 'train' ? await trainCandidates(cacheDir, hash) : [{ path: cacheFilePath(cacheDir, hash, s), count: want[s] }];
    for (const c of candidates) {
      const r = await readCache(c.path, hash, s);
      if ('examples' in r && usable(s, r.examples) && r.examples.count === c.count) {
        cached[s] = r.examples;
        break;
      }
      const problem = 'problem' in r ? r.problem : 'shape mismatch';
      if (problem === 'missing') continue;
      cacheProblems[s] ??= problem;
      if (s === 'train') await rm(c.path, { force: true }); // a bad train file would otherwise be re-read forever
    }
  }
  const missing = (s: Split): number => Math.max(0, want[s] - (cached[s]?.count ?? 0));
  const total = splits.reduce((a, s) => a + missing(s), 0);
  let doneBefore = 0;
  const result = {} as Record<Split, Examples>;
  const cache = {} as Record<Split, CacheStatus>;
  for (const s of splits) {
    const have = cached[s];
    const need = missing(s);
    if (have && need === 0) {
      result[s] = have.count === want[s] ? have : sliceExamples(have, 0, want[s]);
      cache[s] = 'hit';
      continue;
    }
    const start = have?.count ?? 0;
    const base = doneBefore;
    const fresh = await generateExamples(cfg, s, start, need, {
      onProgress: (d) => opts.onProgress?.(base + d, total),
    });
    doneBefore += need;
    const full = have ? concatExamples([have, fresh]) : fresh;
    await writeCache(cacheFilePath(cacheDir, hash, s, full.count), full, hash, s);
    if (s === 'train') {
      // smaller train files are now redundant (a reader that loses one to this just falls back to another)
      for (const c of await trainCandidates(cacheDir, hash)) if (c.count < full.count) await rm(c.path, { force: true });
    }
    result[s] = full;
    cache[s] = have ? 'extended' : 'generated';
  }
  return { ...result, cache, cacheProblems, configHash: hash };
}
