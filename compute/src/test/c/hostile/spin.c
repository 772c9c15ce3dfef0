/* spin: an endless loop that never calls the host. Only the wall-time limit (or a cancel) stops it. */
#include <stdio.h>

int main(void) {
  volatile unsigned long counter = 0;
  printf("spinning\n");
  fflush(stdout);
  for (;;) counter++;
}
