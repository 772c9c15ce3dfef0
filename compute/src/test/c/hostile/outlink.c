/*
 * outlink: leaves a symlink in /golem/output (pointing at a file next to it). The node copies only
 * regular files out of the sandbox; a symlink could point anywhere once on the host, so it fails the
 * subtask.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  FILE *f = fopen("/golem/output/data.txt", "w");
  if (!f) return 1;
  fputs("data\n", f);
  fclose(f);
  if (symlink("data.txt", "/golem/output/link.txt") != 0) {
    printf("symlink refused: %s\n", strerror(errno));
    return 2;
  }
  printf("symlink made\n");
  return 0;
}
