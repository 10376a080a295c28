/**
 * Runs a Fib inside a network namespace for the integration tests (Node cannot switch namespaces, so the
 * test spawns `ip netns exec NS node --import tsx fib-driver.ts`). Reads JSON commands, one per line, on
 * stdin ({id, cmd: open|apply|sweep|withdraw|resync|counters|close, arg}) and writes one JSON line per reply ({id, result} or
 * {id, error}) and per FIB event ({event}) on stdout.
 */
import { createInterface } from 'node:readline';
import { Fib, type FibOptions, type FibChangeInput } from '../../../src/fib/fib.js';

let fib: Fib | undefined;
const out = (v: unknown): void => { process.stdout.write(`${JSON.stringify(v)}\n`); };

async function handle(cmd: string, arg: unknown): Promise<unknown> {
  switch (cmd) {
    case 'open':
      fib = await Fib.open(arg as FibOptions);
      fib.onEvent = (event) => out({ event: event.type === 'error' ? { type: 'error', error: event.error.message } : event });
      return { mode: fib.mode, adopted: fib.routeCount };
    case 'apply': return fib!.apply(arg as FibChangeInput[]);
    case 'sweep': return fib!.sweep();
    case 'withdraw': return fib!.withdrawNexthop(arg as string);
    case 'resync': return fib!.resync();
    case 'counters': return fib!.counters.view();
    case 'close': await fib?.close(); fib = undefined; return {};
    default: throw new Error(`unknown command ${cmd}`);
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const { id, cmd, arg } = JSON.parse(line) as { id: number; cmd: string; arg: unknown };
  handle(cmd, arg).then((result) => out({ id, result }), (e: Error) => out({ id, error: `${e.name}: ${e.message}` }));
});
lines.on('close', () => { void fib?.close(); });
