/*
 * membomb: allocates and fills 1 MiB blocks, chaining them in a list, until malloc fails; then prints how
 * much it got (and a checksum over the list, so the compiler cannot drop the allocations) and exits with
 * status 12 (ENOMEM). The sandbox's memory limit must stop it; the node must not run out of heap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct block {
  struct block *next;
  unsigned char data[(1 << 20) - sizeof(struct block *)];
};

int main(void) {
  struct block *list = NULL;
  size_t mib = 0;
  for (;;) {
    struct block *b = malloc(sizeof *b);
    if (!b) break;
    memset(b->data, (int)(mib & 0xff), sizeof b->data);
    b->next = list;
    list = b;
    mib++;
  }
  unsigned long sum = 0;
  for (struct block *b = list; b; b = b->next) sum += b->data[mib % sizeof b->data];
  fprintf(stderr, "membomb: malloc failed after %zu MiB (checksum %lu)\n", mib, sum);
  return 12;
}
