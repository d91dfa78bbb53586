/* carrel: the one error convention.
 *
 * Every fallible function returns int (< 0 on failure) and fills a struct carrel_error with the errno
 * (0 when there is none) and a message naming what failed. Callers add context with carrel_wrap(). */
#ifndef CARREL_ERROR_H
#define CARREL_ERROR_H

#include <stddef.h>

#define CARREL_ERROR_MSG_MAX 1024

struct carrel_error
{
  int errno_value;
  char msg[CARREL_ERROR_MSG_MAX];
};

/* Fill err (errno_value may be 0) and return -1. */
int carrel_fail (struct carrel_error *err, int errno_value, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Prepend "context: " to err->msg and return -1. */
int carrel_wrap (struct carrel_error *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* "msg: strerror(errno)" or just "msg" into buf. */
const char *carrel_error_string (const struct carrel_error *err, char *buf, size_t len);

/* Forget a failure (e.g. after a best-effort cleanup step). */
void carrel_error_clear (struct carrel_error *err);

/* Warnings go through one sink so the CLI can route them to --log. */
typedef void (*carrel_warn_fn) (const char *msg);
void carrel_set_warn_handler (carrel_warn_fn fn);
void carrel_warn (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void carrel_debug (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
extern int carrel_debug_enabled;

#endif
