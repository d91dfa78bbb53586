/* linux.seccomp compiled with libseccomp and loaded as the last step before execve. */
#ifndef CARREL_SECCOMP_FILTER_H
#define CARREL_SECCOMP_FILTER_H

#include "carrel/spec.h"
#include "runtime.h"

int seccomp_apply (const struct carrel_seccomp *sc, const struct init_config *cfg, struct carrel_error *err);

#endif
