/* Fault points for tests (see fault.h); compiled to nothing without CARREL_FAULT_INJECTION. */
#include "fault.h"

#ifdef CARREL_FAULT_INJECTION
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* Opened once, before the init's pivot_root can hide the path; never created (no file appears in
 * a rootfs), close-on-exec (the container's program never sees it). */
static int log_fd = -2;

static void
log_point (const char *name)
{
  const char *path = getenv ("CARREL_FAULT_LOG");
  char line[256];
  int n;
  if (log_fd == -2)
    log_fd = path && *path ? open (path, O_WRONLY | O_APPEND | O_CLOEXEC) : -1;
  if (log_fd < 0)
    return;
  n = snprintf (line, sizeof line, "%s %d\n", name, (int)getpid ());
  if (n > 0 && (size_t)n < sizeof line)
    write_all (log_fd, line, n);
}

int
fault_point (const char *name, struct carrel_error *err)
{
  const char *want = getenv ("CARREL_FAULT");
  int saved = errno;
  log_point (name);
  errno = saved;
  if (want == NULL || *want == '\0')
    return 0;
  if (strncmp (want, "die:", 4) == 0 && strcmp (want + 4, name) == 0)
    {
      kill (getpid (), SIGKILL);
      _exit (137);
    }
  if (strcmp (want, name) == 0)
    return carrel_fail (err, 0, "injected fault at %s", name);
  return 0;
}
#endif
