/* Unit tests of small helpers: the RFC 3339 timestamps of state and events (src/util.c), and the
 * JSON member scanner exec uses to leave the seccomp profile out (src/json_span.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

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

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (rfc3339_matches_gmtime),
    cmocka_unit_test (json_span_finds_the_member),
    cmocka_unit_test (json_span_refuses_what_it_cannot_read),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
