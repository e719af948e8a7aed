/*
 * The sandbox ("pause") process of every pod on the test node: it holds the pod's namespaces
 * and does nothing else. Built static, so the image is this one file (images/build-pause).
 * SIGTERM/SIGINT end it at once: as PID 1 of the pod it has no default signal handlers.
 */
#include <signal.h>
#include <unistd.h>

static void done(int sig) {
  (void)sig;
  _exit(0);
}

int main(void) {
  signal(SIGTERM, done);
  signal(SIGINT, done);
  for (;;) pause();
}
