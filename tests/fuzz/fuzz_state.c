/* libFuzzer harness: state files read back (state_read). The input up to its first NUL byte is
 * written as state.json, the rest (if there is a NUL) as the exit record. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "state.h"
#include "util.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int dirfd_ = -1;
static char dir_[64];

static void
put (const char *name, const uint8_t *p, size_t n)
{
  int fd = openat (dirfd_, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || write_all (fd, p, n) < 0)
    abort ();
  close (fd);
}

static void
teardown (void)
{
  unlinkat (dirfd_, STATE_FILE, 0);
  unlinkat (dirfd_, EXIT_FILE, 0);
  rmdir (dir_);
}

static void
setup (void)
{
  /* tmpfs when there is one: millions of small writes. */
  strcpy (dir_, "/dev/shm/carrel-fuzz-state.XXXXXX");
  if (mkdtemp (dir_) == NULL)
    {
      strcpy (dir_, "/tmp/carrel-fuzz-state.XXXXXX");
      if (mkdtemp (dir_) == NULL)
        abort ();
    }
  dirfd_ = open (dir_, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (dirfd_ < 0)
    abort ();
  atexit (teardown);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct carrel_state st;
  struct carrel_error err = { 0 };
  const uint8_t *nul = memchr (data, '\0', size);
  if (dirfd_ < 0)
    setup ();
  carrel_set_warn_handler (fuzz_quiet_warn);
  put (STATE_FILE, data, nul ? (size_t)(nul - data) : size);
  if (nul)
    put (EXIT_FILE, nul + 1, size - (size_t)(nul - data) - 1);
  else
    unlinkat (dirfd_, EXIT_FILE, 0);
  if (state_read (dirfd_, "fuzz", &st, &err) < 0)
    {
      fuzz_check_error (&err);
      /* On failure nothing is left allocated (callers do not free). */
      return 0;
    }
  free (carrel_state_to_json (&st, false));
  free (carrel_state_to_json (&st, true));
  carrel_state_free (&st);
  return 0;
}
