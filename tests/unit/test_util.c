/* Unit tests of small helpers: the RFC 3339 timestamps of state and events (src/util.c), the atomic
 * file replacement of the state files (src/util.c), and the JSON member scanner exec uses to leave
 * the seccomp profile out (src/json_span.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json_span.h"
#include "util.h"

/* The hand-made conversion agrees with gmtime_r over leap years, centuries and the epoch. */
static void
rfc3339_matches_gmtime (void **state)
{
  (void)state;
  static const long long secs[]
      = { 0,          59,         86399,      86400,      951782400, 951868799, 951868800,
          1709164800, 1709251199, 4107542400, 1795487363, -1,        -86400,    -2208988800 };
  for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++)
    {
      char got[64], want[64], base[40];
      struct tm tm;
      time_t t = (time_t)secs[i];
      gmtime_r (&t, &tm);
      strftime (base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
      snprintf (want, sizeof want, "%s.%09ldZ", base, 123456789L);
      format_rfc3339 (got, sizeof got, secs[i], 123456789L);
      assert_string_equal (want, got);
    }
  /* Every day of a 400-year cycle. */
  for (long long s = 946684800LL; s < 946684800LL + 146097LL * 86400; s += 86400 + 3601)
    {
      char got[64], want[64], base[40];
      struct tm tm;
      time_t t = (time_t)s;
      gmtime_r (&t, &tm);
      strftime (base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
      snprintf (want, sizeof want, "%s.%09ldZ", base, 0L);
      format_rfc3339 (got, sizeof got, s, 0);
      assert_string_equal (want, got);
    }
}

static const char *
span_of (const char *text, const char *outer, const char *inner, char *buf, size_t size)
{
  size_t start, end;
  if (!json_member_span (text, strlen (text), outer, inner, &start, &end))
    return NULL;
  snprintf (buf, size, "%.*s", (int)(end - start), text + start);
  return buf;
}

/* The value's bounds, whatever its kind and wherever the member is; strings may hold braces,
 * quotes and the key's own name. */
static void
json_span_finds_the_member (void **state)
{
  char buf[256];
  (void)state;
  assert_string_equal ("{\"a\": [1, {\"b\": \"}\"}]}",
                       span_of ("{\"linux\": {\"seccomp\": {\"a\": [1, {\"b\": \"}\"}]}}}", "linux",
                                "seccomp", buf, sizeof buf));
  assert_string_equal ("12", span_of ("{\"x\":\"seccomp\",\"linux\":{\"seccompX\":1,\"seccomp\":12}}",
                                      "linux", "seccomp", buf, sizeof buf));
  assert_string_equal ("\"a\\\"}b\"", span_of (" { \"linux\" : { \"seccomp\" : \"a\\\"}b\" } } ", "linux",
                                               "seccomp", buf, sizeof buf));
  assert_string_equal ("null",
                       span_of ("{\"linux\":{\"seccomp\":null}}", "linux", "seccomp", buf, sizeof buf));
  assert_string_equal ("[]",
                       span_of ("{\"process\":{\"seccomp\":1},\"linux\":{\"uid\":[1,2],\"seccomp\":[]}}",
                                "linux", "seccomp", buf, sizeof buf));
}

/* Absent, malformed, or reached through an escaped key: none (the caller parses everything). */
static void
json_span_refuses_what_it_cannot_read (void **state)
{
  char buf[64];
  (void)state;
  assert_null (span_of ("{\"linux\":{}}", "linux", "seccomp", buf, sizeof buf));
  assert_null (span_of ("{\"linux\":{\"seccomp\":{\"a\":[1}", "linux", "seccomp", buf, sizeof buf));
  assert_null (span_of ("{\"linux\":{\"seccomp\":\"abc", "linux", "seccomp", buf, sizeof buf));
  assert_null (span_of ("{\"li\\u006eux\":{\"seccomp\":1}}", "linux", "seccomp", buf, sizeof buf));
  assert_null (span_of ("[1,2]", "linux", "seccomp", buf, sizeof buf));
  assert_null (span_of ("", "linux", "seccomp", buf, sizeof buf));
}

static size_t
entries_in (const char *dir)
{
  size_t n = 0;
  DIR *d = opendir (dir);
  struct dirent *e;
  while (d && (e = readdir (d)))
    n += strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0;
  if (d)
    closedir (d);
  return n;
}

/* The first write creates the file, the next ones replace it (by exchange, or by rename where the
 * filesystem has no exchange): readers see one whole version, and no temporary file is left. */
static void
write_file_atomic_replaces_whole (void **state)
{
  (void)state;
  char dir[] = "/tmp/carrel-unit-XXXXXX";
  struct carrel_error err = { 0 };
  struct stat first, second;
  char *text = NULL;
  int dfd;
  assert_non_null (mkdtemp (dir));
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true (dfd >= 0);
  assert_int_equal (write_file_atomic (dfd, "state.json", "{\"a\":1}", 7, 0600, &err), 0);
  assert_int_equal (fstatat (dfd, "state.json", &first, 0), 0);
  assert_int_equal (write_file_atomic (dfd, "state.json", "{\"a\":22}", 8, 0600, &err), 0);
  assert_int_equal (fstatat (dfd, "state.json", &second, 0), 0);
  assert_true (first.st_ino != second.st_ino);
  assert_int_equal (second.st_mode & 0777, 0600);
  assert_int_equal (read_file_at (dfd, "state.json", &text, NULL, &err), 0);
  assert_string_equal (text, "{\"a\":22}");
  assert_int_equal (entries_in (dir), 1);
  free (text);
  unlinkat (dfd, "state.json", 0);
  close (dfd);
  assert_int_equal (rmdir (dir), 0);
}

/* Owner names for `list` and `state`, read from /etc/passwd as glibc's NSS would not work in the
 * static binary. Every system names uid 0; no system gives a name to uid 4294967294. */
static void
passwd_names_uid_0_root_and_not_an_unknown_uid (void **state)
{
  char *name = passwd_name_of (0);
  assert_non_null (name);
  assert_string_equal (name, "root");
  free (name);
  assert_null (passwd_name_of (4294967294U));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (rfc3339_matches_gmtime),
    cmocka_unit_test (write_file_atomic_replaces_whole),
    cmocka_unit_test (json_span_finds_the_member),
    cmocka_unit_test (json_span_refuses_what_it_cannot_read),
    cmocka_unit_test (passwd_names_uid_0_root_and_not_an_unknown_uid),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
