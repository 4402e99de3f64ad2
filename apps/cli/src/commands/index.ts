import type { Command } from 'commander';
import { registerResultsCommand } from './results.js';
import { registerSweepCommands } from './sweep.js';

/** Each command module registers itself; heavy libraries are imported lazily inside the actions. */
export function registerCommands(program: Command): void {
  registerSweepCommands(program);
  registerResultsCommand(program);
}
