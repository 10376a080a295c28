/**
 * What an errno from the IPVS family means for each command, from the kernel's ip_vs_genl_set_cmd,
 * ip_vs_add_service / ip_vs_edit_service / ip_vs_add_dest / ip_vs_edit_dest / ip_vs_del_dest and the
 * daemon and config handlers (net/netfilter/ipvs/ip_vs_ctl.c), in the spirit of libipvs's ipvs_strerror.
 */
import type { IpvsCommand } from './requests.js';

const BY_COMMAND: Readonly<Partial<Record<IpvsCommand, Readonly<Record<string, string>>>>> = {
  newService: { EEXIST: 'the virtual service already exists', ENOENT: 'scheduler or persistence engine not found (module not loaded?)' },
  setService: { ESRCH: 'no such virtual service', ENOENT: 'scheduler or persistence engine not found (module not loaded?)' },
  delService: { ESRCH: 'no such virtual service' },
  getService: { ESRCH: 'no such virtual service' },
  newDest: { ESRCH: 'the virtual service does not exist', EEXIST: 'the real server already exists', ERANGE: 'weight below zero or lower threshold above upper threshold' },
  setDest: { ESRCH: 'the virtual service does not exist', ENOENT: 'no such real server', ERANGE: 'weight below zero or lower threshold above upper threshold' },
  delDest: { ESRCH: 'the virtual service does not exist', ENOENT: 'no such real server' },
  getDests: { ESRCH: 'the virtual service does not exist' },
  newDaemon: { EEXIST: 'a sync daemon in this state is already running', ENODEV: 'no such multicast interface' },
  delDaemon: { ESRCH: 'no sync daemon in this state is running' },
  zero: { ESRCH: 'no such virtual service' },
};

const ANY: Readonly<Record<string, string>> = {
  EPERM: 'permission denied: IPVS needs CAP_NET_ADMIN',
  EINVAL: 'invalid request: a missing or malformed attribute, a bad persistence netmask, or an address that is not unicast',
  EAFNOSUPPORT: 'address family not supported (IPv6 needs CONFIG_IP_VS_IPV6; mixed families need tunnelling)',
  EOPNOTSUPP: 'operation not supported (e.g. this forwarding method for this service)',
  ENOMEM: 'the kernel is out of memory',
  ENOENT: 'not found',
  ESRCH: 'no such virtual service',
  EEXIST: 'already exists',
};

/** The meaning of errno `code` (e.g. "ESRCH") answering `cmd`, or undefined when there is nothing to add. */
export function ipvsErrorMeaning(cmd: IpvsCommand, code: string): string | undefined {
  return BY_COMMAND[cmd]?.[code] ?? ANY[code];
}
