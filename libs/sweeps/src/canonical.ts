/** Canonical JSON (object keys sorted at every level) and the spec hash built on it. */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted recursively; undefined fields are left out, non-finite numbers refused. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value, '$'));
}

function sortKeys(value: unknown, where: string): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new Error(`canonicalJson: ${where} is ${value}; only finite numbers have a canonical form`);
  }
  if (Array.isArray(value)) return value.map((v, i) => sortKeys(v, `${where}[${i}]`));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v, `${where}.${k}`);
    }
    return out;
  }
  return value;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
