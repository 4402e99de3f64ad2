/**
 * Binary dataset cache, the rigid-body cache's format and rules (libs/rigid-body/README.md "Cache"):
 *
 *   "EQWS" | u32 LE header length | header JSON (space-padded to 4 bytes) | params, targets, waves, fitMse as LE Float32
 *
 * One file per (config hash, split); train files carry their count and the largest valid one serves every smaller
 * train size by prefix (a smaller one is extended). Files are written to a unique temp file and renamed into place.
 * A file whose magic, versions, hash, shape, length or checksum does not verify is regenerated (`cacheProblems`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import type { BenchmarkDataset, CacheStatus, LoadDatasetOptions, Split } from '@equiscale/benchmark';
import { validateWeightSpaceConfig, weightSpaceConfigHash, type TargetName, type WeightSpaceConfig } from './config.js';
import { concatWeightSpaceExamples, sliceWeightSpaceExamples, WEIGHT_SPACE_ARRAYS } from './examples.js';
import { allocWeightSpaceExamples, generateWeightSpaceExamples, GENERATOR_VERSION, type WeightSpaceExamples } from './generate.js';

export const WEIGHT_SPACE_CACHE_VERSION = 1;
const MAGIC = 'EQWS';

interface Header {
  format: 'equiscale-weight-space-examples';
  formatVersion: number;
  generatorVersion: number;
  configHash: string;
  split: Split;
  count: number;
  sizes: number[];
  targetNames: TargetName[];
  bodyBytes: number;
  sha256: string;
}

function prefix(hash: string, split: Split): string {
  return `weight-space-${hash.slice(0, 24)}-${split}`;
}

export function weightSpaceCachePath(cacheDir: string, hash: string, split: Split, count?: number): string {
  return join(cacheDir, split === 'train' ? `${prefix(hash, split)}-n${count}.bin` : `${prefix(hash, split)}.bin`);
}

export function encodeWeightSpaceCache(ex: WeightSpaceExamples, configHash: string, split: Split): Buffer {
  if (endianness() !== 'LE') throw new Error('weight-space cache: big-endian hosts are not supported');
  const body = Buffer.concat(WEIGHT_SPACE_ARRAYS.map((a) => Buffer.from(ex[a].buffer, ex[a].byteOffset, ex[a].byteLength)));
  const header: Header = {
    format: 'equiscale-weight-space-examples',
    formatVersion: WEIGHT_SPACE_CACHE_VERSION,
    generatorVersion: GENERATOR_VERSION,
    configHash,
    split,
    count: ex.count,
    sizes: ex.sizes,
    targetNames: ex.targetNames,
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

export function decodeWeightSpaceCache(buf: Buffer, configHash: string, split: Split): { examples: WeightSpaceExamples } | { problem: string } {
  if (buf.length < 8 || buf.toString('latin1', 0, 4) !== MAGIC) return { problem: 'bad magic' };
  const hlen = buf.readUInt32LE(4);
  if (8 + hlen > buf.length) return { problem: 'truncated header' };
  let h: Header;
  try {
    h = JSON.parse(buf.toString('utf8', 8, 8 + hlen)) as Header;
  } catch {
    return { problem: 'unreadable header' };
  }
  if (h.format !== 'equiscale-weight-space-examples' || h.formatVersion !== WEIGHT_SPACE_CACHE_VERSION) return { problem: 'format version mismatch' };
  if (h.generatorVersion !== GENERATOR_VERSION) return { problem: 'generator version mismatch' };
  if (h.configHash !== configHash) return { problem: 'config hash mismatch' };
  if (h.split !== split) return { problem: 'split mismatch' };
  if (!Number.isInteger(h.count) || h.count < 0 || !Array.isArray(h.sizes) || !Array.isArray(h.targetNames)) return { problem: 'bad header' };
  const ex = allocWeightSpaceExamples(h.count, h.sizes, h.targetNames);
  const bytes = WEIGHT_SPACE_ARRAYS.reduce((a, n) => a + ex[n].byteLength, 0);
  const body = buf.subarray(8 + hlen);
  if (h.bodyBytes !== bytes || body.length !== bytes) return { problem: `body is ${body.length} bytes, expected ${bytes} (truncated?)` };
  if (createHash('sha256').update(body).digest('hex') !== h.sha256) return { problem: 'checksum mismatch' };
  let off = 0;
  for (const n of WEIGHT_SPACE_ARRAYS) {
    new Uint8Array(ex[n].buffer).set(body.subarray(off, off + ex[n].byteLength));
    off += ex[n].byteLength;
  }
  return { examples: ex };
}

async function read(path: string, hash: string, split: Split): Promise<{ examples: WeightSpaceExamples } | { problem: string }> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    return { problem: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `unreadable: ${(e as Error).message}` };
  }
  return decodeWeightSpaceCache(buf, hash, split);
}

async function write(path: string, ex: WeightSpaceExamples, hash: string, split: Split): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, encodeWeightSpaceCache(ex, hash, split));
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

async function trainFiles(cacheDir: string, hash: string): Promise<{ path: string; count: number }[]> {
  const re = new RegExp(`^${prefix(hash, 'train')}-n(\\d+)\\.bin$`);
  const out: { path: string; count: number }[] = [];
  for (const f of await readdir(cacheDir)) {
    const m = re.exec(f);
    if (m) out.push({ path: join(cacheDir, f), count: Number(m[1]) });
  }
  return out.sort((a, b) => b.count - a.count);
}

/** Train / val / test INRs of a config, generated once and cached in cacheDir (see module doc). */
export async function loadWeightSpaceDataset(config: WeightSpaceConfig, opts: LoadDatasetOptions): Promise<BenchmarkDataset<WeightSpaceExamples>> {
  const cfg = validateWeightSpaceConfig(config);
  const { trainSize, cacheDir } = opts;
  if (!Number.isInteger(trainSize) || trainSize < 0) throw new Error(`loadDataset: trainSize must be an integer >= 0 (got ${trainSize})`);
  if (typeof cacheDir !== 'string' || cacheDir === '') throw new Error('loadDataset: cacheDir must be a directory path');
  await mkdir(cacheDir, { recursive: true });
  const hash = weightSpaceConfigHash(cfg);
  const want: Record<Split, number> = { train: trainSize, val: cfg.valExamples, test: cfg.testExamples };
  const splits: Split[] = ['train', 'val', 'test'];
  const cached = {} as Record<Split, WeightSpaceExamples | null>;
  const cacheProblems: Partial<Record<Split, string>> = {};
  for (const s of splits) {
    cached[s] = null;
    const candidates = s === 'train' ? await trainFiles(cacheDir, hash) : [{ path: weightSpaceCachePath(cacheDir, hash, s), count: want[s] }];
    for (const c of candidates) {
      const r = await read(c.path, hash, s);
      if ('examples' in r && r.examples.count === c.count) {
        cached[s] = r.examples;
        break;
      }
      const problem = 'problem' in r ? r.problem : 'count does not match the file name';
      if (problem === 'missing') continue;
      cacheProblems[s] ??= problem;
      if (s === 'train') await rm(c.path, { force: true });
    }
  }
  const missing = (s: Split) => Math.max(0, want[s] - (cached[s]?.count ?? 0));
  const total = splits.reduce((a, s) => a + missing(s), 0);
  let before = 0;
  const result = {} as Record<Split, WeightSpaceExamples>;
  const cache = {} as Record<Split, CacheStatus>;
  for (const s of splits) {
    const have = cached[s];
    const need = missing(s);
    if (have && need === 0) {
      result[s] = have.count === want[s] ? have : sliceWeightSpaceExamples(have, 0, want[s]);
      cache[s] = 'hit';
      continue;
    }
    const base = before;
    const fresh = generateWeightSpaceExamples(cfg, s, have?.count ?? 0, need, (d) => opts.onProgress?.(base + d, total));
    before += need;
    const full = have ? concatWeightSpaceExamples([have, fresh]) : fresh;
    await write(weightSpaceCachePath(cacheDir, hash, s, full.count), full, hash, s);
    if (s === 'train') for (const c of await trainFiles(cacheDir, hash)) if (c.count < full.count) await rm(c.path, { force: true });
    result[s] = full;
    cache[s] = have ? 'extended' : 'generated';
  }
  return { ...result, cache, cacheProblems, configHash: hash };
}
