#!/usr/bin/env node
// The `equiscale` command. Runs the TypeScript sources directly through tsx's loader, so `npm ci` is the
// whole install: no build step between a fresh clone and a working command.
import { register } from 'tsx/esm/api';

register();
// First, before the slow imports: note the wrappers that started us (npx → sh -c → node) and stop as on SIGTERM
// when one of them is stopped, because npm's sh does not pass the signal on (measured; see launcher-watch.ts).
const { stopWhenLauncherStops } = await import('../src/launcher-watch.ts');
stopWhenLauncherStops();
const { main } = await import('../src/main.ts');
await main(process.argv);
