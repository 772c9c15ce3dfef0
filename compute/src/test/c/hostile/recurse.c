/*
 * recurse: recursion as deep as argv[1] says (default: a billion levels). Each level does work after
 * the call returns, so the compiler cannot turn it into a loop. The sandbox must stop it cleanly.
 */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static unsigned deep(unsigned n) {
  if (n == 0) return 1;
  unsigned r = deep(n - 1);
  return (r * 31u) ^ (n >> 3);
}

int main(int argc, char **argv) {
  unsigned depth = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1000000000u;
  printf("result %u\n", deep(depth));
  return 0;
}
