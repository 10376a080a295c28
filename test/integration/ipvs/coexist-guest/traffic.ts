// The coexistence VM's traffic ends, a bundle of their own (started often, so small): `server ADDR` is a pod
// answering "<its address> <the client address it saw>", `client VIP PORT TIMEOUT SRC...` one connection per
// source with each outcome (../guest/net.ts).
import { attempts, serve } from '../guest/net.js';

const [mode, ...args] = process.argv.slice(2);
if (mode === 'server') serve(args, 8080, true);
else if (mode === 'client') {
  const [vip, port, timeout, ...sources] = args;
  console.log(`@@CLIENT ${JSON.stringify(await attempts(vip!, Number(port), sources, Number(timeout)))}`);
} else throw new Error(`unknown mode ${mode}`);
