/**
 * Vega-Lite spec → Vega View (headless, renderer 'none') → SVG → PNG with resvg. No canvas needed.
 * Text uses a system font resvg can find: the first of FONT_CANDIDATES present under the font directories.
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';

export interface PlotOptions {
  title?: string;
  /** Width/height of each panel in pixels. */
  width?: number;
  height?: number;
  /** PNG scale factor over the SVG size. Default 2. */
  pngScale?: number;
  /** When given, also write `${name}.svg` and `${name}.png` into this directory (created if missing). */
  outDir?: string;
  name?: string;
}

export interface PlotOutput {
  svg: string;
  png: Buffer;
  /** The Vega-Lite spec that was rendered (JSON), for debugging or re-rendering elsewhere. */
  spec: object;
  /** Paths written when outDir was given. */
  files?: { svg: string; png: string };
}

const FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts', '/System/Library/Fonts', 'C:\\Windows\\Fonts'];
const FONT_CANDIDATES: [string, RegExp][] = [
  ['DejaVu Sans', /^DejaVuSans\.ttf$/i],
  ['Liberation Sans', /^LiberationSans-Regular\.ttf$/i],
  ['Noto Sans', /^NotoSans-Regular\.ttf$/i],
  ['Arial', /^arial\.ttf$/i],
  ['Helvetica', /^Helvetica\.ttc$/i],
];

let cachedFont: string | undefined;

/** The font family used for plot text: an installed candidate, else 'sans-serif' (resvg's generic fallback). */
export function plotFontFamily(): string {
  if (cachedFont) return cachedFont;
  const files: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 4 || !existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      try {
        if (statSync(p).isDirectory()) walk(p, depth + 1);
        else files.push(name);
      } catch {
        /* unreadable entry: skip */
      }
    }
  };
  FONT_DIRS.forEach((d) => walk(d, 0));
  cachedFont = FONT_CANDIDATES.find(([, re]) => files.some((f) => re.test(f)))?.[0] ?? 'sans-serif';
  return cachedFont;
}

/** Renders a Vega-Lite spec to SVG and PNG (and files when opts.outDir is set). */
export async function renderVegaLite(spec: Record<string, unknown>, opts: PlotOptions = {}): Promise<PlotOutput> {
  const font = plotFontFamily();
  const full = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    padding: 8,
    ...(opts.title ? { title: { text: opts.title, fontSize: 15 } } : {}),
    ...spec,
    config: {
      font,
      axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridOpacity: 0.35 },
      legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 400, symbolOpacity: 1, symbolType: 'circle' },
      header: { labelFontSize: 12, titleFontSize: 12 },
      range: { category: { scheme: 'tableau10' } },
      ...(spec.config as object | undefined),
    },
  };
  const compiled = vl.compile(full as any).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const png = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: font, sansSerifFamily: font === 'sans-serif' ? undefined : font },
    fitTo: { mode: 'zoom', value: opts.pngScale ?? 2 },
    background: 'white',
  })
    .render()
    .asPng();
  const out: PlotOutput = { svg, png, spec: full };
  if (opts.outDir) {
    const name = opts.name ?? 'plot';
    if (!/^[\w.-]+$/.test(name)) throw new Error(`plot name "${name}": use letters, digits, dot, dash or underscore only`);
    mkdirSync(opts.outDir, { recursive: true });
    const files = { svg: join(opts.outDir, `${name}.svg`), png: join(opts.outDir, `${name}.png`) };
    writeFileSync(files.svg, svg);
    writeFileSync(files.png, png);
    out.files = files;
  }
  return out;
}

/** Throws when a value that goes on a log axis is not a positive finite number. */
export function requirePositive(v: unknown, what: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new Error(`${what} is ${String(v)}: plotted on a log axis, it must be a positive finite number`);
}

/** Axis label values as powers of ten (e.g. 1e18 → "1e18"). */
export const LOG_LABEL_EXPR = "format(datum.value, '.0e')";
