/* Shared by the seccomp harnesses: the input as a linux.seccomp object, through the parser's own
 * entry for it. */
#ifndef CARREL_FUZZ_SECCOMP_H
#define CARREL_FUZZ_SECCOMP_H

#include <string.h>

#include "fuzz.h"
#include "spec/parse.h"

/* Parses data into *sc; *doc is the JSON to json_decref (NULL when the input is not JSON). Returns
 * 0 when the profile parsed; a failure has been checked for a proper message. Either way *sc is
 * zeroed or half-parsed, and seccomp_clear must follow. */
static inline int
fuzz_parse_seccomp (const uint8_t *data, size_t size, struct carrel_seccomp *sc, json_t **doc)
{
  struct carrel_error err = { 0 };
  struct pctx c;
  carrel_set_warn_handler (fuzz_quiet_warn);
  memset (sc, 0, sizeof *sc);
  pctx_init (&c, "config.json", &err);
  *doc = parse_document (&c, (const char *)data, size);
  if (*doc == NULL)
    {
      fuzz_check_error (&err);
      return -1;
    }
  path_key (&c, "linux.seccomp");
  if (parse_seccomp (&c, *doc, sc) < 0)
    {
      fuzz_check_error (&err);
      return -1;
    }
  return 0;
}

#endif
