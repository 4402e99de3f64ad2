#!/usr/bin/env node
// The `equiscale` command. Runs the TypeScript sources directly through tsx's loader, so `npm ci` is the
// whole install: no build step between a fresh clone and a working command.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
await main(process.argv);
