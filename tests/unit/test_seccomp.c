/* Unit tests of the seccomp compiler (src/seccomp.c): each filter is built from config.json text,
 * loaded in a forked child (with no_new_privs) and judged by what syscalls return there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "carrel/defaults.h"
#include "carrel/spec.h"
#include "runtime.h"
#include "seccomp_filter.h"
#include "util.h"

/* JSON written with ' for " so that the cases stay readable. */
static struct carrel_spec *
parse_seccomp (const char *seccomp)
{
  char *text = NULL;
  struct carrel_spec *spec = NULL;
  struct carrel_error err = { 0 };
  if (asprintf (&text, "{'ociVersion':'1.0.0','root':{'path':'rootfs'},'linux':{'seccomp':%s}}", seccomp) < 0)
    abort ();
  for (char *p = text; *p; p++)
    if (*p == '\'')
      *p = '"';
  if (carrel_spec_parse (text, strlen (text), "config.json", &spec, &err) < 0)
    fail_msg ("parse: %s", err.msg);
  free (text);
  return spec;
}

/* Checks run in the child after the load: each returns 0 when the filter behaves. */
typedef int (*child_check) (void);

/* Fork, load the filter of spec, run check; returns the child's wait status. The filter is
 * libseccomp's own (seccomp_load) or, when prepared, the program a container start loads: compiled
 * ahead and rewritten shorter (seccomp_compact.c). */
static int
run_filtered_as (const struct carrel_spec *spec, child_check check, bool prepared)
{
  pid_t pid = fork ();
  int status;
  if (pid < 0)
    fail_msg ("fork: %s", strerror (errno));
  if (pid == 0)
    {
      struct carrel_error err = { 0 };
      struct seccomp_program prog;
      if (prepared && seccomp_prepare (&spec->linux_.seccomp, NULL, 0, -1, &prog, &err) < 0)
        {
          fprintf (stderr, "prepare: %s\n", err.msg);
          _exit (92);
        }
      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        _exit (90);
      if (prepared)
        {
          struct sock_fprog fprog = { .len = prog.len / sizeof (struct sock_filter), .filter = prog.filter };
          if (syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog.flags, &fprog) < 0)
            _exit (91);
        }
      else if (seccomp_load_filter (&spec->linux_.seccomp, -1, &err) < 0)
        {
          fprintf (stderr, "load: %s\n", err.msg);
          _exit (91);
        }
      _exit (check ());
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      fail_msg ("waitpid: %s", strerror (errno));
  return status;
}

/* Both ways must end the child the same way. */
static int
run_filtered (const struct carrel_spec *spec, child_check check)
{
  int status = run_filtered_as (spec, check, false);
  int prepared = run_filtered_as (spec, check, true);
  if (prepared != status)
    fail_msg ("libseccomp's filter: wait status %#x; the prepared program: %#x", status, prepared);
  return status;
}

static void
assert_child_ok (const struct carrel_spec *spec, child_check check)
{
  int status = run_filtered (spec, check);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    fail_msg ("child: %s %d", WIFEXITED (status) ? "exit" : "signal",
              WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status));
}

/* syscall() result as -errno, or the value. */
static long
sc (long nr, long a, long b)
{
  long r = syscall (nr, a, b);
  return r < 0 ? -errno : r;
}

static int
check_errno_ret (void)
{
  if (sc (SYS_getppid, 0, 0) != -EDOM)
    return 1;
  if (sc (SYS_getpid, 0, 0) <= 0)
    return 2;
  return 0;
}

static void
rule_errno_ret_is_returned (void **state)
{
  struct carrel_spec *spec
      = parse_seccomp ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getppid'],"
                       "'action':'SCMP_ACT_ERRNO','errnoRet':33}]}");
  assert_child_ok (spec, check_errno_ret);
  carrel_spec_free (spec);
}

static int
check_default_errno (void)
{
  /* Not in the allowlist: the default action with its errno. */
  if (sc (SYS_getppid, 0, 0) != -ENOTTY)
    return 1;
  if (sc (SYS_getpid, 0, 0) <= 0)
    return 2;
  return 0;
}

