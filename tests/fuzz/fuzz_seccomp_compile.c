/* libFuzzer harness: a linux.seccomp object parsed, then compiled to BPF the way `create` and
 * `exec` do it (seccomp_prepare), without a cache directory and without loading the filter, so the
 * compiler sees every profile the parser accepts. libseccomp (linked in from its archive) is not
 * instrumented for coverage, but its allocations go through ASan.
 *
 * libseccomp 2.5.4 (Debian 12) leaks rule-tree nodes inside seccomp_rule_add_array for some rule
 * sets (docs/reliability.md, finding 2), so leaks of memory libseccomp allocated are suppressed
 * below; carrel's own allocations stay checked by LeakSanitizer. What carrel owns in libseccomp is
 * the context: linked with -Wl,--wrap=seccomp_init,--wrap=seccomp_release the harness counts
 * contexts and fails when one is not released; without those options the count is off (said once
 * on stderr). */
#include <linux/filter.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_seccomp.h"
#include "runtime.h"
#include "seccomp_filter.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
const char *__lsan_default_suppressions (void);

/* Every allocation of libseccomp goes through its zmalloc; its code has no frame pointers, so
 * ASan's fast unwinder stops there and zmalloc is the one frame a suppression can match. */
const char *
__lsan_default_suppressions (void)
{
  return "leak:zmalloc\n";
}

/* Resolved by -Wl,--wrap; weak, so the harness links without it too. */
scmp_filter_ctx __real_seccomp_init (uint32_t def_action) __attribute__ ((weak));
void __real_seccomp_release (scmp_filter_ctx ctx) __attribute__ ((weak));
scmp_filter_ctx __wrap_seccomp_init (uint32_t def_action);
void __wrap_seccomp_release (scmp_filter_ctx ctx);

static long live_contexts;
static bool contexts_counted;

scmp_filter_ctx
__wrap_seccomp_init (uint32_t def_action)
{
  scmp_filter_ctx ctx = __real_seccomp_init (def_action);
  contexts_counted = true;
  if (ctx != NULL)
    live_contexts++;
  return ctx;
}

void
__wrap_seccomp_release (scmp_filter_ctx ctx)
{
  if (ctx != NULL)
    live_contexts--;
  __real_seccomp_release (ctx);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct carrel_error err = { 0 };
  struct seccomp_program prog;
  struct carrel_seccomp sc;
  json_t *doc;
  if (fuzz_parse_seccomp (data, size, &sc, &doc) == 0)
    {
      memset (&err, 0, sizeof err);
      if (seccomp_prepare (&sc, NULL, 0, -1, &prog, &err) < 0)
        {
          fuzz_check_error (&err);
          /* A failed compile hands back nothing to free. */
          if (prog.filter != NULL || prog.len != 0)
            abort ();
        }
      else
        {
          /* What load_program hands to seccomp(2): whole BPF instructions. */
          if (prog.filter == NULL || prog.len == 0 || prog.len % sizeof (struct sock_filter) != 0)
            abort ();
          seccomp_program_free (&prog);
          if (!contexts_counted)
            {
              static bool said;
              if (!said)
                fprintf (stderr, "fuzz_seccomp_compile: not linked with -Wl,--wrap=seccomp_init,"
                                 "--wrap=seccomp_release: libseccomp contexts are not counted\n");
              said = true;
            }
        }
    }
  /* Every context seccomp_build opened was released, on success and on failure. */
  if (live_contexts != 0)
    abort ();
  seccomp_clear (&sc);
  json_decref (doc);
  return 0;
}
