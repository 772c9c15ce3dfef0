/* exitcode: writes a line to stdout and one to stderr, then exits with the status given as argv[1]. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  int code = argc > 1 ? atoi(argv[1]) : 0;
  printf("exiting with %d\n", code);
  fprintf(stderr, "a line on stderr\n");
  return code;
}
