// `vipgate` as bin/vipgate.js runs it, from the sources: bundled into the VM as /payload/vm/cli/vipgate.mjs.
import { main } from '../../../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
