/*
 * writeres: tries to change the read-only /golem/resources: create a file, open an existing one for
 * writing, delete it, make a folder. Exit status 0 means every attempt failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int attempt(const char *what, int result) {
  printf("%s: %s\n", what, result == 0 ? "DONE" : strerror(errno));
  fflush(stdout);
  return result == 0;
}

int main(void) {
  int done = 0;
  int fd = open("/golem/resources/planted.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  done += attempt("create /golem/resources/planted.txt", fd >= 0 ? 0 : -1);
  if (fd >= 0) close(fd);
  fd = open("/golem/resources/scene.txt", O_RDWR);
  done += attempt("open /golem/resources/scene.txt for writing", fd >= 0 ? 0 : -1);
  if (fd >= 0) {
    write(fd, "overwritten", 11);
    close(fd);
  }
  done += attempt("unlink /golem/resources/scene.txt", unlink("/golem/resources/scene.txt"));
  done += attempt("mkdir /golem/resources/planted", mkdir("/golem/resources/planted", 0755));
  printf("changes made: %d\n", done);
  return done;
}
