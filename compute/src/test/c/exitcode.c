/*
 * exitcode: writes a line to stdout and one to stderr, then ends as argv[1] says: a number is the exit
 * status; "abort" calls abort() (a WebAssembly unreachable trap); "oob" stores outside linear memory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  const char *how = argc > 1 ? argv[1] : "0";
  printf("exiting with %s\n", how);
  fprintf(stderr, "a line on stderr\n");
  fflush(stdout);
  if (!strcmp(how, "abort")) abort();
  if (!strcmp(how, "oob")) {
    volatile int *far = (volatile int *)(uintptr_t)0xfffffff0u;
    *far = 1;
    return 0;
  }
  return atoi(how);
}
