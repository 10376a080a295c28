/** The IPVS settings' defaults (config, data plane and `vipgate agent cleanup` share them). */

/** The dummy interface the Service IPs are bound to (kube-proxy's IPVS mode uses kube-ipvs0). */
export const DEFAULT_INTERFACE = 'vipgate-ipvs0';
/** The ownership record: a host directory in the DaemonSet, so it outlives the pod (tmpfs: gone at reboot, as IPVS is). */
export const DEFAULT_STATE_FILE = '/run/vipgate/ipvs-state.json';
export const DEFAULT_PROC_SYS = '/proc/sys';
/** kube-proxy's --ipvs-sync-period default. */
export const DEFAULT_RESYNC_SECONDS = 30;
