/* Test-only fault injection. Built with -DCARREL_FAULT_INJECTION (`make fault-build`, build-fault/),
 * fault_point() fails or kills the process at a named step of create/start/exec/delete, so tests can
 * check that every failure and crash leaves nothing behind. In a normal build it is a no-op the
 * compiler removes.
 *   CARREL_FAULT=NAME      fault_point(NAME) fails: "injected fault at NAME"
 *   CARREL_FAULT=die:NAME  fault_point(NAME) kills its process with SIGKILL
 *   CARREL_FAULT_LOG=FILE  an existing file: every point reached appends its name (tests check that
 *                          the point they inject at is reached at all) */
#ifndef CARREL_FAULT_H
#define CARREL_FAULT_H

#include "carrel/error.h"

#ifdef CARREL_FAULT_INJECTION
int fault_point (const char *name, struct carrel_error *err);
#else
static inline int
fault_point (const char *name, struct carrel_error *err)
{
  (void)name;
  (void)err;
  return 0;
}
#endif

#endif
