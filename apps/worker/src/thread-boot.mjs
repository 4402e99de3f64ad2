// Entry of the training thread: registers tsx (worker threads do not inherit the main thread's loader hooks)
// and loads the TypeScript module named in workerData.entry.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
