/* Hostile subtask: a fork bomb. Every process forks forever; only the pids limit and the timeout end it. */
#include <unistd.h>

int main(void) {
  for (;;) fork();
}
