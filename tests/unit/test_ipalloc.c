/* Unit tests of the address allocator (src/ipalloc.c): pure functions over a network's JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipalloc.h"

static json_t *
network (const char *subnet, const char *gateway, const char *subnet6)
{
  json_t *doc = json_pack ("{s:s, s:s, s:s, s:i, s:[]}", "name", "n1", "subnet", subnet, "gateway", gateway,
                           "next", 2, "allocations");
  if (subnet6)
    json_object_set_new (doc, "subnet6", json_string (subnet6));
  return doc;
}

static const char *
take (json_t *doc, const char *id, const char *want, struct carrel_error *err)
{
  json_t *e = NULL;
  if (ipalloc_take (doc, "/run/carrel", id, want, &e, err) < 0)
    return NULL;
  return json_string_value (json_object_get (e, "ip"));
}

static void
next_free_address_skips_gateway_and_taken_ones (void **state)
{
  json_t *doc = network ("10.0.0.0/29", "10.0.0.1", NULL);
  struct carrel_error err = { 0 };
  /* /29: hosts .1-.6, .1 is the gateway. */
  assert_string_equal (take (doc, "a", NULL, &err), "10.0.0.2");
  assert_string_equal (take (doc, "b", NULL, &err), "10.0.0.3");
  assert_string_equal (take (doc, "c", "10.0.0.5", &err), "10.0.0.5");
  assert_string_equal (take (doc, "d", NULL, &err), "10.0.0.4");
  assert_string_equal (take (doc, "e", NULL, &err), "10.0.0.6");
  assert_null (take (doc, "f", NULL, &err));
  assert_int_equal (err.errno_value, ENOSPC);
  assert_non_null (strstr (err.msg, "10.0.0.0/29"));
  assert_int_equal (ipalloc_count (doc), 5);
  json_decref (doc);
}

static void
released_address_is_not_reused_at_once (void **state)
{
  json_t *doc = network ("10.0.0.0/24", "10.0.0.1", NULL);
  struct carrel_error err = { 0 };
  assert_string_equal (take (doc, "a", NULL, &err), "10.0.0.2");
  assert_int_equal (ipalloc_release (doc, "/run/carrel", "a"), 1);
  assert_int_equal (ipalloc_release (doc, "/run/carrel", "a"), 0);
  /* The cursor moved on: a peer's ARP cache still pointing at .2 does not hit a newcomer. */
  assert_string_equal (take (doc, "b", NULL, &err), "10.0.0.3");
  json_decref (doc);
}

static void
cursor_wraps_around_to_the_first_host (void **state)
{
  json_t *doc = network ("10.0.0.0/30", "10.0.0.1", NULL);
  struct carrel_error err = { 0 };
  assert_string_equal (take (doc, "a", NULL, &err), "10.0.0.2");
  ipalloc_release (doc, "/run/carrel", "a");
  assert_string_equal (take (doc, "b", NULL, &err), "10.0.0.2");
  json_decref (doc);
}

static void
static_address_outside_subnet_or_taken_is_refused_naming_it (void **state)
{
  json_t *doc = network ("10.88.0.0/24", "10.88.0.1", NULL);
  struct carrel_error err = { 0 };
  static const char *const bad[] = { "10.89.0.5", "10.88.0.0", "10.88.0.255", "10.88.0.1", "banana" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      memset (&err, 0, sizeof err);
      assert_null (take (doc, "x", bad[i], &err));
      if (strstr (err.msg, bad[i]) == NULL)
        fail_msg ("%s: the message does not name it: %s", bad[i], err.msg);
    }
  assert_string_equal (take (doc, "a", "10.88.0.7", &err), "10.88.0.7");
  assert_null (take (doc, "b", "10.88.0.7", &err));
  assert_int_equal (err.errno_value, EADDRINUSE);
  assert_non_null (strstr (err.msg, "already taken by container a"));
  assert_int_equal (ipalloc_count (doc), 1);
  json_decref (doc);
}

static void
same_container_again_replaces_its_old_allocation (void **state)
{
  json_t *doc = network ("10.88.0.0/24", "10.88.0.1", NULL);
  struct carrel_error err = { 0 };
  take (doc, "a", NULL, &err);
  take (doc, "a", "10.88.0.9", &err);
  assert_int_equal (ipalloc_count (doc), 1);
  assert_string_equal (json_string_value (json_object_get (ipalloc_find (doc, "/run/carrel", "a"), "ip")),
                       "10.88.0.9");
  json_decref (doc);
}

