/*
 * vipgate's one native addon (plain N-API, node_api.h only): AF_NETLINK sockets (open, bind with groups,
 * send many buffers in one sendmsg, nonblocking recv, close), readiness through libuv's uv_poll so reads are
 * event-driven and never block the loop, classic BPF socket filters, and buffer-valued setsockopt/getsockopt
 * for any fd (the BGP
 * session sets TCP_MD5SIG, RFC 2385, and IP_MINTTL, RFC 5082, on the fd of a Node net.Socket).
 * Errors are thrown as Error objects with `code` (errno name, e.g. "ENOBUFS"), `errno` and `syscall`.
 * No namespace switching (setns) here: tests and benches run whole processes inside a namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <uv.h>
#include "napi_args.h"

#define MAX_IOV 1024

/* Throw a system error carrying the errno name as `code`; always returns NULL for `return throw_errno(...)`. */
static napi_value throw_errno(napi_env env, const char *syscall, int err) {
  napi_value code, msg, error, errno_value, syscall_value;
  char text[160];
  snprintf(text, sizeof text, "%s: %s", syscall, strerror(err));
  napi_create_string_utf8(env, uv_err_name(-err), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &error);
  napi_create_int32(env, err, &errno_value);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_set_named_property(env, error, "syscall", syscall_value);
  napi_throw(env, error);
  return NULL;
}

/* The (fd, Uint8Array) argument pair of recv and attachFilter. */
typedef struct { int32_t fd; void *data; size_t len; } fd_bytes_t;

static int get_fd_bytes(napi_env env, napi_callback_info info, fd_bytes_t *out) {
  napi_value argv[2];
  return get_args(env, info, 2, argv) && get_int(env, argv[0], &out->fd) && get_bytes(env, argv[1], &out->data, &out->len);
}

/* socket(protocol, groups): AF_NETLINK raw socket, nonblocking, close-on-exec, bound to the group bitmask. */
static napi_value nl_socket(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t protocol, groups;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[0], &protocol) || !get_int(env, argv[1], &groups)) return NULL;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return throw_errno(env, "socket", errno);
  struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = (uint32_t)groups };
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  return make_int(env, fd);
}

/* tcpSocket(family): an unconnected TCP socket (4 or 6), nonblocking, close-on-exec, so that options such as
 * TCP_MD5SIG (RFC 2385) can be set before the SYN; Node's net.Socket({ fd }) then connects it. */
static napi_value tcp_socket(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t family;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], &family)) return NULL;
  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  return make_int(env, fd);
}

/* portId(fd): the port id the kernel assigned at bind (nl_pid), which replies carry. */
static napi_value nl_port_id(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], &fd)) return NULL;
  struct sockaddr_nl addr;
  socklen_t len = sizeof addr;
  if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0) return throw_errno(env, "getsockname", errno);
  return make_int(env, addr.nl_pid);
}

/* setsockoptInt(fd, level, name, value) */
static napi_value sock_setsockopt_int(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, level, name, value;
  if (!get_args(env, info, 4, argv) || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &level) ||
      !get_int(env, argv[2], &name) || !get_int(env, argv[3], &value)) return NULL;
  if (setsockopt(fd, level, name, &value, sizeof value) < 0) return throw_errno(env, "setsockopt", errno);
  return NULL;
}

/* setsockopt(fd, level, name, bytes): the option value is the raw bytes (e.g. struct tcp_md5sig). */
static napi_value sock_setsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, level, name;
  void *data;
  size_t len;
  if (!get_args(env, info, 4, argv) || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &level) ||
      !get_int(env, argv[2], &name) || !get_bytes(env, argv[3], &data, &len)) return NULL;
  if (setsockopt(fd, level, name, data, (socklen_t)len) < 0) return throw_errno(env, "setsockopt", errno);
  return NULL;
}

