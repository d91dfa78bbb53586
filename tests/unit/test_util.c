/* Unit tests of small helpers in src/util.c: the RFC 3339 timestamps of state and events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

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

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (rfc3339_matches_gmtime),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
