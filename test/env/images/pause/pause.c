/*
 * The sandbox ("pause") process of every pod on the test node: it holds the pod's namespaces
 * and, as Kubernetes' own pause does, reaps the zombies of a pod that shares its PID namespace
 * (`shareProcessNamespace`: orphans are re-parented to this PID 1, and a zombie keeps its pid,
 * counted against the pod's pids limit, until its parent waits for it). Built static, so the
 * image is this one file (images/build-pause).
 * SIGTERM/SIGINT end it at once: as PID 1 of the pod it has no default signal handlers.
 */
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

static void done(int sig) {
  (void)sig;
  _exit(0);
}

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction chld = {0};
  chld.sa_handler = reap;
  chld.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigemptyset(&chld.sa_mask);
  signal(SIGTERM, done);
  signal(SIGINT, done);
  if (sigaction(SIGCHLD, &chld, NULL) < 0) return 3;
  for (;;) pause();
}