static void
default_action_and_default_errno_ret (void **state)
{
  /* Everything a child needs to get here and exit is allowed; getppid is not. */
  struct carrel_spec *spec;
#ifdef __SANITIZE_ADDRESS__
  /* ASan's runtime makes syscalls (sigaltstack) this deny-by-default filter refuses. */
  skip ();
#endif
  spec = parse_seccomp ("{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':25,'"
                        "syscalls':[{'names':['getpid','exit_group','exit',"
                        "'write','no_such_syscall_at_all'],'action':'SCMP_ACT_ALLOW'}]}");
  assert_child_ok (spec, check_default_errno);
  carrel_spec_free (spec);
}

static int
check_same_index_is_or (void)
{
  if (sc (SYS_getpgid, 12345, 0) != -EDOM || sc (SYS_getpgid, 23456, 0) != -EDOM)
    return 1;
  /* Neither value: the syscall runs (0 is ourselves). */
  if (sc (SYS_getpgid, 0, 0) < 0)
    return 2;
  return 0;
}

static void
conditions_on_the_same_argument_match_either (void **state)
{
  struct carrel_spec *spec = parse_seccomp (
      "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getpgid'],'action':'SCMP_ACT_ERRNO',"
      "'errnoRet':33,'args':[{'index':0,'value':12345,'op':'SCMP_CMP_EQ'},{'index':0,'value':23456,'op':"
      "'SCMP_CMP_EQ'}]}]}");
  assert_child_ok (spec, check_same_index_is_or);
  carrel_spec_free (spec);
}

static int
check_distinct_indexes_are_and (void)
{
  if (sc (SYS_getpriority, PRIO_PROCESS, 4242) != -EDOM)
    return 1;
  /* Only one of the two conditions holds: no match, the kernel answers. */
  if (sc (SYS_getpriority, PRIO_PROCESS, 0) == -EDOM || sc (SYS_getpriority, PRIO_PGRP, 4242) == -EDOM)
    return 2;
  return 0;
}

static void
conditions_on_distinct_arguments_must_all_match (void **state)
{
  struct carrel_spec *spec = parse_seccomp (
      "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getpriority'],'action':'SCMP_ACT_ERRNO',"
      "'errnoRet':33,'args':[{'index':0,'value':0,'op':'SCMP_CMP_EQ'},{'index':1,'value':4242,'op':'SCMP_CMP_"
      "EQ'}]}]}");
  assert_child_ok (spec, check_distinct_indexes_are_and);
  carrel_spec_free (spec);
}

static int
check_masked_eq (void)
{
  /* value is the mask, valueTwo what the masked argument must equal. */
  if (sc (SYS_getpgid, 0x1f0, 0) != -EDOM || sc (SYS_getpgid, 0x10f, 0) != -EDOM)
    return 1;
  if (sc (SYS_getpgid, 0, 0) < 0)
    return 2;
  return 0;
}

static void
masked_eq_compares_value_two_under_the_mask (void **state)
{
  struct carrel_spec *spec = parse_seccomp (
      "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getpgid'],'action':'SCMP_ACT_ERRNO',"
      "'errnoRet':33,'args':[{'index':0,'value':256,'valueTwo':256,'op':'SCMP_CMP_MASKED_EQ'}]}]}");
  assert_child_ok (spec, check_masked_eq);
  carrel_spec_free (spec);
}

static int
check_killed (void)
{
  syscall (SYS_getppid);
  return 0; /* reached only when the filter did not kill */
}

static void
kill_action_kills_with_sigsys (void **state)
{
  struct carrel_spec *spec = parse_seccomp (
      "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getppid'],'action':'SCMP_ACT_KILL'}]}");
  int status = run_filtered (spec, check_killed);
  assert_true (WIFSIGNALED (status));
  assert_int_equal (WTERMSIG (status), SIGSYS);
  carrel_spec_free (spec);
  spec = parse_seccomp ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getppid'],'action':'SCMP_"
                        "ACT_KILL_PROCESS'}]}");
  status = run_filtered (spec, check_killed);
  assert_true (WIFSIGNALED (status));
  assert_int_equal (WTERMSIG (status), SIGSYS);
  carrel_spec_free (spec);
}

