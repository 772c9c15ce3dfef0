/* Hostile subtask: allocates and touches memory 1 MiB at a time until something stops it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  for (long mib = 1;; mib++) {
    char *p = malloc(1 << 20);
    if (p == NULL) {
      printf("malloc failed after %ld MiB\n", mib - 1);
      return 2;
    }
    memset(p, 0x5a, 1 << 20);
  }
}
