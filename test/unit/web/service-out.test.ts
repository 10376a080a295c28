/** The page names a Service IP's next hops that its service checks took out (serviceHealth), with the reason. */
import { describe, expect, it } from 'vitest';
import { shares } from '../../../src/web/model.js';
import { nexthopList, serviceBody } from '../../../src/web/pages.js';

describe('next hops out by service checks on the page', () => {
  it('the Service IP page and the overview list them; nothing when none is out', () => {
    const nodes = shares([{ gateway: '10.0.0.1', weight: 1 }], new Map([['10.0.0.1', 'k8s-w1']]), new Map());
    const out = [{ gateway: '10.0.0.2', reason: '80: ECONNREFUSED <x>' }];
    expect(serviceBody('172.20.1.1/32', { prefix: '172.20.1.1/32', nodes, out }, undefined, 0))
      .toContain('<p class="warn">Out of the group while its service check through them fails: 10.0.0.2 <span class="muted">(80: ECONNREFUSED &lt;x&gt;)</span></p>');
    expect(nexthopList({ prefix: '172.20.1.1/32', nodes, out })).toContain('<li class="out">out: <span class="muted">via 10.0.0.2</span> <span class="badge down">service check failing</span>');
    expect(serviceBody('172.20.1.1/32', { prefix: '172.20.1.1/32', nodes }, undefined, 0)).not.toContain('Out of the group');
  });
});
