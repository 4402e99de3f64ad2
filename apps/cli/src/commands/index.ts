import type { Command } from 'commander';
import { registerResultsCommand } from './results.js';
import { registerSweepCommands } from './sweep.js';
import { registerServiceCommands } from './services.js';
import { registerAnalysisCommands } from './analysis.js';
import { registerDemoCommand } from './demo.js';
import { registerClusterCommands } from './cluster.js';
import { registerDashboardCommand } from './dashboard.js';
import { registerBenchmarkCommands } from './benchmark.js';
import { registerFamiliesCommand } from './families.js';

/** Each command module registers itself; heavy libraries are imported lazily inside the actions. */
export function registerCommands(program: Command): void {
  registerDemoCommand(program);
  registerServiceCommands(program);
  registerSweepCommands(program);
  registerResultsCommand(program);
  registerAnalysisCommands(program);
  registerClusterCommands(program);
  registerDashboardCommand(program);
  registerBenchmarkCommands(program);
  registerFamiliesCommand(program);
}
