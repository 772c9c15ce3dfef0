/*
 * net: tries to use the network. WASI preview 1 has no call that creates or connects a socket; this
 * program tries every socket call it does have (sock_accept, sock_recv, sock_send, sock_shutdown) on
 * every descriptor it might hold, and reports each errno. Exit status: the number of calls that did
 * NOT fail (0 means every attempt was refused cleanly, with an errno and no crash).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#ifdef __wasi__
#include <wasi/api.h>
#endif

int main(void) {
  int succeeded = 0;
#ifdef __wasi__
  for (int fd = 0; fd < 6; fd++) {
    __wasi_fd_t accepted;
    __wasi_errno_t e = __wasi_sock_accept(fd, 0, &accepted);
    printf("sock_accept(%d): errno %d\n", fd, e);
    if (e == 0) succeeded++;

    char buf[16];
    __wasi_iovec_t in = {(uint8_t *)buf, sizeof buf};
    __wasi_size_t n;
    __wasi_roflags_t roflags;
    e = __wasi_sock_recv(fd, &in, 1, 0, &n, &roflags);
    printf("sock_recv(%d): errno %d\n", fd, e);
    if (e == 0) succeeded++;

    __wasi_ciovec_t outv = {(const uint8_t *)"GET / HTTP/1.0\r\n\r\n", 18};
    e = __wasi_sock_send(fd, &outv, 1, 0, &n);
    printf("sock_send(%d): errno %d\n", fd, e);
    if (e == 0) succeeded++;

    e = __wasi_sock_shutdown(fd, __WASI_SDFLAGS_RD | __WASI_SDFLAGS_WR);
    printf("sock_shutdown(%d): errno %d\n", fd, e);
    if (e == 0) succeeded++;
  }
#endif
  printf("network calls that succeeded: %d\n", succeeded);
  return succeeded;
}
