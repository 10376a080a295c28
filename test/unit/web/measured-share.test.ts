/**
 * The page's measured split: a Service IP's page puts a bar per next hop for the measured share of packets
 * beside the intended one when the router counts (its nft table), and has no such column when it does not;
 * the overview's next hop list says "measured N%" the same way.
 */
import { describe, expect, it } from 'vitest';
import { shares } from '../../../src/web/model.js';
import { nexthopList, serviceBody } from '../../../src/web/pages.js';

const names = new Map([['10.0.0.1', 'k8s-w1'], ['10.0.0.2', 'k8s-w2']]);

describe('the measured share on the page', () => {
  it('a bar per next hop: intended from the weights, measured from the packets', () => {
    const nodes = shares([{ gateway: '10.0.0.1', weight: 2, packets: 30 }, { gateway: '10.0.0.2', weight: 1, packets: 70 }], names, new Map());
    expect(nodes.map((n) => [n.share.toFixed(0), n.measured?.toFixed(0)])).toEqual([['67', '30'], ['33', '70']]);
    const html = serviceBody('172.20.1.1/32', { prefix: '172.20.1.1/32', nodes }, undefined, 0);
    expect(html).toContain('<th scope="col" role="columnheader">Measured share of packets</th>');
    expect(html).toContain('<meter min="0" max="100" value="30.0" aria-label="measured share">30%</meter> 30%');
    expect(html).toContain('<meter min="0" max="100" value="66.7" aria-label="share">67%</meter> 67%');
    expect(nexthopList({ prefix: '172.20.1.1/32', nodes })).toContain('<span class="share">(67%)</span> <span class="measured">measured 30%</span>');
  });

  it('no measured column where nothing is counted', () => {
    const nodes = shares([{ gateway: '10.0.0.1', weight: 1 }, { gateway: '10.0.0.2', weight: 1 }], names, new Map());
    expect(nodes.every((n) => n.measured === undefined)).toBe(true);
    expect(serviceBody('172.20.1.1/32', { prefix: '172.20.1.1/32', nodes }, undefined, 0)).not.toContain('Measured');
  });
});