/* getsockopt(fd, level, name, maxLength) -> Buffer of the length the kernel returned. */
static napi_value sock_getsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[4], out;
  int32_t fd, level, name, max;
  if (!get_args(env, info, 4, argv) || !get_int(env, argv[0], &fd) || !get_int(env, argv[1], &level) ||
      !get_int(env, argv[2], &name) || !get_int(env, argv[3], &max)) return NULL;
  if (max < 0 || max > 65536) return throw_type(env, "maxLength must be 0..65536");
  char *buf = calloc(1, max > 0 ? (size_t)max : 1);
  if (!buf) return throw_errno(env, "getsockopt", ENOMEM);
  socklen_t len = (socklen_t)max;
  if (getsockopt(fd, level, name, buf, &len) < 0) {
    int err = errno;
    free(buf);
    return throw_errno(env, "getsockopt", err);
  }
  void *copy;
  napi_create_buffer_copy(env, len, buf, &copy, &out);
  free(buf);
  return out;
}

/* attachFilter(fd, program): SO_ATTACH_FILTER with a classic BPF program given as struct sock_filter
 * entries (8 bytes each, host order). The kernel copies the program, so the bytes need not outlive the call. */
static napi_value sock_attach_filter(napi_env env, napi_callback_info info) {
  fd_bytes_t a;
  if (!get_fd_bytes(env, info, &a)) return NULL;
  if (a.len == 0 || a.len % sizeof(struct sock_filter) != 0 || a.len / sizeof(struct sock_filter) > BPF_MAXINSNS)
    return throw_type(env, "a filter is 1..4096 struct sock_filter entries of 8 bytes");
  struct sock_fprog prog = { .len = (unsigned short)(a.len / sizeof(struct sock_filter)), .filter = a.data };
  if (setsockopt(a.fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) return throw_errno(env, "setsockopt", errno);
  return NULL;
}

/* sendmsg(fd, buffers[]) -> bytes sent: all buffers go to the kernel (port 0) as one datagram. */
static napi_value nl_sendmsg(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  uint32_t count;
  bool is_array = false;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[0], &fd)) return NULL;
  if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array) return throw_type(env, "expected an array of Uint8Array");
  napi_get_array_length(env, argv[1], &count);
  if (count == 0 || count > MAX_IOV) return throw_type(env, "expected 1..1024 buffers");
  struct iovec iov[MAX_IOV];
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    napi_get_element(env, argv[1], i, &item);
    if (!get_bytes(env, item, &iov[i].iov_base, &iov[i].iov_len)) return NULL;
  }
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  struct msghdr msg = { .msg_name = &kernel, .msg_namelen = sizeof kernel, .msg_iov = iov, .msg_iovlen = count };
  ssize_t n;
  do n = sendmsg(fd, &msg, 0); while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, "sendmsg", errno);
  return make_int(env, n);
}

/* recv(fd, buffer) -> bytes read, or -1 when nothing is queued (EAGAIN). A datagram larger than the
 * buffer throws EMSGSIZE rather than silently losing its tail. */
static napi_value nl_recv(napi_env env, napi_callback_info info) {
  fd_bytes_t a;
  if (!get_fd_bytes(env, info, &a)) return NULL;
  struct sockaddr_nl from;
  struct iovec iov = { .iov_base = a.data, .iov_len = a.len };
  struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1 };
  ssize_t n;
  do n = recvmsg(a.fd, &msg, MSG_DONTWAIT); while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return make_int(env, -1);
    return throw_errno(env, "recvmsg", errno);
  }
  if (msg.msg_flags & MSG_TRUNC) return throw_errno(env, "recvmsg", EMSGSIZE);
  return make_int(env, n);
}

/* close(fd) */
static napi_value fd_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], &fd)) return NULL;
  if (close(fd) < 0) return throw_errno(env, "close", errno);
  return NULL;
}

/* ---- readiness: one uv_poll per watched fd, calling back into JS through napi_make_callback so that
 * promise jobs and nextTicks queued by the callback run right after it. */

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int stopped;   /* watching ended (unwatch or finalize) */
  int closed;    /* libuv is done with the handle */
  int finalized; /* JS is done with the handle; memory is freed once both are done */
} watcher_t;

static void on_closed(uv_handle_t *handle) {
  watcher_t *w = handle->data;
  w->closed = 1;
  if (w->finalized) free(w);
}

