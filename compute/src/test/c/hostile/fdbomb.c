/*
 * fdbomb: opens a resource file again and again without closing it, until open fails; closes them all;
 * then creates empty files in /golem/work until that fails. Each open file of the resources holds a
 * descriptor of the node's process, and each created file costs node memory, so both must be bounded.
 * Prints "open N errno E" and "create N errno E", exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
  static int fds[1 << 20];
  int n = 0;
  for (; n < (1 << 20); n++) {
    fds[n] = open("/golem/resources/scene.txt", O_RDONLY);
    if (fds[n] < 0) break;
  }
  printf("open %d errno %d\n", n, errno);
  for (int i = 0; i < n; i++) close(fds[i]);

  int created = 0;
  for (; created < (1 << 24); created++) {
    char path[64];
    snprintf(path, sizeof path, "/golem/work/f%d", created);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) break;
    close(fd);
  }
  printf("create %d errno %d\n", created, errno);
  return 0;
}
