/**
 * Two free UDP ports on 127.0.0.1 for loopback BFD tests, so that they never need port 3784 (which a real
 * speaker on the host could hold).
 */
import { BfdSocket } from '../../../src/native/bfd-socket.js';

export function freePorts(): [number, number] {
  const a = BfdSocket.open({ address: '127.0.0.1', port: 0 });
  const b = BfdSocket.open({ address: '127.0.0.1', port: 0 });
  const ports: [number, number] = [a.port, b.port];
  a.close();
  b.close();
  return ports;
}
