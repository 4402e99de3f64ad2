import type { Command } from 'commander';
import { textTable } from './common.js';

/**
 * `equiscale families [--json]`: every sweep family (libs/sweeps families.ts), with what it trains, the paper it
 * comes from, the symmetry it guarantees (exact, approximate, in expectation, none), the spec's `familyOptions`
 * defaults where it has options, and why a spec may not list it yet where that is so.
 */
export function registerFamiliesCommand(program: Command): void {
  program
    .command('families')
    .description('the sweep families: description, source paper, symmetry guarantee, options')
    .option('--json', 'print JSON: [{ name, modelFamily, description, source, guarantee, augment, augmentGroup?, method?, options? }]')
    .action(async (o: { json?: boolean }) => {
      const { SWEEP_FAMILIES, DEFAULT_FAMILY_OPTIONS } = await import('@equiscale/sweeps');
      const rows = SWEEP_FAMILIES.map((f) => {
        const options = (DEFAULT_FAMILY_OPTIONS as Record<string, object | undefined>)[f.name];
        return {
          name: f.name,
          modelFamily: f.modelFamily,
          description: f.description,
          source: f.source,
          guarantee: f.guarantee,
          augment: f.augment,
          ...(f.augmentGroup ? { augmentGroup: f.augmentGroup } : {}),
          ...(f.method ? { method: f.method } : {}),
          ...(options ? { options } : {}),
        };
      });
      if (o.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      console.log(
        textTable(
          ['family', 'guarantee', 'source', 'options (defaults)'],
          rows.map((r) => [r.name, r.guarantee, r.source, r.options ? JSON.stringify(r.options) : '']),
        ),
      );
    });
}
