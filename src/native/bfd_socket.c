/*
 * UDP sockets for BFD (RFC 5881, RFC 5883): what Node's dgram cannot do. Every packet read reports the TTL /
 * hop limit it arrived with (IP_RECVTTL / IPV6_RECVHOPLIMIT through recvmsg's control messages), because RFC
 * 5881 section 5 has single-hop BFD discard packets whose TTL is not 255, and the destination address it was
 * sent to (IP_PKTINFO / IPV6_RECVPKTINFO), because RFC 5883 demultiplexes multihop sessions by the pair of
 * source and destination addresses; every packet sent carries TTL / hop limit 255; a socket can be tied to
 * one interface (SO_BINDTODEVICE). Readiness comes from the addon's watch() (uv_poll), as for the netlink
 * sockets.
 *
 * The calls return a negative errno instead of throwing (src/native/bfd-socket.ts turns it into an Error with
 * the errno name), and addresses travel as raw bytes, so the receive path allocates nothing per packet.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "napi_args.h"

/* Layout of the `info` bytes udpRecv fills: source address (16), family (4 or 6), TTL, source port
 * (big-endian), destination address (16, as many bytes as the family has). */
#define INFO_FAMILY 16
#define INFO_TTL 17
#define INFO_PORT 18
#define INFO_DEST 20
#define INFO_LENGTH 36

/* A sockaddr from 4 or 16 address bytes; returns its length, 0 for a bad address length. */
static socklen_t make_sockaddr(struct sockaddr_storage *ss, const uint8_t *addr, size_t len, int port, uint32_t scope) {
  memset(ss, 0, sizeof *ss);
  if (len == 4) {
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)port);
    memcpy(&in->sin_addr, addr, 4);
    return sizeof *in;
  }
  if (len == 16) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    in6->sin6_scope_id = scope;
    memcpy(&in6->sin6_addr, addr, 16);
    return sizeof *in6;
  }
  return 0;
}

/* udpOpen(address bytes (4 or 16), port, device) -> fd or -errno: a nonblocking UDP socket bound to the
 * address and port, sending with TTL / hop limit 255 and reporting the received one; IPv6 sockets are
 * IPv6-only; `device` (may be "") binds it to an interface. */
static napi_value udp_open(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  uint8_t *addr;
  size_t addr_len, dev_len;
  int32_t port;
  char device[64];
  if (!get_args(env, info, 3, argv) || !get_bytes(env, argv[0], (void **)&addr, &addr_len) || !get_int(env, argv[1], &port)) return NULL;
  if (napi_get_value_string_utf8(env, argv[2], device, sizeof device, &dev_len) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected a device name");
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t ss_len = make_sockaddr(&ss, addr, addr_len, port, 0);
  if (ss_len == 0) return make_int(env, -EINVAL);
  int v6 = ss.ss_family == AF_INET6;
  int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_int(env, -errno);
  int one = 1, ttl = 255;
  int ok = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
    (v6 ? setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0 &&
          setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof one) == 0 &&
          setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) == 0 &&
          setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl) == 0
        : setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof one) == 0 &&
          setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) == 0 &&
          setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl) == 0) &&
    (dev_len == 0 || setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, (socklen_t)dev_len) == 0) &&
    bind(fd, (struct sockaddr *)&ss, ss_len) == 0;
  if (!ok) {
    int err = errno;
    close(fd);
    return make_int(env, -err);
  }
  return make_int(env, fd);
}

/* udpSend(fd, bytes, address bytes, port, scopeId) -> bytes sent or -errno. */
static napi_value udp_send(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t fd, port, scope;
  uint8_t *data, *addr;
  size_t len, addr_len;
  if (!get_args(env, info, 5, argv) || !get_int(env, argv[0], &fd) || !get_bytes(env, argv[1], (void **)&data, &len) ||
      !get_bytes(env, argv[2], (void **)&addr, &addr_len) || !get_int(env, argv[3], &port) || !get_int(env, argv[4], &scope)) return NULL;
  struct sockaddr_storage ss;
  socklen_t ss_len = make_sockaddr(&ss, addr, addr_len, port, (uint32_t)scope);
  if (ss_len == 0) return make_int(env, -EINVAL);
  ssize_t n;
  do n = sendto(fd, data, len, 0, (struct sockaddr *)&ss, ss_len); while (n < 0 && errno == EINTR);
  return make_int(env, n < 0 ? -errno : n);
}

/* udpRecv(fd, buffer, info (36 bytes)) -> bytes read, -EAGAIN when nothing is queued, or -errno. Fills `info`
 * with the source address, family, TTL / hop limit (0 when the kernel gave none), source port and the
 * destination address (zeros when the kernel gave none). */
static napi_value udp_recv(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  uint8_t *data, *out;
  size_t len, out_len;
  if (!get_args(env, info, 3, argv) || !get_int(env, argv[0], &fd) || !get_bytes(env, argv[1], (void **)&data, &len) ||
      !get_bytes(env, argv[2], (void **)&out, &out_len)) return NULL;
  if (out_len < INFO_LENGTH) return make_int(env, -EINVAL);
  struct sockaddr_storage from;
  char control[CMSG_SPACE(sizeof(int)) * 2 + CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
  struct iovec iov = { .iov_base = data, .iov_len = len };
  struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
                        .msg_control = control, .msg_controllen = sizeof control };
  ssize_t n;
  do n = recvmsg(fd, &msg, MSG_DONTWAIT); while (n < 0 && errno == EINTR);
  if (n < 0) return make_int(env, -errno);
  int ttl = 0;
  memset(out, 0, INFO_LENGTH);
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) || (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
      memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      struct in_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      memcpy(out + INFO_DEST, &pi.ipi_addr, 4);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      struct in6_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      memcpy(out + INFO_DEST, &pi.ipi6_addr, 16);
    }
  }
  uint16_t port = 0;
  if (from.ss_family == AF_INET) {
    struct sockaddr_in *in = (struct sockaddr_in *)&from;
    memcpy(out, &in->sin_addr, 4);
    out[INFO_FAMILY] = 4;
    port = ntohs(in->sin_port);
  } else if (from.ss_family == AF_INET6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&from;
    memcpy(out, &in6->sin6_addr, 16);
    out[INFO_FAMILY] = 6;
    port = ntohs(in6->sin6_port);
  }
  out[INFO_TTL] = (uint8_t)ttl;
  out[INFO_PORT] = (uint8_t)(port >> 8);
  out[INFO_PORT + 1] = (uint8_t)port;
  /* a datagram longer than the buffer is reported as such rather than cut silently */
  return make_int(env, (msg.msg_flags & MSG_TRUNC) ? -EMSGSIZE : n);
}

/* udpLocalPort(fd) -> the bound port or -errno. */
static napi_value udp_local_port(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], &fd)) return NULL;
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return make_int(env, -errno);
  return make_int(env, ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port));
}

void bfd_socket_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "udpOpen", NULL, udp_open, NULL, NULL, NULL, napi_enumerable, NULL },
    { "udpSend", NULL, udp_send, NULL, NULL, NULL, napi_enumerable, NULL },
    { "udpRecv", NULL, udp_recv, NULL, NULL, NULL, napi_enumerable, NULL },
    { "udpLocalPort", NULL, udp_local_port, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
