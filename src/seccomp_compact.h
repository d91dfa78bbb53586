/* A shorter seccomp program with the same verdicts (seccomp_compact.c tells how and why). */
#ifndef CARREL_SECCOMP_COMPACT_H
#define CARREL_SECCOMP_COMPACT_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

/* true and *out (malloc'd, *out_n instructions) when a shorter equivalent program was made and
 * checked; false, and nothing allocated, when the program stays as it is. */
bool seccomp_compact (const struct sock_filter *in, size_t n, struct sock_filter **out, size_t *out_n);
/* The checked rewrite, shorter or not (for the tests). */
bool seccomp_compact_rewrite (const struct sock_filter *in, size_t n, struct sock_filter **out,
                              size_t *out_n);

#endif
