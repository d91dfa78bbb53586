/* libFuzzer harness: a linux.seccomp object alone, through the parser's own entry for it, so the
 * fuzzer spends its time on seccomp rather than on the rest of config.json. */
#include <stdint.h>
#include <string.h>

#include "fuzz_seccomp.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct carrel_seccomp sc;
  json_t *doc;
  fuzz_parse_seccomp (data, size, &sc, &doc);
  /* The parser promises a half-parsed struct can be cleared. */
  seccomp_clear (&sc);
  json_decref (doc);
  return 0;
}
