/*
 * fillout: writes 1 MiB blocks to /golem/output/fill.bin until a write fails, then exits with status 28
 * (ENOSPC). The output limit must stop it before it fills the node's disk or memory.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  static char block[1 << 20];
  memset(block, 'x', sizeof block);
  FILE *f = fopen("/golem/output/fill.bin", "wb");
  if (!f) {
    fprintf(stderr, "fillout: cannot create the file: %s\n", strerror(errno));
    return 1;
  }
  for (long mib = 0;; mib++) {
    if (fwrite(block, 1, sizeof block, f) != sizeof block || fflush(f) != 0) {
      fprintf(stderr, "fillout: write failed after %ld MiB: %s\n", mib, strerror(errno));
      return 28;
    }
  }
}
