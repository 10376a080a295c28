#!/usr/bin/env node
// The one binary: `vipgate router`, `vipgate agent`, `vipgate show …`, `vipgate lab …` (built code: dist/bundle/, scripts/bundle.mjs).
import { main } from '../dist/bundle/main.js';

process.exitCode = await main(process.argv.slice(2));
