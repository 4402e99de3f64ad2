import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { isUserError } from './errors.js';
import { registerCommands } from './commands/index.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('equiscale')
    .description(
      'Distributed scaling studies: does equivariance matter at scale?\n' +
        'Launch sweeps of equivariant (GATr) and baseline transformers, run workers, fit scaling laws and plot them.',
    )
    .version(pkg.version, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addOption(new Option('--quiet', 'structured logs only, no progress drawing'))
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (isUserError(err)) {
      process.stderr.write(`equiscale: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`equiscale: unexpected error: ${(err as Error)?.message ?? String(err)}\n`);
    if (process.env.EQUISCALE_DEBUG) process.stderr.write(`${(err as Error)?.stack}\n`);
    else process.stderr.write('(set EQUISCALE_DEBUG=1 for the stack trace)\n');
    process.exitCode = 1;
  }
}
