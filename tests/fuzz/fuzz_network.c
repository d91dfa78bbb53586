/* libFuzzer harness: a network's JSON document (<data>/networks/<name>.json, loaded as
 * netstore_load does) and the address allocator that reads it (src/ipalloc.c): take, find,
 * reclaim, release. A document written by another carrel version or edited by hand must fail
 * cleanly, never crash or hand out an address outside the subnet. */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "ipalloc.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static bool
every_other_alive (const char *root, const char *id, void *data)
{
  (void)root;
  return id && (strlen (id) + *(int *)data) % 2 == 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct carrel_error err = { 0 };
  json_t *doc = json_loadb ((const char *)data, size, 0, NULL);
  json_t *entry = NULL;
  int parity = (int)size;
  if (!json_is_object (doc))
    {
      json_decref (doc);
      return 0;
    }
  (void)ipalloc_count (doc);
  (void)ipalloc_find (doc, "/run/carrel", "c1");
  if (ipalloc_take (doc, "/run/carrel", "c1", NULL, &entry, &err) < 0)
    fuzz_check_error (&err);
  else if (!json_is_string (json_object_get (entry, "ip")))
    abort ();
  if (ipalloc_take (doc, "/run/carrel", "c2", "10.88.0.7", &entry, &err) < 0)
    fuzz_check_error (&err);
  (void)ipalloc_reclaim (doc, every_other_alive, &parity);
  (void)ipalloc_release (doc, "/run/carrel", "c1");
  free (json_dumps (doc, JSON_COMPACT));
  json_decref (doc);
  return 0;
}