static void
notify_without_listener_path_is_an_error (void **state)
{
  struct carrel_spec *spec = parse_seccomp (
      "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdir'],'action':'SCMP_ACT_NOTIFY'}]}");
  scmp_filter_ctx ctx = NULL;
  struct carrel_error err = { 0 };
  assert_int_equal (seccomp_build (&spec->linux_.seccomp, &ctx, &err), -1);
  assert_non_null (strstr (err.msg, "linux.seccomp.listenerPath"));
  carrel_spec_free (spec);
}

static void
load_order_follows_no_new_privileges_and_caps (void **state)
{
  struct carrel_process p = { 0 };
  int admin = 21; /* CAP_SYS_ADMIN */
  p.user.uid = 1000;
  assert_true (seccomp_load_before_identity (&p));
  p.no_new_privileges = true;
  assert_false (seccomp_load_before_identity (&p));
  p.no_new_privileges = false;
  p.user.uid = 0;
  assert_false (seccomp_load_before_identity (&p)); /* root keeps CAP_SYS_ADMIN */
  p.has_capabilities = true;
  assert_true (seccomp_load_before_identity (&p)); /* no effective caps listed */
  p.capabilities.effective = &admin;
  p.capabilities.n_effective = 1;
  assert_false (seccomp_load_before_identity (&p));
}

static int
check_default_profile (void)
{
  char dir[] = "/tmp/carrel-seccomp-XXXXXX";
  if (sc (SYS_getpid, 0, 0) <= 0)
    return 1;
  if (mount ("none", "/", NULL, MS_REMOUNT, NULL) == 0 || errno != EPERM)
    return 2;
  if (unshare (CLONE_NEWNS) == 0 || errno != EPERM)
    return 3;
  if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) >= 0 || errno != EPERM)
    return 4;
  if (syscall (SYS_clone3, NULL, 0) >= 0 || errno != ENOSYS)
    return 5;
  if (syscall (SYS_init_module, NULL, 0, "") >= 0 || errno != EPERM)
    return 6;
  if (syscall (SYS_bpf, 0, NULL, 0) >= 0 || errno != EPERM)
    return 7;
  /* clone with a CLONE_NEW* flag: the masked argument does not match, so denied. */
  if (syscall (SYS_clone, CLONE_NEWUTS | SIGCHLD, NULL, NULL, NULL, 0) >= 0 || errno != EPERM)
    return 8;
  /* Plain fork still works. */
  pid_t pid = fork ();
  if (pid == 0)
    _exit (0);
  if (pid < 0 || waitpid (pid, NULL, 0) != pid)
    return 9;
  if (mkdtemp (dir) == NULL || rmdir (dir) < 0)
    return 10;
  return 0;
}

static void
default_profile_builds_and_blocks_the_dangerous_syscalls (void **state)
{
  char *text = carrel_default_config (false, 0, 0);
  struct carrel_spec *spec = NULL;
  struct carrel_error err = { 0 };
  if (carrel_spec_parse (text, strlen (text), "config.json", &spec, &err) < 0)
    fail_msg ("carrel spec output does not parse: %s", err.msg);
  assert_true (spec->linux_.has_seccomp);
  assert_child_ok (spec, check_default_profile);
  carrel_spec_free (spec);
  free (text);
}

/* A temporary root for the filter cache. */
static char *
cache_root (void)
{
  char tmpl[] = "/tmp/carrel-seccomp-cache.XXXXXX";
  if (mkdtemp (tmpl) == NULL)
    abort ();
  return strdup (tmpl);
}

static void
remove_root (char *root)
{
  char cmd[256];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", root);
  if (system (cmd) != 0)
    fail_msg ("could not remove %s", root);
  free (root);
}

/* The cache gives back the filter compiled for a profile text, only for that very text: an entry
 * named by a colliding hash but holding another text is not used, nor a truncated one. */
