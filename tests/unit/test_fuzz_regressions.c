/* Regression tests for what the fuzzers (tests/fuzz/) found: each case is the input that failed,
 * asserting what a caller sees. Run them under `make asan` or `make valgrind` too: some findings
 * were leaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "util.h"

struct state_dir
{
  char path[64];
  int fd;
};

static int
state_dir_setup (void **state)
{
  struct state_dir *d = calloc (1, sizeof *d);
  strcpy (d->path, "/tmp/carrel-unit-fuzz.XXXXXX");
  assert_non_null (mkdtemp (d->path));
  d->fd = open (d->path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  assert_true (d->fd >= 0);
  *state = d;
  return 0;
}

static int
state_dir_teardown (void **state)
{
  struct state_dir *d = *state;
  unlinkat (d->fd, STATE_FILE, 0);
  unlinkat (d->fd, EXIT_FILE, 0);
  close (d->fd);
  rmdir (d->path);
  free (d);
  return 0;
}

static void
put (struct state_dir *d, const char *name, const char *text)
{
  struct carrel_error err;
  assert_int_equal (write_file_atomic (d->fd, name, text, strlen (text), 0600, &err), 0);
}

/* fuzz_state leak-5787e1b9: a state.json with an unknown status leaked the strings read before the
 * status was checked; callers free nothing on failure, so state_read must leave nothing owned. */
static void
state_with_unknown_status_fails_and_owns_nothing (void **state)
{
  struct state_dir *d = *state;
  struct carrel_state st;
  struct carrel_error err = { 0 };
  put (d, STATE_FILE,
       "{\"id\":\"c1\",\"status\":\"bogus\",\"bundle\":\"/b\",\"owner\":\"0\",\"cgroupPath\":\"/x\"}");
  assert_int_equal (state_read (d->fd, "c1", &st, &err), -1);
  assert_non_null (strstr (err.msg, "no valid status"));
  assert_null (st.id);
  assert_null (st.bundle);
  assert_null (st.owner);
  assert_null (st.cgroup_path);
  assert_null (st.annotations_json);
}

/* The same input without a status at all. */
static void
state_without_status_fails_and_owns_nothing (void **state)
{
  struct state_dir *d = *state;
  struct carrel_state st;
  struct carrel_error err = { 0 };
  put (d, STATE_FILE, "{\"id\":\"c1\",\"created\":\"x\"}");
  assert_int_equal (state_read (d->fd, "c1", &st, &err), -1);
  assert_null (st.id);
  assert_null (st.created);
  assert_null (st.annotations_json);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (state_with_unknown_status_fails_and_owns_nothing, state_dir_setup,
                                     state_dir_teardown),
    cmocka_unit_test_setup_teardown (state_without_status_fails_and_owns_nothing, state_dir_setup,
                                     state_dir_teardown),
  };
  return cmocka_run_group_tests_name ("test_fuzz_regressions", tests, NULL, NULL);
}
