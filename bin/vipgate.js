#!/usr/bin/env node
// The one binary: `vipgate router`, `vipgate agent`, `vipgate show …`, `vipgate lab …` (built code in dist/).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