static void
cache_returns_a_filter_only_for_its_own_text (void **state)
{
  (void)state;
  const char *text = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"], "
                     "\"action\": \"SCMP_ACT_ERRNO\"}]}";
  struct carrel_spec *spec
      = parse_seccomp ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdir'],"
                       "'action':'SCMP_ACT_ERRNO'}]}");
  struct carrel_error err = { 0 };
  struct seccomp_program compiled, cached;
  char *root = cache_root ();
  char name[SECCOMP_CACHE_NAME_MAX], path[512];
  int fd = seccomp_cache_open (root);
  assert_true (fd >= 0);
  assert_int_equal (0, seccomp_prepare (&spec->linux_.seccomp, text, strlen (text), fd, &compiled, &err));
  seccomp_cache_name (text, strlen (text), name);

  assert_int_equal (0, seccomp_cache_load (fd, name, text, strlen (text), &cached));
  assert_int_equal (compiled.len, cached.len);
  assert_int_equal (compiled.flags, cached.flags);
  assert_memory_equal (compiled.filter, cached.filter, compiled.len);
  seccomp_program_free (&cached);

  /* Same name, another text (as a hash collision would have it). */
  char other[512];
  snprintf (other, sizeof other, "%s", text);
  other[strlen (other) - 3] = 'X';
  assert_int_equal (-1, seccomp_cache_load (fd, name, other, strlen (other), &cached));
  /* A shorter text that is a prefix of the stored one. */
  assert_int_equal (-1, seccomp_cache_load (fd, name, text, strlen (text) - 1, &cached));
  /* A truncated entry. */
  snprintf (path, sizeof path, "%s/.seccomp-cache/%s", root, name);
  assert_int_equal (0, truncate (path, 40));
  assert_int_equal (-1, seccomp_cache_load (fd, name, text, strlen (text), &cached));
  /* No entry; a name with a slash. */
  assert_int_equal (-1, seccomp_cache_load (fd, "t0000000000000000.bpf", text, strlen (text), &cached));
  assert_int_equal (-1, seccomp_cache_load (fd, "../x", text, strlen (text), &cached));

  seccomp_program_free (&compiled);
  close (fd);
  remove_root (root);
  carrel_spec_free (spec);
}

/* A profile that notifies is compiled but not cached: its users need the parsed profile. */
static void
cache_keeps_no_notifying_profile (void **state)
{
  (void)state;
  const char *text = "notify profile text";
  struct carrel_spec *spec
      = parse_seccomp ("{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/run/agent.sock',"
                       "'syscalls':[{'names':['mkdir'],'action':'SCMP_ACT_NOTIFY'}]}");
  struct carrel_error err = { 0 };
  struct seccomp_program compiled, cached;
  char *root = cache_root ();
  char name[SECCOMP_CACHE_NAME_MAX];
  int fd = seccomp_cache_open (root);
  assert_int_equal (0, seccomp_prepare (&spec->linux_.seccomp, text, strlen (text), fd, &compiled, &err));
  seccomp_cache_name (text, strlen (text), name);
  assert_int_equal (-1, seccomp_cache_load (fd, name, text, strlen (text), &cached));
  seccomp_program_free (&compiled);
  close (fd);
  remove_root (root);
  carrel_spec_free (spec);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (rule_errno_ret_is_returned),
    cmocka_unit_test (cache_returns_a_filter_only_for_its_own_text),
    cmocka_unit_test (cache_keeps_no_notifying_profile),
    cmocka_unit_test (default_action_and_default_errno_ret),
    cmocka_unit_test (conditions_on_the_same_argument_match_either),
    cmocka_unit_test (conditions_on_distinct_arguments_must_all_match),
    cmocka_unit_test (masked_eq_compares_value_two_under_the_mask),
    cmocka_unit_test (kill_action_kills_with_sigsys),
    cmocka_unit_test (notify_without_listener_path_is_an_error),
    cmocka_unit_test (load_order_follows_no_new_privileges_and_caps),
    cmocka_unit_test (default_profile_builds_and_blocks_the_dangerous_syscalls),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
