/** `vipgate lab …`: the lab's subcommands; `demo` brings the lab up, replays the seed, and takes it down. */
import { labDown, labStatus, labUp, type Out } from './lab.js';
import { ha } from './ha.js';
import { oneArm } from './one-arm.js';
import { flows } from './flows.js';
import { ipv6 } from './ipv6.js';
import { health } from './health.js';
import { ecmp, externalIp, failover, local, upstream } from './scenarios.js';

export async function runLab(words: readonly string[], keep: boolean, out: Out): Promise<number> {
  const [what] = words;
  switch (what) {
    case 'up': await labUp(out); return 0;
    case 'down': labDown(out); return 0;
    case 'status': return labStatus(out);
    case 'ecmp': ecmp(out); return 0;
    case 'failover': await failover(out); return 0;
    case 'upstream': await upstream(out); return 0;
    case 'local': await local(out); return 0;
    case 'externalip': await externalIp(out); return 0;
    case 'ha': await ha(out); return 0;
    case 'one-arm': await oneArm(out); return 0;
    case 'flows': await flows(out); return 0;
    case 'ipv6': await ipv6(out); return 0;
    case 'health': await health(out); return 0;
    case 'demo': {
      try {
        await labUp(out);
        ecmp(out);
        await local(out);
        await externalIp(out);
        await failover(out);
      } finally {
        if (!keep) labDown(out);
      }
      return 0;
    }
    default:
      out('usage: vipgate lab up|down|status|demo|ecmp|local|externalip|failover|upstream|ha|one-arm|flows|ipv6|health [--keep]\n');
      return 2;
  }
}
