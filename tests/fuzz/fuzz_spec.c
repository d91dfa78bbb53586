/* libFuzzer harness: config.json (carrel_spec_parse), then the helpers that read a parsed spec. */
#include <stdint.h>
#include <stdlib.h>

#include "carrel/spec.h"
#include "fuzz.h"
#include "runtime.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct carrel_spec *spec = NULL;
  struct carrel_error err = { 0 };
  int flags;
  carrel_set_warn_handler (fuzz_quiet_warn);
  if (carrel_spec_parse ((const char *)data, size, "config.json", &spec, &err) < 0)
    {
      fuzz_check_error (&err);
      return 0;
    }
  /* What create derives from a parsed spec without touching the host. */
  free (spec_annotations_json (spec));
  free (hook_state_json ("fuzz", "creating", 1, "/bundle", spec));
  (void)carrel_spec_annotation (spec, "run.carrel.network");
  if (ns_clone_flags (spec, &flags, &err) < 0)
    fuzz_check_error (&err);
  carrel_spec_free (spec);
  return 0;
}
