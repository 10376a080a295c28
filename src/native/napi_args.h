/*
 * Argument helpers shared by the addon's C files: every argument present, numbers as int32, bytes as a
 * Uint8Array; otherwise a TypeError (ERR_INVALID_ARG_TYPE) is thrown and 0 returned.
 */
#ifndef VIPGATE_NAPI_ARGS_H
#define VIPGATE_NAPI_ARGS_H
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>

static inline napi_value throw_type(napi_env env, const char *what) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", what);
  return NULL;
}

/* Read `count` arguments; returns 0 (and throws) if fewer were passed. */
static inline int get_args(napi_env env, napi_callback_info info, size_t count, napi_value *argv) {
  size_t argc = count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < count) {
    throw_type(env, "missing arguments");
    return 0;
  }
  return 1;
}

static inline int get_int(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) { throw_type(env, "expected a number"); return 0; }
  return 1;
}

static inline int get_bytes(napi_env env, napi_value v, void **data, size_t *len) {
  bool is_typed = false;
  napi_typedarray_type type;
  napi_value arraybuffer;
  size_t offset;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, v, &type, len, data, &arraybuffer, &offset) != napi_ok ||
      type != napi_uint8_array) {
    throw_type(env, "expected a Uint8Array");
    return 0;
  }
  return 1;
}

static inline napi_value make_int(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

#endif
