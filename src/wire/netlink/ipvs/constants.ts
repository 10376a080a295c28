/**
 * Constants of the IPVS generic netlink family (include/uapi/linux/ip_vs.h) and of generic netlink itself
 * (include/uapi/linux/genetlink.h: the nlctrl family that resolves family names to ids).
 */

// linux/genetlink.h
export const GENL_ID_CTRL = 0x10;
export const GENL_HDRLEN = 4;
export const CTRL_CMD_NEWFAMILY = 1;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_MAXATTR = 5;

// linux/ip_vs.h
export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 1;

export const IPVS_CMD_NEW_SERVICE = 1;
export const IPVS_CMD_SET_SERVICE = 2;
export const IPVS_CMD_DEL_SERVICE = 3;
export const IPVS_CMD_GET_SERVICE = 4;
export const IPVS_CMD_NEW_DEST = 5;
export const IPVS_CMD_SET_DEST = 6;
export const IPVS_CMD_DEL_DEST = 7;
export const IPVS_CMD_GET_DEST = 8;
export const IPVS_CMD_NEW_DAEMON = 9;
export const IPVS_CMD_DEL_DAEMON = 10;
export const IPVS_CMD_GET_DAEMON = 11;
export const IPVS_CMD_SET_CONFIG = 12;
export const IPVS_CMD_GET_CONFIG = 13;
export const IPVS_CMD_SET_INFO = 14;
export const IPVS_CMD_GET_INFO = 15;
export const IPVS_CMD_ZERO = 16;
export const IPVS_CMD_FLUSH = 17;

export const IPVS_CMD_ATTR_SERVICE = 1;
export const IPVS_CMD_ATTR_DEST = 2;
export const IPVS_CMD_ATTR_DAEMON = 3;
export const IPVS_CMD_ATTR_TIMEOUT_TCP = 4;
export const IPVS_CMD_ATTR_TIMEOUT_TCP_FIN = 5;
export const IPVS_CMD_ATTR_TIMEOUT_UDP = 6;

export const IPVS_SVC_ATTR_AF = 1;
export const IPVS_SVC_ATTR_PROTOCOL = 2;
export const IPVS_SVC_ATTR_ADDR = 3;
export const IPVS_SVC_ATTR_PORT = 4;
export const IPVS_SVC_ATTR_FWMARK = 5;
export const IPVS_SVC_ATTR_SCHED_NAME = 6;
export const IPVS_SVC_ATTR_FLAGS = 7;
export const IPVS_SVC_ATTR_TIMEOUT = 8;
export const IPVS_SVC_ATTR_NETMASK = 9;
export const IPVS_SVC_ATTR_STATS = 10;
export const IPVS_SVC_ATTR_PE_NAME = 11;
export const IPVS_SVC_ATTR_STATS64 = 12;

export const IPVS_DEST_ATTR_ADDR = 1;
export const IPVS_DEST_ATTR_PORT = 2;
export const IPVS_DEST_ATTR_FWD_METHOD = 3;
export const IPVS_DEST_ATTR_WEIGHT = 4;
export const IPVS_DEST_ATTR_U_THRESH = 5;
export const IPVS_DEST_ATTR_L_THRESH = 6;
export const IPVS_DEST_ATTR_ACTIVE_CONNS = 7;
export const IPVS_DEST_ATTR_INACT_CONNS = 8;
export const IPVS_DEST_ATTR_PERSIST_CONNS = 9;
export const IPVS_DEST_ATTR_STATS = 10;
export const IPVS_DEST_ATTR_ADDR_FAMILY = 11;
export const IPVS_DEST_ATTR_STATS64 = 12;
export const IPVS_DEST_ATTR_TUN_TYPE = 13;
export const IPVS_DEST_ATTR_TUN_PORT = 14;
export const IPVS_DEST_ATTR_TUN_FLAGS = 15;

export const IPVS_DAEMON_ATTR_STATE = 1;
export const IPVS_DAEMON_ATTR_MCAST_IFN = 2;
export const IPVS_DAEMON_ATTR_SYNC_ID = 3;
export const IPVS_DAEMON_ATTR_SYNC_MAXLEN = 4;
export const IPVS_DAEMON_ATTR_MCAST_GROUP = 5;
export const IPVS_DAEMON_ATTR_MCAST_GROUP6 = 6;
export const IPVS_DAEMON_ATTR_MCAST_PORT = 7;
export const IPVS_DAEMON_ATTR_MCAST_TTL = 8;

/** IPVS_STATS_ATTR_*: 1..10 in this order (11 is padding for 64-bit values). */
export const IPVS_STATS_FIELDS = ['conns', 'inpkts', 'outpkts', 'inbytes', 'outbytes', 'cps', 'inpps', 'outpps', 'inbps', 'outbps'] as const;
export const IPVS_STATS_ATTR_PAD = 11;

export const IPVS_INFO_ATTR_VERSION = 1;
export const IPVS_INFO_ATTR_CONN_TAB_SIZE = 2;

/** Virtual service flags (IP_VS_SVC_F_*). SCHED1/SCHED2 are sh-fallback/sh-port for sh, mh-fallback/mh-port for mh. */
export const IP_VS_SVC_F_PERSISTENT = 0x0001;
export const IP_VS_SVC_F_HASHED = 0x0002;
export const IP_VS_SVC_F_ONEPACKET = 0x0004;
export const IP_VS_SVC_F_SCHED1 = 0x0008;
export const IP_VS_SVC_F_SCHED2 = 0x0010;
export const IP_VS_SVC_F_SCHED3 = 0x0020;

/** Forwarding methods (IP_VS_CONN_F_FWD_MASK part of the connection flags). */
export const IP_VS_CONN_F_MASQ = 0;
export const IP_VS_CONN_F_LOCALNODE = 1;
export const IP_VS_CONN_F_TUNNEL = 2;
export const IP_VS_CONN_F_DROUTE = 3;
export const IP_VS_CONN_F_FWD_MASK = 7;

export const IP_VS_STATE_NONE = 0;
export const IP_VS_STATE_MASTER = 1;
export const IP_VS_STATE_BACKUP = 2;

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;

export const IP_VS_SCHEDNAME_MAXLEN = 16;
export const IP_VS_IFNAME_MAXLEN = 16;
