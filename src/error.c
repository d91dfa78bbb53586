/* The error object every fallible call fills. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "carrel/error.h"

int carrel_debug_enabled;
static carrel_warn_fn warn_handler;

int
carrel_fail (struct carrel_error *err, int errno_value, const char *fmt, ...)
{
  va_list ap;
  if (err == NULL)
    return -1;
  err->errno_value = errno_value;
  va_start (ap, fmt);
  vsnprintf (err->msg, sizeof err->msg, fmt, ap);
  va_end (ap);
  return -1;
}

int
carrel_wrap (struct carrel_error *err, const char *fmt, ...)
{
  char buf[CARREL_ERROR_MSG_MAX];
  size_t n;
  va_list ap;
  if (err == NULL)
    return -1;
  va_start (ap, fmt);
  vsnprintf (buf, sizeof buf, fmt, ap);
  va_end (ap);
  n = strlen (buf);
  if (n + 2 < sizeof buf)
    {
      buf[n++] = ':';
      buf[n++] = ' ';
      size_t m = strnlen (err->msg, sizeof err->msg);
      if (m > sizeof buf - n - 1)
        m = sizeof buf - n - 1;
      memcpy (buf + n, err->msg, m);
      buf[n + m] = '\0';
    }
  memcpy (err->msg, buf, sizeof buf);
  return -1;
}

const char *
carrel_error_string (const struct carrel_error *err, char *buf, size_t len)
{
  if (err->errno_value)
    snprintf (buf, len, "%s: %s", err->msg, strerror (err->errno_value));
  else
    snprintf (buf, len, "%s", err->msg);
  return buf;
}

void
carrel_error_clear (struct carrel_error *err)
{
  err->errno_value = 0;
  err->msg[0] = '\0';
}

void
carrel_set_warn_handler (carrel_warn_fn fn)
{
  warn_handler = fn;
}

static void
emit (const char *level, const char *fmt, va_list ap)
{
  char buf[CARREL_ERROR_MSG_MAX];
  vsnprintf (buf, sizeof buf, fmt, ap);
  if (warn_handler)
    warn_handler (buf);
  else
    fprintf (stderr, "carrel: %s: %s\n", level, buf);
}

void
carrel_warn (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  emit ("warning", fmt, ap);
  va_end (ap);
}

void
carrel_debug (const char *fmt, ...)
{
  va_list ap;
  if (!carrel_debug_enabled)
    return;
  va_start (ap, fmt);
  emit ("debug", fmt, ap);
  va_end (ap);
}
