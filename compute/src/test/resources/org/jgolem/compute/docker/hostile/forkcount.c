/* Hostile subtask: forks children that sleep, as many as it can, and prints how many it got before
 * fork failed. The container's pids limit must stop it; the children are left for the environment. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  int n = 0;
  for (int i = 0; i < 100000; i++) {
    pid_t p = fork();
    if (p < 0) {
      printf("forked %d then fork failed: %s\n", n, strerror(errno));
      return 0;
    }
    if (p == 0) {
      pause();
      _exit(0);
    }
    n++;
  }
  printf("forked %d without hitting a limit\n", n);
  return 0;
}
