/*
 * membomb: allocates and touches 1 MiB blocks until malloc fails, then exits with status 12 (ENOMEM).
 * The sandbox's memory limit must stop it; the node must not run out of heap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  size_t mib = 0;
  for (;;) {
    char *p = malloc(1 << 20);
    if (!p) {
      fprintf(stderr, "membomb: malloc failed after %zu MiB\n", mib);
      return 12;
    }
    memset(p, 0xa5, 1 << 20);
    mib++;
  }
}
