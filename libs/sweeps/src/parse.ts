/** Reading specs from text (YAML or JSON) and from files. */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseAllDocuments, YAMLParseError } from 'yaml';
import { defaultSweepDeps, type SweepDeps } from './deps.js';
import { SweepSpecError } from './issues.js';
import { normalizeSpec, type NormalizedSweepSpec } from './normalize.js';

export type SpecFormat = 'yaml' | 'json';

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

function nearLine(text: string, where: string): string {
  const m = /^line (\d+)/.exec(where);
  const line = m ? text.split('\n')[Number(m[1]) - 1]?.trim() : undefined;
  return line ? ` (near ${JSON.stringify(line.length > 50 ? `${line.slice(0, 47)}...` : line)})` : '';
}

function syntaxError(format: SpecFormat, where: string, detail: string, source?: string, cause?: unknown, text = '') {
  const fix = format === 'yaml' ? 'fix the YAML syntax there' : 'fix the JSON syntax there';
  return new SweepSpecError([{ path: '', message: `${format.toUpperCase()} syntax error at ${where}${nearLine(text, where)}: ${detail}; ${fix}` }], {
    source,
    cause,
  });
}

/**
 * Parse spec text into a plain value, without validating it. Format defaults to JSON when the text starts
 * with "{", YAML otherwise. Throws SweepSpecError with the line and column of a syntax error.
 */
/** Deepest nesting a spec may have: a real spec nests about 5 levels; the parsers recurse per level. */
export const MAX_SPEC_NESTING = 64;

/**
 * The deepest nesting of flow collections ([ and {) outside quoted strings, found without parsing. Parsing a text
 * nested thousands deep overflows the parser's stack, and V8 can die of that later (a regular-expression compile
 * near the stack limit aborted the process: found by test/fuzz/sweep-spec.test.ts), so such text is refused first.
 */
function flowNesting(text: string): { depth: number; at: number } {
  let depth = 0;
  let max = 0;
  let at = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{') {
      if (++depth > max) {
        max = depth;
        at = i;
      }
    } else if (ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
  }
  return { depth: max, at };
}

export function parseSpecText(text: string, format?: SpecFormat, source?: string): unknown {
  const fmt: SpecFormat = format ?? (text.trimStart().startsWith('{') ? 'json' : 'yaml');
  const nesting = flowNesting(text);
  if (nesting.depth > MAX_SPEC_NESTING) {
    throw new SweepSpecError(
      [{ path: '', message: `the ${fmt === 'json' ? 'JSON' : 'YAML'} nests ${nesting.depth} levels deep at ${lineCol(text, nesting.at)} (at most ${MAX_SPEC_NESTING}); a sweep spec nests a few levels: flatten it` }],
      { source },
    );
  }
  let value: unknown;
  if (fmt === 'json') {
    try {
      value = JSON.parse(text);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const pos = /position (\d+)/.exec(msg);
      throw syntaxError('json', pos ? lineCol(text, Number(pos[1])) : 'unknown position', msg, source, e, text);
    }
  } else {
    const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false });
    if (!Array.isArray(docs)) throw syntaxError('yaml', 'the end', 'empty document', source);
    if (docs.length === 0) {
      throw new SweepSpecError([{ path: '', message: 'the spec is empty; write at least name, families, seeds and the design axes' }], { source });
    }
    if (docs.length !== 1) {
      throw new SweepSpecError(
        [{ path: '', message: `found ${docs.length} YAML documents; put one spec per file (remove the "---" separators)` }],
        { source },
      );
    }
    const doc = docs[0]!;
    const err = doc.errors[0];
    if (err) {
      const where = err instanceof YAMLParseError && err.linePos
        ? `line ${err.linePos[0].line}, column ${err.linePos[0].col}`
        : lineCol(text, err.pos[0]);
      throw syntaxError('yaml', where, err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''), source, err, text);
    }
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw syntaxError('yaml', 'an alias', e instanceof Error ? e.message : String(e), source, e);
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SweepSpecError(
      [{ path: '', message: `expected a mapping of spec fields (name, families, ...) at the top level, got ${value === null ? 'nothing' : Array.isArray(value) ? 'a list' : typeof value}` }],
      { source },
    );
  }
  return value;
}

/** Parse, validate and normalize a spec from YAML or JSON text. */
export function parseSweepSpec(
  text: string,
  format?: SpecFormat,
  deps: SweepDeps = defaultSweepDeps,
): NormalizedSweepSpec {
  return normalizeSpec(parseSpecText(text, format), deps);
}

/** Read a spec file (.yaml, .yml or .json; other extensions are read as YAML), validate and normalize it. */
export function loadSweepSpecFile(path: string, deps: SweepDeps = defaultSweepDeps): NormalizedSweepSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read sweep spec file ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const format: SpecFormat = extname(path).toLowerCase() === '.json' ? 'json' : 'yaml';
  const value = parseSpecText(text, format, path);
  try {
    return normalizeSpec(value, deps);
  } catch (e) {
    if (e instanceof SweepSpecError) throw new SweepSpecError(e.issues, { source: path, cause: e });
    throw e;
  }
}