static void
ipv6_address_repeats_the_ipv4_host_number (void **state)
{
  json_t *doc = network ("10.88.0.0/24", "10.88.0.1", "fd00:1::/64");
  struct carrel_error err = { 0 };
  json_t *e;
  assert_int_equal (ipalloc_take (doc, "/r", "a", "10.88.0.42", &e, &err), 0);
  assert_string_equal (json_string_value (json_object_get (e, "ip6")), "fd00:1::2a");
  json_decref (doc);
}

static bool
only_b_alive (const char *root, const char *id, void *data)
{
  (void)root, (void)data;
  return strcmp (id, "b") == 0;
}

static void
reclaim_drops_allocations_of_vanished_containers (void **state)
{
  json_t *doc = network ("10.88.0.0/24", "10.88.0.1", NULL);
  struct carrel_error err = { 0 };
  take (doc, "a", NULL, &err);
  take (doc, "b", NULL, &err);
  take (doc, "c", NULL, &err);
  assert_int_equal (ipalloc_reclaim (doc, only_b_alive, NULL), 2);
  assert_int_equal (ipalloc_count (doc), 1);
  assert_non_null (ipalloc_find (doc, "/run/carrel", "b"));
  assert_null (ipalloc_find (doc, "/run/carrel", "a"));
  json_decref (doc);
}

static void
subnets_parse_and_overlap (void **state)
{
  struct carrel_error err = { 0 };
  struct in_addr a, b;
  unsigned int pa, pb;
  struct in6_addr a6, b6;
  assert_int_equal (ipalloc_parse_subnet4 ("10.88.0.0/24", &a, &pa, &err), 0);
  assert_int_equal (pa, 24);
  assert_int_equal (ipalloc_parse_subnet4 ("10.88.0.128/25", &b, &pb, &err), 0);
  assert_true (ipalloc_overlap4 (a, pa, b, pb));
  assert_int_equal (ipalloc_parse_subnet4 ("10.89.0.0/16", &b, &pb, &err), 0);
  assert_false (ipalloc_overlap4 (a, pa, b, pb));
  assert_int_equal (ipalloc_parse_subnet4 ("10.88.0.1/24", &a, &pa, &err), -1);
  assert_non_null (strstr (err.msg, "did you mean 10.88.0.0/24"));
  assert_int_equal (ipalloc_parse_subnet4 ("10.88.0.0/31", &a, &pa, &err), -1);
  assert_int_equal (ipalloc_parse_subnet4 ("10.88.0.0", &a, &pa, &err), -1);
  assert_int_equal (ipalloc_parse_subnet4 ("10.88.0.0/x", &a, &pa, &err), -1);
  assert_int_equal (ipalloc_parse_subnet6 ("fd00::/64", &a6, &pa, &err), 0);
  assert_int_equal (ipalloc_parse_subnet6 ("fd00:0:0:0:8000::/65", &b6, &pb, &err), 0);
  assert_true (ipalloc_overlap6 (&a6, pa, &b6, pb));
  assert_int_equal (ipalloc_parse_subnet6 ("fd00::/56", &b6, &pb, &err), -1); /* too big for carrel */
  assert_int_equal (ipalloc_parse_subnet6 ("fd01::/64", &b6, &pb, &err), 0);
  assert_false (ipalloc_overlap6 (&a6, pa, &b6, pb));
  assert_int_equal (ipalloc_parse_subnet6 ("fd00::1/64", &b6, &pb, &err), -1);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (next_free_address_skips_gateway_and_taken_ones),
    cmocka_unit_test (released_address_is_not_reused_at_once),
    cmocka_unit_test (cursor_wraps_around_to_the_first_host),
    cmocka_unit_test (static_address_outside_subnet_or_taken_is_refused_naming_it),
    cmocka_unit_test (same_container_again_replaces_its_old_allocation),
    cmocka_unit_test (ipv6_address_repeats_the_ipv4_host_number),
    cmocka_unit_test (reclaim_drops_allocations_of_vanished_containers),
    cmocka_unit_test (subnets_parse_and_overlap),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
