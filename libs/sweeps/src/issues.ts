/**
 * Spec errors: every problem is one issue naming the field path and the fix; SweepSpecError carries them
 * all (one line each) so a researcher sees every mistake in one go.
 */

export type PathSegment = string | number;

export interface SpecIssue {
  /** Field path as written in the spec, e.g. `families[2]`, `perFamily.gatr.lr.peak`; "" is the whole spec. */
  path: string;
  /** What is wrong and how to fix it. */
  message: string;
}

export class SweepSpecError extends Error {
  readonly issues: readonly SpecIssue[];
  constructor(issues: readonly SpecIssue[], options?: { cause?: unknown; source?: string }) {
    const lines = issues.map((i) => `  ${i.path || '(spec)'}: ${i.message}`);
    const where = options?.source ? ` ${options.source}` : '';
    const head =
      issues.length === 1 ? `invalid sweep spec${where}:` : `invalid sweep spec${where} (${issues.length} problems):`;
    super(`${head}\n${lines.join('\n')}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SweepSpecError';
    this.issues = issues;
  }
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['perFamily', 'transformer+augment', 'lr']` -> `perFamily["transformer+augment"].lr`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENT.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** A short rendering of a value for messages. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** Candidates `word` is plausibly a typo or abbreviation of (case-insensitive): unique prefixes, else the nearest. */
export function closest(word: string, candidates: readonly string[]): string[] {
  const w = word.toLowerCase();
  const prefixed = candidates.filter((c) => w.length >= 3 && c.toLowerCase().startsWith(w));
  if (prefixed.length > 0) return prefixed;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? [best] : [];
}

/** "use one of a, b, c (did you mean "gatr"?)" style hint. */
export function oneOfHint(word: string, candidates: readonly string[]): string {
  const near = closest(word, candidates);
  const guess = near.length > 0 ? ` (did you mean ${near.map((n) => `"${n}"`).join(' or ')}?)` : '';
  return `use one of ${candidates.join(', ')}${guess}`;
}

/** Collects issues; `throwIfAny` raises them as one SweepSpecError. */
export class IssueList {
  readonly items: SpecIssue[] = [];
  add(path: readonly PathSegment[] | string, message: string): void {
    this.items.push({ path: typeof path === 'string' ? path : formatPath(path), message });
  }
  get empty(): boolean {
    return this.items.length === 0;
  }
  throwIfAny(source?: string): void {
    if (this.items.length > 0) throw new SweepSpecError(this.items, { source });
  }
}
