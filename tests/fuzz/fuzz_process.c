/* libFuzzer harness: process.json of exec (carrel_process_parse). */
#include <stdint.h>

#include "carrel/spec.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct carrel_process *proc = NULL;
  struct carrel_error err = { 0 };
  carrel_set_warn_handler (fuzz_quiet_warn);
  if (carrel_process_parse ((const char *)data, size, "process.json", &proc, &err) < 0)
    {
      fuzz_check_error (&err);
      return 0;
    }
  carrel_process_free (proc);
  return 0;
}
