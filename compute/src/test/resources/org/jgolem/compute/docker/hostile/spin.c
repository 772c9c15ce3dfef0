/* Hostile subtask: an infinite loop on as many threads as the host has cores. */
#include <pthread.h>
#include <unistd.h>

static void *spin(void *arg) {
  volatile unsigned long x = 0;
  for (;;) x++;
  return arg;
}

int main(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  for (long i = 1; i < n; i++) {
    pthread_t t;
    pthread_create(&t, NULL, spin, NULL);
  }
  spin(NULL);
  return 0;
}
