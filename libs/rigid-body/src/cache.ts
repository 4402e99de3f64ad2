/**
 * Binary dataset cache. One file per (config hash, split):
 *
 *   "EQRB" | u32 LE header length | header JSON (space-padded to 4 bytes) | body
 *
 * The body holds the Examples arrays (EXAMPLE_ARRAYS order) as little-endian Float32. The header carries the
 * format and generator versions, the full config hash, the split, the shape and the sha256 of the body. A file
 * whose magic, header, shape, length or checksum does not match is regenerated, never used. Files are written to
 * a unique temp file and renamed into place, so concurrent workers never read a half-written file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
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

/** Path of the cache file of a split. */
export function cacheFilePath(cacheDir: string, configHash: string, split: Split): string {
  return join(cacheDir, `rigid-body-${configHash.slice(0, 24)}-${split}.bin`);
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

/**
 * Writes atomically (unique temp file + rename). For the train split a concurrent writer may already have stored a
 * larger valid prefix; then this write is dropped so the larger set survives.
 */
async function writeCache(path: string, ex: Examples, configHash: string, split: Split): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, encodeCacheFile(ex, configHash, split));
  try {
    const existing = await readCache(path, configHash, split);
    if ('examples' in existing && existing.examples.count >= ex.count) {
      await rm(tmp, { force: true });
      return;
    }
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
  for (const s of splits) {
    const r = await readCache(cacheFilePath(cacheDir, hash, s), hash, s);
    if ('examples' in r) {
      const ok = r.examples.maxBodies === cfg.maxBodies && r.examples.maxVerts === MAX_VERTS && r.examples.bodyFeatureCount === BODY_FEATURES;
      // val / test sizes are part of the config: anything else is not ours.
      cached[s] = ok && (s === 'train' || r.examples.count === want[s]) ? r.examples : null;
      if (!cached[s]) cacheProblems[s] = 'shape mismatch';
    } else {
      cached[s] = null;
      if (r.problem !== 'missing') cacheProblems[s] = r.problem;
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
    await writeCache(cacheFilePath(cacheDir, hash, s), full, hash, s);
    result[s] = full;
    cache[s] = have ? 'extended' : 'generated';
  }
  return { ...result, cache, cacheProblems, configHash: hash };
}
