{
  "targets": [
    {
      "target_name": "vipgate_native",
      "sources": ["src/native/vipgate_native.c", "src/native/bfd_socket.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
