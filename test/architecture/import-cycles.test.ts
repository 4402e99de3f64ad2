/**
 * No import cycles among the TypeScript sources of apps/ and libs/ (type-only imports included: a cycle of
 * types is still two modules that cannot be understood apart). Edges: relative imports and re-exports, dynamic
 * import('./…'), and imports of workspace packages (@equiscale/x and its export subpaths, resolved through each
 * package.json "exports"). Generated code (gen/) and node_modules are skipped.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(new URL('../../', import.meta.url).pathname);

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'gen' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Workspace package specifier ("@equiscale/models/accounting") → source file. */
function packageEntries(): Map<string, string> {
  const out = new Map<string, string>();
  for (const group of ['apps', 'libs']) {
    for (const project of readdirSync(join(root, group))) {
      const pj = join(root, group, project, 'package.json');
      if (!existsSync(pj)) continue;
      const pkg = JSON.parse(readFileSync(pj, 'utf8')) as { name: string; exports?: Record<string, string> };
      for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
        out.set(sub === '.' ? pkg.name : `${pkg.name}/${sub.replace(/^\.\//, '')}`, join(root, group, project, target));
      }
    }
  }
  return out;
}

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

export function importGraph(files: string[], packages: Map<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const known = new Set(files);
  for (const f of files) {
    const text = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
    const deps = new Set<string>();
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      let target: string | undefined;
      if (spec.startsWith('.')) {
        const base = resolve(dirname(f), spec);
        target = [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, join(base, 'index.ts')].find((c) => known.has(c));
      } else target = packages.get(spec);
      if (target && known.has(target) && target !== f) deps.add(target);
    }
    graph.set(f, [...deps]);
  }
  return graph;
}

/** Strongly connected components with more than one module (Tarjan), each as a list of files. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('import graph', () => {
  it('has no cycles in apps/ and libs/', () => {
    const files = [...sources(join(root, 'apps')), ...sources(join(root, 'libs'))];
    const found = cycles(importGraph(files, packageEntries()));
    assert.deepEqual(
      found.map((c) => c.map((f) => relative(root, f)).sort()),
      [],
      'import cycles (move the shared types into a module both sides import)',
    );
  });

  it('finds a planted cycle (the check can fail)', () => {
    const g = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    assert.deepEqual(cycles(g).map((c) => c.sort()), [['a.ts', 'b.ts', 'c.ts']]);
  });
});
