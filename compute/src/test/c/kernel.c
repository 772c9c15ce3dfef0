/*
 * kernel: a CPU-bound benchmark kernel with a deterministic checksum.
 *
 *   kernel SIZE
 *
 * Three phases of about equal weight, all sized by SIZE, so that the kernel exercises floating point,
 * streaming memory access and random memory access alike:
 *   1. a Mandelbrot escape-count grid of SIZE x SIZE points (double arithmetic only: +, -, *, no libm,
 *      so the native and the WebAssembly builds compute bit-identical results);
 *   2. a sieve of Eratosthenes over 16 * SIZE^2 numbers (a byte per number), then a table-driven
 *      integer mixing pass over the primes;
 *   3. 24 * SIZE^2 read-modify-write updates at pseudo-random places of a 1 MiB table.
 * Every result feeds a 64-bit FNV-1a checksum that is printed, so no work can be optimized away.
 * Output: one line "checksum=<16 hex digits> size=<SIZE>".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t fnv(uint64_t h, uint64_t v) {
  for (int i = 0; i < 8; i++) {
    h ^= (v >> (8 * i)) & 0xff;
    h *= 0x100000001b3ULL;
  }
  return h;
}

static uint64_t mandelbrot(int size, uint64_t h) {
  const int max_iter = 256;
  for (int y = 0; y < size; y++) {
    double ci = -1.25 + 2.5 * y / size;
    for (int x = 0; x < size; x++) {
      double cr = -2.0 + 2.75 * x / size;
      double zr = 0, zi = 0;
      int n = 0;
      while (n < max_iter && zr * zr + zi * zi <= 4.0) {
        double t = zr * zr - zi * zi + cr;
        zi = 2.0 * zr * zi + ci;
        zr = t;
        n++;
      }
      h = fnv(h, (uint64_t)n);
    }
  }
  return h;
}

static uint64_t sieve(int size, uint64_t h) {
  size_t n = (size_t)size * size * 16;
  unsigned char *composite = calloc(n + 1, 1);
  uint32_t *mix = malloc(4096 * sizeof(uint32_t));
  if (!composite || !mix) {
    fprintf(stderr, "kernel: out of memory for the sieve of %zu numbers\n", n);
    exit(12);
  }
  for (size_t i = 2; i * i <= n; i++)
    if (!composite[i])
      for (size_t j = i * i; j <= n; j += i) composite[j] = 1;
  uint32_t state = 2463534242u;
  for (int i = 0; i < 4096; i++) {
    state ^= state << 13; state ^= state >> 17; state ^= state << 5;
    mix[i] = state;
  }
  uint64_t primes = 0;
  uint32_t acc = 0;
  for (size_t i = 2; i <= n; i++) {
    if (!composite[i]) {
      primes++;
      acc = (acc ^ mix[(acc + (uint32_t)i) & 4095]) * 2654435761u + (uint32_t)i;
      mix[acc & 4095] += acc >> 7;
    }
  }
  h = fnv(h, primes);
  h = fnv(h, acc);
  free(mix);
  free(composite);
  return h;
}

static uint64_t scatter(int size, uint64_t h) {
  const uint32_t mask = (1u << 18) - 1; /* 256 Ki entries, 1 MiB: mostly outside L2 */
  uint32_t *table = malloc((size_t)(mask + 1) * sizeof(uint32_t));
  if (!table) {
    fprintf(stderr, "kernel: out of memory for the 1 MiB table\n");
    exit(12);
  }
  for (uint32_t i = 0; i <= mask; i++) table[i] = i * 2654435761u;
  uint64_t updates = (uint64_t)size * size * 24;
  uint32_t x = 88172645u, acc = 0;
  for (uint64_t i = 0; i < updates; i++) {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    uint32_t slot = (x ^ acc) & mask;
    acc += table[slot];
    table[slot] = acc ^ (uint32_t)i;
  }
  uint64_t sum = 0;
  for (uint32_t i = 0; i <= mask; i += 4099) sum += table[i];
  h = fnv(h, acc);
  h = fnv(h, sum);
  free(table);
  return h;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: kernel SIZE\n");
    return 2;
  }
  int size = atoi(argv[1]);
  if (size < 1 || size > 10000) {
    fprintf(stderr, "kernel: SIZE must be 1..10000, got '%s'\n", argv[1]);
    return 2;
  }
  uint64_t h = 0xcbf29ce484222325ULL;
  h = mandelbrot(size, h);
  h = sieve(size, h);
  h = scatter(size, h);
  printf("checksum=%016llx size=%d\n", (unsigned long long)h, size);
  return 0;
}
