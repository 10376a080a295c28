/** A test client of the web page's Server-Sent Events (src/web/live.ts). */
import { expect } from 'vitest';

/** Reads Server-Sent Events from a fetch body; next() resolves with the next `update` event's data. */
export async function sse(url: string): Promise<{ next: () => Promise<{ version: number; html: string }>; close: () => void }> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.getReader();
  let buf = '';
  const next = async () => {
    for (let i = 0; i < 1000; i++) {
      const m = /event: update\ndata: (.*)\n\n/.exec(buf);
      if (m) { buf = buf.slice(m.index + m[0].length); return JSON.parse(m[1]!) as { version: number; html: string }; }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buf += new TextDecoder().decode(value);
    }
    throw new Error('no update event');
  };
  return { next, close: () => ac.abort() };
}