static void watcher_stop(napi_env env, watcher_t *w) {
  if (w->stopped) return;
  w->stopped = 1;
  uv_poll_stop(&w->poll);
  napi_delete_reference(env, w->callback);
  napi_async_destroy(env, w->context);
  uv_close((uv_handle_t *)&w->poll, on_closed);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  watcher_t *w = handle->data;
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_value cb, global, arg, result;
  if (w->stopped) return;
  napi_open_handle_scope(env, &scope);
  napi_get_reference_value(env, w->callback, &cb);
  napi_get_global(env, &global);
  napi_create_int32(env, status, &arg);
  if (napi_make_callback(env, w->context, global, cb, 1, &arg, &result) == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);
  }
  napi_close_handle_scope(env, scope);
}

static void watcher_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  watcher_t *w = data;
  watcher_stop(env, w);
  w->finalized = 1;
  if (w->closed) free(w);
}

/* watch(fd, callback(status)) -> handle: calls back whenever fd is readable (status < 0 is a libuv error). */
static napi_value fd_watch(napi_env env, napi_callback_info info) {
  napi_value argv[2], resource, name, handle;
  int32_t fd;
  napi_valuetype type;
  uv_loop_t *loop;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[0], &fd)) return NULL;
  if (napi_typeof(env, argv[1], &type) != napi_ok || type != napi_function) return throw_type(env, "expected a callback");
  watcher_t *w = calloc(1, sizeof *w);
  if (!w) return throw_errno(env, "watch", ENOMEM);
  w->env = env;
  w->poll.data = w;
  napi_get_uv_event_loop(env, &loop);
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc < 0) { free(w); return throw_errno(env, "uv_poll_init", -rc); }
  napi_create_reference(env, argv[1], 1, &w->callback);
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "vipgate:netlink", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, resource, name, &w->context);
  rc = uv_poll_start(&w->poll, UV_READABLE, on_readable);
  if (rc < 0) {
    w->finalized = 1; /* no external was made: libuv's close callback frees it */
    watcher_stop(env, w);
    return throw_errno(env, "uv_poll_start", -rc);
  }
  napi_create_external(env, w, watcher_finalize, NULL, &handle);
  return handle;
}

/* unwatch(handle): stop calling back; safe to call twice. */
static napi_value fd_unwatch(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void *data;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (napi_get_value_external(env, argv[0], &data) != napi_ok) return throw_type(env, "expected a watch handle");
  watcher_stop(env, data);
  return NULL;
}

/* ref(handle, bool): whether the watcher keeps the event loop alive. */
static napi_value fd_ref(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  void *data;
  bool on;
  if (!get_args(env, info, 2, argv)) return NULL;
  if (napi_get_value_external(env, argv[0], &data) != napi_ok || napi_get_value_bool(env, argv[1], &on) != napi_ok)
    return throw_type(env, "expected a watch handle and a boolean");
  watcher_t *w = data;
  if (!w->stopped) { if (on) uv_ref((uv_handle_t *)&w->poll); else uv_unref((uv_handle_t *)&w->poll); }
  return NULL;
}

/* UDP sockets for BFD, in bfd_socket.c. */
void bfd_socket_register(napi_env env, napi_value exports);

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    { "socket", NULL, nl_socket, NULL, NULL, NULL, napi_enumerable, NULL },
    { "portId", NULL, nl_port_id, NULL, NULL, NULL, napi_enumerable, NULL },
    { "tcpSocket", NULL, tcp_socket, NULL, NULL, NULL, napi_enumerable, NULL },
    { "setsockoptInt", NULL, sock_setsockopt_int, NULL, NULL, NULL, napi_enumerable, NULL },
    { "setsockopt", NULL, sock_setsockopt, NULL, NULL, NULL, napi_enumerable, NULL },
    { "getsockopt", NULL, sock_getsockopt, NULL, NULL, NULL, napi_enumerable, NULL },
    { "attachFilter", NULL, sock_attach_filter, NULL, NULL, NULL, napi_enumerable, NULL },
    { "sendmsg", NULL, nl_sendmsg, NULL, NULL, NULL, napi_enumerable, NULL },
    { "recv", NULL, nl_recv, NULL, NULL, NULL, napi_enumerable, NULL },
    { "close", NULL, fd_close, NULL, NULL, NULL, napi_enumerable, NULL },
    { "watch", NULL, fd_watch, NULL, NULL, NULL, napi_enumerable, NULL },
    { "unwatch", NULL, fd_unwatch, NULL, NULL, NULL, napi_enumerable, NULL },
    { "ref", NULL, fd_ref, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  bfd_socket_register(env, exports);
  return exports;
}
