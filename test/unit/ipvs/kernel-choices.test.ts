/**
 * The scheduler model against choices the kernel made: kernel-choices.json was recorded in the IPVS VM
 * (test/integration/ipvs/vm.test.ts re-checks this on every run); here the host replays it without a VM.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { predict } from '../../../src/agent/ipvs/model/index.js';
import { parseSchedulerAnnotation } from '../../../src/agent/ipvs/scheduler-annotation.js';

interface Recorded { listOrder: string[]; held: boolean; flows: string[]; servers: string[] }
const data = JSON.parse(readFileSync(new URL('./kernel-choices.json', import.meta.url), 'utf8')) as { cases: Record<string, Recorded> };

describe('scheduler model vs recorded kernel choices', () => {
  for (const [annotation, rec] of Object.entries(data.cases)) {
    it(annotation, () => {
      const { name, flags } = parseSchedulerAnnotation(annotation);
      const servers = rec.listOrder.map((s) => {
        const [addr, weight] = s.split('/') as [string, string];
        const [address, port] = addr.split(':') as [string, string];
        return { address, port: Number(port), weight: Number(weight) };
      });
      const flows = rec.flows.map((f) => {
        const [source, port] = f.split(':') as [string, string];
        return { source, sourcePort: Number(port), destination: '10.96.0.10' };
      });
      const p = predict(name, flags, servers, flows, rec.held);
      expect(p.picks.map((i) => (i === undefined ? null : servers[i]!.address))).toEqual(rec.servers);
    });
  }
});
