/**
 * SQL only through Kysely parameters: scans every TypeScript source of apps/, libs/ and migrations/ (tests,
 * benches and generated code excepted) for the ways text gets into SQL unbound:
 *   - sql.raw( / sql.lit( / CompiledQuery.raw( / any .raw( call,
 *   - pg or PGlite .query( / .exec( given a template with ${…}, a concatenation or a variable,
 *   - a Kysely sql`…` template with an interpolation inside quotes ('${x}': the value would be spliced into a
 *     string literal, a sign the author meant text, not a parameter),
 *   - SQL keywords in a string literal that is concatenated with +.
 * Every hit must be on the allow-list below, which says why that use is safe; an allow-list entry that no
 * longer matches anything fails too (so the list cannot rot). The scanner is checked on snippets it must flag.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../sweeps/helpers.js';

interface Hit {
  file: string;
  line: number;
  rule: string;
  text: string;
}

const RULES: [string, RegExp][] = [
  ['raw SQL', /(\bsql\s*\.\s*(raw|lit)\s*\(|\.raw\s*\()/],
  ['driver query with a built string', /\.(query|exec)\s*\(\s*(`[^`]*\$\{|(['"`])[^'"`]*\3\s*\+|[A-Za-z_$][\w$.]*\s*(\+|,|\)))/],
  ['quoted interpolation in a sql template', /sql\s*(<[^`]*>)?\s*`[^`]*'\$\{/],
  ['concatenated SQL', /(['"`])\s*(select|insert\s+into|update|delete\s+from|create|drop|alter|truncate)\b[^'"`]*\1\s*\+/i],
];

/** file → line substring → why it is safe */
const ALLOWED: { file: string; contains: string; why: string }[] = [
  {
    file: 'libs/db/src/testing.ts',
    contains: 'admin.query(`create database ${name}`)',
    why: 'test helper; identifiers cannot be bound as parameters, and name is `${prefix}_${randomBytes(6) hex}` made in-process from a code constant',
  },
  {
    file: 'libs/db/src/testing.ts',
    contains: 'c.query(`drop database if exists ${name} with (force)`)',
    why: 'the same generated name as above, dropping the database the helper created',
  },
];

/** Regex .exec( calls on a regex literal or a RegExp variable are not SQL. */
const NOT_SQL = [/\/[^/\n]+\/[gimsuy]*\.exec\(/, /\b(re|regex|pattern|m|rx)\.exec\(/, /RegExp\([^)]*\)\.exec\(/];

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (['node_modules', 'gen', 'bench', 'scratch', 'dist'].includes(name) || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

export function scan(file: string, text: string): Hit[] {
  const hits: Hit[] = [];
  // whole sql`…` templates span lines: check rule 3 on the full text, the others line by line
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    for (const [rule, re] of RULES) {
      if (rule === 'quoted interpolation in a sql template') continue;
      if (re.test(l) && !(rule.startsWith('driver') && NOT_SQL.some((n) => n.test(l)))) hits.push({ file, line: i + 1, rule, text: l.trim() });
    }
  });
  const tmpl = /sql\s*(<[^`]*?>)?\s*`([^`]*)`/g;
  for (let m; (m = tmpl.exec(text)); ) {
    if (/'\$\{/.test(m[2]!)) {
      const line = text.slice(0, m.index).split('\n').length;
      hits.push({ file, line, rule: 'quoted interpolation in a sql template', text: lines[line - 1]!.trim() });
    }
  }
  return hits;
}

describe('SQL only through Kysely parameters', () => {
  it('the scanner flags the patterns it is meant to find', () => {
    const bad = [
      "await sql.raw(`select * from trials where name = '${name}'`).execute(db);",
      'await sql`select ${sql.lit(name)}`.execute(db);',
      'db.executeQuery(CompiledQuery.raw(text));',
      'await client.query(`select * from sweeps where name = ${name}`);',
      "await client.query('select * from sweeps where name = ' + name);",
      'await pglite.exec(`delete from trials where id = ${id}`);',
      'await client.query(text);',
      "await sql`select * from sweeps where name = '${name}'`.execute(db);",
      'const q = "select * from sweeps where name = " + name;',
    ];
    for (const b of bad) assert.ok(scan('probe.ts', b).length > 0, `not flagged: ${b}`);
    const good = [
      'await sql`select * from sweeps where name = ${name}`.execute(db);',
      "await db.selectFrom('trials').where('id', '=', id).execute();",
      'const m = /^Bearer (.+)$/.exec(v);',
      "await client.query('select 1');",
      'await client.query({ text: "select 1 where $1", values: [x] });',
    ];
    for (const g of good) assert.deepEqual(scan('probe.ts', g), [], `flagged a safe line: ${g}`);
  });

  it('apps/, libs/ and migrations/ build no SQL from strings, except the allow-listed uses', () => {
    const files = ['apps', 'libs', 'migrations'].flatMap((d) => sources(join(ROOT, d)));
    assert.ok(files.length > 50, `scanned ${files.length} files`);
    const hits = files.flatMap((f) => scan(relative(ROOT, f), readFileSync(f, 'utf8')));
    const unexplained = hits.filter((h) => !ALLOWED.some((a) => a.file === h.file && h.text.includes(a.contains)));
    assert.deepEqual(unexplained, [], 'SQL built from strings outside the allow-list');
    for (const a of ALLOWED) assert.ok(hits.some((h) => h.file === a.file && h.text.includes(a.contains)), `stale allow-list entry: ${a.file}: ${a.contains}`);
    // Kysely's sql template is used (parameters), so the scan has something to look at
    const templates = files.filter((f) => /\bsql\s*(<[^`]*?>)?\s*`/.test(readFileSync(f, 'utf8'))).length;
    assert.ok(templates >= 5, `sql templates in ${templates} files`);
  });
});
