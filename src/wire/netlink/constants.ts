/**
 * Netlink and rtnetlink constants, from the kernel uapi headers linux/netlink.h, linux/rtnetlink.h,
 * linux/nexthop.h and linux/socket.h. Only the values vipgate uses.
 */

export const AF_INET = 2;
export const AF_INET6 = 10;
/** <sys/socket.h>: what iproute2 puts in ifi_family when it asks for one link by name. */
export const AF_PACKET = 17;

// linux/netlink.h: message types below NLMSG_MIN_TYPE are control messages
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;

export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_ECHO = 0x08;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_DUMP_FILTERED = 0x20;
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;
/** In an NLMSG_ERROR: the echoed request was cut to its header (NETLINK_CAP_ACK). */
export const NLM_F_CAPPED = 0x100;
/** In an NLMSG_ERROR: extended ack attributes follow (NETLINK_EXT_ACK). */
export const NLM_F_ACK_TLVS = 0x200;

export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;
export const NLMSGERR_ATTR_COOKIE = 3;
export const NLMSGERR_ATTR_MISS_TYPE = 5;

export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

// linux/rtnetlink.h
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
export const RTM_NEWNEXTHOP = 104;
export const RTM_DELNEXTHOP = 105;
export const RTM_GETNEXTHOP = 106;

export const RTN_UNICAST = 1;
export const RTN_BLACKHOLE = 6;
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;
export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_MAIN = 254;

export const RTA_DST = 1;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_MULTIPATH = 9;
export const RTA_TABLE = 15;
export const RTA_NH_ID = 30;

export const RTNH_F_DEAD = 1;
export const RTNH_F_ONLINK = 4;
export const RTNH_F_LINKDOWN = 16;

// multicast groups (enum rtnetlink_groups)
export const RTNLGRP_LINK = 1;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV4_ROUTE = 7;
export const RTNLGRP_IPV6_ROUTE = 11;
export const RTNLGRP_NEXTHOP = 32;

// linux/nexthop.h
export const NEXTHOP_GRP_TYPE_MPATH = 0;
export const NEXTHOP_GRP_TYPE_RES = 1;

export const NHA_ID = 1;
export const NHA_GROUP = 2;
export const NHA_GROUP_TYPE = 3;
export const NHA_BLACKHOLE = 4;
export const NHA_OIF = 5;
export const NHA_GATEWAY = 6;
export const NHA_GROUPS = 9;
export const NHA_FDB = 11;
export const NHA_RES_GROUP = 12;
export const NHA_RES_BUCKET = 13;

export const NHA_RES_GROUP_BUCKETS = 1;
export const NHA_RES_GROUP_IDLE_TIMER = 2;
export const NHA_RES_GROUP_UNBALANCED_TIMER = 3;
export const NHA_RES_GROUP_UNBALANCED_TIME = 4;
