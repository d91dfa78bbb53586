/* Unit tests of the vocabulary tables (src/tables.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "carrel/tables.h"

static void
signal_names_parse_with_or_without_sig_prefix_in_any_case (void **state)
{
  static const struct
  {
    const char *text;
    int sig;
  } cases[] = {
    { "KILL", SIGKILL },     { "SIGKILL", SIGKILL }, { "kill", SIGKILL },    { "sigterm", SIGTERM },
    { "SigHup", SIGHUP },    { "USR1", SIGUSR1 },    { "SIGUSR2", SIGUSR2 }, { "WINCH", SIGWINCH },
    { "STKFLT", SIGSTKFLT }, { "PWR", SIGPWR },      { "SYS", SIGSYS },      { "CHLD", SIGCHLD },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      if (carrel_signal_parse (cases[i].text) != cases[i].sig)
        fail_msg ("%s: got %d, expected %d", cases[i].text, carrel_signal_parse (cases[i].text),
                  cases[i].sig);
    }
}

static void
every_table_signal_round_trips (void **state)
{
  assert_int_equal (carrel_n_signals, 31);
  for (size_t i = 0; i < carrel_n_signals; i++)
    {
      char with_prefix[32];
      assert_null (strstr (carrel_signals[i].name, "SIG"));
      snprintf (with_prefix, sizeof with_prefix, "SIG%s", carrel_signals[i].name);
      assert_int_equal (carrel_signal_parse (carrel_signals[i].name), carrel_signals[i].value);
      assert_int_equal (carrel_signal_parse (with_prefix), carrel_signals[i].value);
    }
}

static void
signal_numbers_are_accepted_from_1_to_64 (void **state)
{
  assert_int_equal (carrel_signal_parse ("1"), 1);
  assert_int_equal (carrel_signal_parse ("9"), 9);
  assert_int_equal (carrel_signal_parse ("15"), 15);
  assert_int_equal (carrel_signal_parse ("64"), 64);
  assert_int_equal (carrel_signal_parse ("0"), -1);
  assert_int_equal (carrel_signal_parse ("65"), -1);
  assert_int_equal (carrel_signal_parse ("99999999999999999999"), -1);
  assert_int_equal (carrel_signal_parse ("-9"), -1);
  assert_int_equal (carrel_signal_parse ("9x"), -1);
  assert_int_equal (carrel_signal_parse (" 9"), -1);
}

static void
realtime_signals_parse_relative_to_rtmin_and_rtmax (void **state)
{
  assert_int_equal (carrel_signal_parse ("RTMIN"), SIGRTMIN);
  assert_int_equal (carrel_signal_parse ("SIGRTMIN"), SIGRTMIN);
  assert_int_equal (carrel_signal_parse ("RTMIN+3"), SIGRTMIN + 3);
  assert_int_equal (carrel_signal_parse ("sigrtmin+1"), SIGRTMIN + 1);
  assert_int_equal (carrel_signal_parse ("RTMAX"), SIGRTMAX);
  assert_int_equal (carrel_signal_parse ("SIGRTMAX-1"), SIGRTMAX - 1);
  assert_int_equal (carrel_signal_parse ("RTMIN+0"), SIGRTMIN);
  char buf[32];
  snprintf (buf, sizeof buf, "RTMIN+%d", SIGRTMAX - SIGRTMIN);
  assert_int_equal (carrel_signal_parse (buf), SIGRTMAX);
  snprintf (buf, sizeof buf, "RTMIN+%d", SIGRTMAX - SIGRTMIN + 1);
  assert_int_equal (carrel_signal_parse (buf), -1);
  snprintf (buf, sizeof buf, "RTMAX-%d", SIGRTMAX - SIGRTMIN + 1);
  assert_int_equal (carrel_signal_parse (buf), -1);
  assert_int_equal (carrel_signal_parse ("RTMIN-1"), -1);
  assert_int_equal (carrel_signal_parse ("RTMAX+1"), -1);
  assert_int_equal (carrel_signal_parse ("RTMIN+"), -1);
  assert_int_equal (carrel_signal_parse ("RTMINX"), -1);
}

static void
unknown_signals_are_rejected (void **state)
{
  assert_int_equal (carrel_signal_parse (NULL), -1);
  assert_int_equal (carrel_signal_parse (""), -1);
  assert_int_equal (carrel_signal_parse ("SIG"), -1);
  assert_int_equal (carrel_signal_parse ("FOO"), -1);
  assert_int_equal (carrel_signal_parse ("SIGSIGKILL"), -1);
  assert_int_equal (carrel_signal_parse ("KILLX"), -1);
}

static void
capabilities_are_indexed_by_number_both_ways (void **state)
{
  assert_int_equal (carrel_n_caps, 41);
  for (size_t i = 0; i < carrel_n_caps; i++)
    {
      assert_int_equal (carrel_caps[i].value, (int)i);
      assert_int_equal (carrel_cap_by_name (carrel_caps[i].name), (int)i);
      assert_string_equal (carrel_cap_name ((int)i), carrel_caps[i].name);
    }
  assert_int_equal (carrel_cap_by_name ("CAP_CHOWN"), 0);
  assert_int_equal (carrel_cap_by_name ("CAP_SYS_ADMIN"), 21);
  assert_int_equal (carrel_cap_by_name ("CAP_AUDIT_READ"), 37);
  assert_int_equal (carrel_cap_by_name ("CAP_CHECKPOINT_RESTORE"), 40);
  assert_string_equal (carrel_cap_name (39), "CAP_BPF");
}

static void
unknown_capabilities_are_rejected (void **state)
{
  assert_int_equal (carrel_cap_by_name ("CAP_FOO"), -1);
  assert_int_equal (carrel_cap_by_name ("cap_chown"), -1);
  assert_int_equal (carrel_cap_by_name ("CHOWN"), -1);
  assert_null (carrel_cap_name (41));
  assert_null (carrel_cap_name (-1));
}

static void
mount_options_are_sorted_for_lookup (void **state)
{
  for (size_t i = 1; i < carrel_n_mount_opts; i++)
    if (strcmp (carrel_mount_opts[i - 1].name, carrel_mount_opts[i].name) >= 0)
      fail_msg ("mount option table out of order at %s, %s", carrel_mount_opts[i - 1].name,
                carrel_mount_opts[i].name);
  for (size_t i = 0; i < carrel_n_mount_opts; i++)
    assert_ptr_equal (carrel_mount_opt_by_name (carrel_mount_opts[i].name), &carrel_mount_opts[i]);
}

static void
every_runc_and_crun_mount_option_is_known (void **state)
{
  static const char *const names[]
      = { "ro",         "rw",          "suid",         "nosuid",        "dev",       "nodev",
          "exec",       "noexec",      "sync",         "async",         "dirsync",   "remount",
          "mand",       "nomand",      "atime",        "noatime",       "diratime",  "nodiratime",
          "relatime",   "norelatime",  "strictatime",  "nostrictatime", "lazytime",  "nolazytime",
          "silent",     "loud",        "nosymfollow",  "symfollow",     "bind",      "rbind",
          "private",    "rprivate",    "shared",       "rshared",       "slave",     "rslave",
          "unbindable", "runbindable", "rro",          "rrw",           "rnosuid",   "rsuid",
          "rnodev",     "rdev",        "rnoexec",      "rexec",         "rnoatime",  "ratime",
          "rrelatime",  "rnorelatime", "rstrictatime", "rnodiratime",   "rdiratime", "rnosymfollow",
          "rsymfollow", "idmap",       "ridmap",       "tmpcopyup" };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (carrel_mount_opt_by_name (names[i]) == NULL)
      fail_msg ("mount option %s is missing", names[i]);
}

static void
mount_options_set_or_clear_the_right_flag (void **state)
{
  const struct carrel_mount_opt *o;
  o = carrel_mount_opt_by_name ("ro");
  assert_int_equal (o->kind, CARREL_MOPT_FLAG);
  assert_int_equal (o->value, MS_RDONLY);
  o = carrel_mount_opt_by_name ("rw");
  assert_int_equal (o->kind, CARREL_MOPT_CLEAR);
  assert_int_equal (o->value, MS_RDONLY);
  o = carrel_mount_opt_by_name ("atime");
  assert_int_equal (o->kind, CARREL_MOPT_CLEAR);
  assert_int_equal (o->value, MS_NOATIME);
  o = carrel_mount_opt_by_name ("nosuid");
  assert_int_equal (o->kind, CARREL_MOPT_FLAG);
  assert_int_equal (o->value, MS_NOSUID);
  o = carrel_mount_opt_by_name ("private");
  assert_int_equal (o->kind, CARREL_MOPT_PROPAGATION);
  assert_int_equal (o->value, MS_PRIVATE);
  assert_false (o->recursive);
  o = carrel_mount_opt_by_name ("rshared");
  assert_int_equal (o->kind, CARREL_MOPT_PROPAGATION);
  assert_int_equal (o->value, MS_SHARED | MS_REC);
  assert_true (o->recursive);
  o = carrel_mount_opt_by_name ("bind");
  assert_int_equal (o->kind, CARREL_MOPT_BIND);
  assert_int_equal (o->value, MS_BIND);
  o = carrel_mount_opt_by_name ("rbind");
  assert_int_equal (o->kind, CARREL_MOPT_BIND);
  assert_int_equal (o->value, MS_BIND | MS_REC);
  o = carrel_mount_opt_by_name ("rro");
  assert_int_equal (o->kind, CARREL_MOPT_ATTR);
  assert_int_equal (o->value, MOUNT_ATTR_RDONLY);
  assert_true (o->recursive);
  o = carrel_mount_opt_by_name ("rrw");
  assert_int_equal (o->kind, CARREL_MOPT_ATTR_CLEAR);
  assert_int_equal (o->value, MOUNT_ATTR_RDONLY);
  o = carrel_mount_opt_by_name ("rnosymfollow");
  assert_int_equal (o->value, MOUNT_ATTR_NOSYMFOLLOW);
  o = carrel_mount_opt_by_name ("idmap");
  assert_int_equal (o->kind, CARREL_MOPT_IDMAP);
  assert_false (o->recursive);
  o = carrel_mount_opt_by_name ("ridmap");
  assert_int_equal (o->kind, CARREL_MOPT_IDMAP);
  assert_true (o->recursive);
  o = carrel_mount_opt_by_name ("tmpcopyup");
  assert_int_equal (o->kind, CARREL_MOPT_CARREL);
  assert_int_equal (o->value, CARREL_MOPT_TMPCOPYUP);
}

static void
filesystem_data_options_are_not_flags (void **state)
{
  assert_null (carrel_mount_opt_by_name ("size=64k"));
  assert_null (carrel_mount_opt_by_name ("mode=755"));
  assert_null (carrel_mount_opt_by_name ("RO"));
  assert_null (carrel_mount_opt_by_name (""));
  assert_null (carrel_mount_opt_by_name ("zzz"));
  assert_null (carrel_mount_opt_by_name ("a"));
}

static void
namespaces_have_clone_flags_and_proc_names (void **state)
{
  static const struct
  {
    const char *name;
    int flag;
    const char *proc;
  } cases[] = {
    { "pid", CLONE_NEWPID, "pid" },          { "network", CLONE_NEWNET, "net" },
    { "mount", CLONE_NEWNS, "mnt" },         { "ipc", CLONE_NEWIPC, "ipc" },
    { "uts", CLONE_NEWUTS, "uts" },          { "user", CLONE_NEWUSER, "user" },
    { "cgroup", CLONE_NEWCGROUP, "cgroup" }, { "time", 0x00000080, "time" },
  };
  assert_int_equal (carrel_n_ns_kinds, 8);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      const struct carrel_ns_kind *k = carrel_ns_kind_by_name (cases[i].name);
      assert_non_null (k);
      assert_int_equal (k->clone_flag, cases[i].flag);
      assert_string_equal (k->proc_name, cases[i].proc);
    }
  assert_null (carrel_ns_kind_by_name ("net"));
  assert_null (carrel_ns_kind_by_name ("pdi"));
  assert_null (carrel_ns_kind_by_name (""));
}

static void
rlimits_map_to_resource_numbers (void **state)
{
  assert_int_equal (carrel_n_rlimits, 16);
  assert_int_equal (carrel_rlimit_by_name ("RLIMIT_NOFILE"), RLIMIT_NOFILE);
  assert_int_equal (carrel_rlimit_by_name ("RLIMIT_CORE"), RLIMIT_CORE);
  assert_int_equal (carrel_rlimit_by_name ("RLIMIT_RTTIME"), RLIMIT_RTTIME);
  assert_int_equal (carrel_rlimit_by_name ("RLIMIT_CPU"), RLIMIT_CPU);
  assert_int_equal (carrel_rlimit_by_name ("RLIMIT_FOO"), -1);
  assert_int_equal (carrel_rlimit_by_name ("NOFILE"), -1);
  for (size_t i = 0; i < carrel_n_rlimits; i++)
    assert_int_equal (carrel_rlimit_by_name (carrel_rlimits[i].name), carrel_rlimits[i].value);
}

static void
seccomp_tables_use_documented_values (void **state)
{
  static const char *const actions[] = { "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                                         "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
                                         "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY" };
  assert_int_equal (carrel_n_seccomp_actions, 9);
  for (size_t i = 0; i < 9; i++)
    assert_int_equal (carrel_name_lookup (carrel_seccomp_actions, carrel_n_seccomp_actions, actions[i]),
                      (int)i);

  assert_int_equal (carrel_n_seccomp_ops, 7);
  assert_int_equal (carrel_name_lookup (carrel_seccomp_ops, carrel_n_seccomp_ops, "SCMP_CMP_NE"),
                    SCMP_CMP_NE);
  assert_int_equal (carrel_name_lookup (carrel_seccomp_ops, carrel_n_seccomp_ops, "SCMP_CMP_MASKED_EQ"),
                    SCMP_CMP_MASKED_EQ);

  bool found = false;
  for (size_t i = 0; i < carrel_n_seccomp_archs; i++)
    if (strcmp (carrel_seccomp_archs[i].name, "SCMP_ARCH_X86_64") == 0)
      {
        assert_int_equal (carrel_seccomp_archs[i].token, SCMP_ARCH_X86_64);
        found = true;
      }
  assert_true (found);
  assert_true (carrel_n_seccomp_archs >= 19);

  assert_int_equal (
      carrel_name_lookup (carrel_seccomp_flags, carrel_n_seccomp_flags, "SECCOMP_FILTER_FLAG_TSYNC"), 1);
  assert_int_equal (
      carrel_name_lookup (carrel_seccomp_flags, carrel_n_seccomp_flags, "SECCOMP_FILTER_FLAG_LOG"), 2);
  assert_int_equal (
      carrel_name_lookup (carrel_seccomp_flags, carrel_n_seccomp_flags, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"), 4);
  assert_int_equal (carrel_name_lookup (carrel_seccomp_flags, carrel_n_seccomp_flags,
                                        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
                    32);
  assert_int_equal (
      carrel_name_lookup (carrel_seccomp_flags, carrel_n_seccomp_flags, "SECCOMP_FILTER_FLAG_X"), -1);
}

static void
hooks_are_named_in_run_order (void **state)
{
  static const char *const names[]
      = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop" };
  for (int k = 0; k < CARREL_N_HOOK_KINDS; k++)
    assert_string_equal (carrel_hook_names[k], names[k]);
}

static void
known_fstypes_are_null_terminated (void **state)
{
  bool proc = false, cgroup2 = false;
  size_t n = 0;
  for (; carrel_known_fstypes[n]; n++)
    {
      proc |= strcmp (carrel_known_fstypes[n], "proc") == 0;
      cgroup2 |= strcmp (carrel_known_fstypes[n], "cgroup2") == 0;
    }
  assert_true (n >= 9);
  assert_true (proc);
  assert_true (cgroup2);
}

static void
scheduler_ioprio_and_personality_tables_use_kernel_values (void **state)
{
  assert_int_equal (carrel_name_lookup (carrel_sched_policies, carrel_n_sched_policies, "SCHED_OTHER"),
                    SCHED_OTHER);
  assert_int_equal (carrel_name_lookup (carrel_sched_policies, carrel_n_sched_policies, "SCHED_DEADLINE"), 6);
  assert_int_equal (
      carrel_name_lookup (carrel_sched_flags, carrel_n_sched_flags, "SCHED_FLAG_UTIL_CLAMP_MAX"), 0x40);
  assert_int_equal (carrel_name_lookup (carrel_ioprio_classes, carrel_n_ioprio_classes, "IOPRIO_CLASS_IDLE"),
                    3);
  assert_int_equal (carrel_name_lookup (carrel_personality_domains, carrel_n_personality_domains, "LINUX32"),
                    8);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (signal_names_parse_with_or_without_sig_prefix_in_any_case),
    cmocka_unit_test (every_table_signal_round_trips),
    cmocka_unit_test (signal_numbers_are_accepted_from_1_to_64),
    cmocka_unit_test (realtime_signals_parse_relative_to_rtmin_and_rtmax),
    cmocka_unit_test (unknown_signals_are_rejected),
    cmocka_unit_test (capabilities_are_indexed_by_number_both_ways),
    cmocka_unit_test (unknown_capabilities_are_rejected),
    cmocka_unit_test (mount_options_are_sorted_for_lookup),
    cmocka_unit_test (every_runc_and_crun_mount_option_is_known),
    cmocka_unit_test (mount_options_set_or_clear_the_right_flag),
    cmocka_unit_test (filesystem_data_options_are_not_flags),
    cmocka_unit_test (namespaces_have_clone_flags_and_proc_names),
    cmocka_unit_test (rlimits_map_to_resource_numbers),
    cmocka_unit_test (seccomp_tables_use_documented_values),
    cmocka_unit_test (hooks_are_named_in_run_order),
    cmocka_unit_test (known_fstypes_are_null_terminated),
    cmocka_unit_test (scheduler_ioprio_and_personality_tables_use_kernel_values),
  };
  return cmocka_run_group_tests_name ("test_tables", tests, NULL, NULL);
}
