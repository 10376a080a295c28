/**
 * `vipgate status-page`: the appliance's fallback page while the router has no valid configuration
 * (src/web/setup-page.ts; firmware's vipgate-setup-page.service runs it). Serves until SIGTERM or SIGINT.
 */
import { startSetupPage } from '../web/setup-page.js';
import { ExitCode, parseArgs, stringFlag, UsageError } from './args.js';

export async function runStatusPage(argv: readonly string[], out: (s: string) => void): Promise<number> {
  const p = parseArgs(argv, ['config-error', 'address', 'port'], []);
  const port = Number(stringFlag(p, 'port') ?? '80');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port needs a number from 0 to 65535');
  const configErrorFile = stringFlag(p, 'config-error');
  const page = await startSetupPage({ host: stringFlag(p, 'address') ?? '0.0.0.0', port, ...(configErrorFile ? { configErrorFile } : {}) });
  out(`vipgate status-page: listening on ${page.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await page.close();
  return ExitCode.OK;
}
