/* Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c): checks every harness makes on an error. */
#ifndef CARREL_FUZZ_H
#define CARREL_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carrel/error.h"

/* A failure must say what failed: a NUL-terminated, non-empty message within the buffer. */
static inline void
fuzz_check_error (const struct carrel_error *err)
{
  if (memchr (err->msg, '\0', sizeof err->msg) == NULL || err->msg[0] == '\0')
    abort ();
}

/* Warnings are expected on odd input; keep the fuzzer's output readable. */
static inline void
fuzz_quiet_warn (const char *msg)
{
  (void)msg;
}

#endif
