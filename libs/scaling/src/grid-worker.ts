/** Worker thread body of fitApproach3Parallel: searches its share of the starts and posts the best optimum. */
import { parentPort, workerData } from 'node:worker_threads';
import { HuberLogObjective, searchStarts } from './approach3.js';

const { runs, starts, delta, lbfgs, offset, stride } = workerData;
const obj = new HuberLogObjective(runs, delta);
parentPort!.postMessage(searchStarts(obj, starts, lbfgs, undefined, offset, stride));
