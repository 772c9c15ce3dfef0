/*
 * probe: prints what a program can see of its environment, to check arguments, environment variables
 * and the determinism of time and randomness.
 *
 *   probe [ARGS...]
 *
 * Prints argc and every argv[i], every environment variable, the real-time and monotonic clocks read
 * twice, the result of a 1 ms sleep, and 16 random bytes. It also writes the same text to
 * /golem/output/probe.txt when that folder exists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void report(FILE *f, int argc, char **argv) {
  fprintf(f, "argc=%d\n", argc);
  for (int i = 0; i < argc; i++) fprintf(f, "argv[%d]=%s\n", i, argv[i]);
  for (char **e = environ; *e; e++) fprintf(f, "env %s\n", *e);
}

int main(int argc, char **argv) {
  char text[8192];
  FILE *mem = fmemopen(text, sizeof text, "w");
  report(mem, argc, argv);
  struct timespec a, b, m1, m2;
  clock_gettime(CLOCK_REALTIME, &a);
  clock_gettime(CLOCK_MONOTONIC, &m1);
  usleep(1000);
  clock_gettime(CLOCK_REALTIME, &b);
  clock_gettime(CLOCK_MONOTONIC, &m2);
  fprintf(mem, "realtime=%lld.%09ld then %lld.%09ld\n", (long long)a.tv_sec, a.tv_nsec, (long long)b.tv_sec, b.tv_nsec);
  fprintf(mem, "monotonic=%lld.%09ld then %lld.%09ld\n", (long long)m1.tv_sec, m1.tv_nsec, (long long)m2.tv_sec, m2.tv_nsec);
  long long slept = (m2.tv_sec - m1.tv_sec) * 1000000000LL + (m2.tv_nsec - m1.tv_nsec);
  fprintf(mem, "sleep(1ms) advanced the monotonic clock by %s\n", slept >= 1000000 ? ">= 1 ms" : "< 1 ms");
  unsigned char r[16];
  if (getentropy(r, sizeof r) != 0) {
    fprintf(stderr, "probe: getentropy failed\n");
    return 1;
  }
  fprintf(mem, "random=");
  for (int i = 0; i < 16; i++) fprintf(mem, "%02x", r[i]);
  fprintf(mem, "\ntime(NULL)=%lld\n", (long long)time(NULL));
  fclose(mem);
  fputs(text, stdout);
  FILE *out = fopen("/golem/output/probe.txt", "w");
  if (out) {
    fputs(text, out);
    fclose(out);
  }
  return 0;
}
