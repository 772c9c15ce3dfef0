/*
 * netopen: imports socket-creating functions that some runtimes add to wasi_snapshot_preview1
 * (sock_open, sock_connect, as in WasmEdge). A sandbox without a network must refuse to link it.
 */
#include <stdint.h>
#include <stdio.h>

__attribute__((import_module("wasi_snapshot_preview1"), import_name("sock_open")))
int32_t sock_open(int32_t family, int32_t type, int32_t *fd);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("sock_connect")))
int32_t sock_connect(int32_t fd, const void *addr, int32_t port);

int main(void) {
  int32_t fd = -1;
  int32_t e = sock_open(1, 1, &fd);
  printf("sock_open: errno %d fd %d\n", e, fd);
  uint8_t addr[8] = {4, 0, 8, 8, 8, 8, 0, 0};
  e = sock_connect(fd, addr, 53);
  printf("sock_connect: errno %d\n", e);
  return 0;
}
