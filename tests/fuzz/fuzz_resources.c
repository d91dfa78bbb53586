/* libFuzzer harness: the resources JSON of `update --resources` (carrel_resources_parse). */
#include <stdint.h>

#include "carrel/spec.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct carrel_resources *res = NULL;
  struct carrel_error err = { 0 };
  carrel_set_warn_handler (fuzz_quiet_warn);
  if (carrel_resources_parse ((const char *)data, size, "resources.json", &res, &err) < 0)
    {
      fuzz_check_error (&err);
      return 0;
    }
  carrel_resources_free (res);
  return 0;
}
