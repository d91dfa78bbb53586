/* libFuzzer harness: a linux.seccomp object alone, through the parser's own entry for it, so the
 * fuzzer spends its time on seccomp rather than on the rest of config.json. */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "spec/parse.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct carrel_error err = { 0 };
  struct carrel_seccomp sc;
  struct pctx c;
  json_t *doc;
  carrel_set_warn_handler (fuzz_quiet_warn);
  pctx_init (&c, "config.json", &err);
  doc = parse_document (&c, (const char *)data, size);
  if (doc == NULL)
    {
      fuzz_check_error (&err);
      return 0;
    }
  memset (&sc, 0, sizeof sc);
  path_key (&c, "linux.seccomp");
  if (parse_seccomp (&c, doc, &sc) < 0)
    fuzz_check_error (&err);
  /* The parser promises a half-parsed struct can be cleared. */
  seccomp_clear (&sc);
  json_decref (doc);
  return 0;
}
