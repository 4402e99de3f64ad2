/** What one registered worker process carries around while it runs trials. */
import type { CoordinatorLink } from './link.js';
import type { Logger } from './logger.js';
import type { Trainer } from './trainer.js';
import type { RunWorkerOptions } from './options.js';

export interface Session {
  link: CoordinatorLink;
  workerId: string;
  heartbeatIntervalMs: number;
  trainer: Trainer;
  backend: string;
  logger: Logger;
  opts: RunWorkerOptions;
}
