/* carrel: the vocabularies of config.json, one table each. The parser, the runtime and `features` read
 * these; no other file spells these names. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <linux/capability.h>

#include "carrel/tables.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Table rows spelled once: NV (CAP_CHOWN) is { "CAP_CHOWN", CAP_CHOWN }, SIGNV (KILL) { "KILL", SIGKILL }. */
/* clang-format off */
#define NV(n) { #n, n }
#define SIGNV(n) { #n, SIG##n }
/* clang-format on */

const struct carrel_ns_kind carrel_ns_kinds[] = {
  { "pid", CLONE_NEWPID, "pid" },          { "network", CLONE_NEWNET, "net" },
  { "mount", CLONE_NEWNS, "mnt" },         { "ipc", CLONE_NEWIPC, "ipc" },
  { "uts", CLONE_NEWUTS, "uts" },          { "user", CLONE_NEWUSER, "user" },
  { "cgroup", CLONE_NEWCGROUP, "cgroup" }, { "time", CLONE_NEWTIME, "time" },
};
const size_t carrel_n_ns_kinds = sizeof (carrel_ns_kinds) / sizeof (carrel_ns_kinds[0]);

const struct carrel_ns_kind *
carrel_ns_kind_by_name (const char *name)
{
  for (size_t i = 0; i < carrel_n_ns_kinds; i++)
    if (strcmp (carrel_ns_kinds[i].name, name) == 0)
      return &carrel_ns_kinds[i];
  return NULL;
}

int
carrel_name_lookup (const struct carrel_name_value *table, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (table[i].name, name) == 0)
      return table[i].value;
  return -1;
}

/* Capabilities, indexed by number: carrel_caps[i].value == i. Values from <linux/capability.h>; the
 * newest ones are defined here when the installed headers predate them. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif

const struct carrel_name_value carrel_caps[] = {
  NV (CAP_CHOWN),
  NV (CAP_DAC_OVERRIDE),
  NV (CAP_DAC_READ_SEARCH),
  NV (CAP_FOWNER),
  NV (CAP_FSETID),
  NV (CAP_KILL),
  NV (CAP_SETGID),
  NV (CAP_SETUID),
  NV (CAP_SETPCAP),
  NV (CAP_LINUX_IMMUTABLE),
  NV (CAP_NET_BIND_SERVICE),
  NV (CAP_NET_BROADCAST),
  NV (CAP_NET_ADMIN),
  NV (CAP_NET_RAW),
  NV (CAP_IPC_LOCK),
  NV (CAP_IPC_OWNER),
  NV (CAP_SYS_MODULE),
  NV (CAP_SYS_RAWIO),
  NV (CAP_SYS_CHROOT),
  NV (CAP_SYS_PTRACE),
  NV (CAP_SYS_PACCT),
  NV (CAP_SYS_ADMIN),
  NV (CAP_SYS_BOOT),
  NV (CAP_SYS_NICE),
  NV (CAP_SYS_RESOURCE),
  NV (CAP_SYS_TIME),
  NV (CAP_SYS_TTY_CONFIG),
  NV (CAP_MKNOD),
  NV (CAP_LEASE),
  NV (CAP_AUDIT_WRITE),
  NV (CAP_AUDIT_CONTROL),
  NV (CAP_SETFCAP),
  NV (CAP_MAC_OVERRIDE),
  NV (CAP_MAC_ADMIN),
  NV (CAP_SYSLOG),
  NV (CAP_WAKE_ALARM),
  NV (CAP_BLOCK_SUSPEND),
  NV (CAP_AUDIT_READ),
  NV (CAP_PERFMON),
  NV (CAP_BPF),
  NV (CAP_CHECKPOINT_RESTORE),
};
const size_t carrel_n_caps = sizeof (carrel_caps) / sizeof (carrel_caps[0]);

int
carrel_cap_by_name (const char *name)
{
  return carrel_name_lookup (carrel_caps, carrel_n_caps, name);
}

const char *
carrel_cap_name (int cap)
{
  if (cap < 0 || (size_t)cap >= carrel_n_caps)
    return NULL;
  return carrel_caps[cap].name;
}

/* Signals, without the "SIG" prefix. The real-time ones are parsed as RTMIN+n / RTMAX-n. */
const struct carrel_name_value carrel_signals[] = {
  SIGNV (HUP),  SIGNV (INT),    SIGNV (QUIT), SIGNV (ILL),  SIGNV (TRAP),   SIGNV (ABRT), SIGNV (BUS),
  SIGNV (FPE),  SIGNV (KILL),   SIGNV (USR1), SIGNV (SEGV), SIGNV (USR2),   SIGNV (PIPE), SIGNV (ALRM),
  SIGNV (TERM), SIGNV (STKFLT), SIGNV (CHLD), SIGNV (CONT), SIGNV (STOP),   SIGNV (TSTP), SIGNV (TTIN),
  SIGNV (TTOU), SIGNV (URG),    SIGNV (XCPU), SIGNV (XFSZ), SIGNV (VTALRM), SIGNV (PROF), SIGNV (WINCH),
  SIGNV (IO),   SIGNV (PWR),    SIGNV (SYS),
};
const size_t carrel_n_signals = sizeof (carrel_signals) / sizeof (carrel_signals[0]);

#define CARREL_MAX_SIGNAL 64

/* A decimal number in [0, INT_MAX] spelled with digits only; -1 otherwise. */
static int
parse_small_uint (const char *s)
{
  long v = 0;
  if (*s == '\0')
    return -1;
  for (; *s; s++)
    {
      if (*s < '0' || *s > '9')
        return -1;
      v = v * 10 + (*s - '0');
      if (v > INT_MAX)
        return -1;
    }
  return (int)v;
}

int
carrel_signal_parse (const char *text)
{
  if (text == NULL || *text == '\0')
    return -1;
  if (isdigit ((unsigned char)text[0]))
    {
      int n = parse_small_uint (text);
      return n >= 1 && n <= CARREL_MAX_SIGNAL ? n : -1;
    }

  const char *name = text;
  if (strncasecmp (name, "SIG", 3) == 0)
    name += 3;
  for (size_t i = 0; i < carrel_n_signals; i++)
    if (strcasecmp (carrel_signals[i].name, name) == 0)
      return carrel_signals[i].value;

  int rtmin = SIGRTMIN, rtmax = SIGRTMAX;
  if (strncasecmp (name, "RTMIN", 5) == 0 || strncasecmp (name, "RTMAX", 5) == 0)
    {
      bool is_min = strncasecmp (name, "RTMIN", 5) == 0;
      const char *rest = name + 5;
      int sig;
      if (*rest == '\0')
        sig = is_min ? rtmin : rtmax;
      else if (is_min && *rest == '+')
        {
          int off = parse_small_uint (rest + 1);
          if (off < 0 || off > rtmax - rtmin)
            return -1;
          sig = rtmin + off;
        }
      else if (!is_min && *rest == '-')
        {
          int off = parse_small_uint (rest + 1);
          if (off < 0 || off > rtmax - rtmin)
            return -1;
          sig = rtmax - off;
        }
      else
        return -1;
      return sig;
    }
  return -1;
}

const struct carrel_name_value carrel_rlimits[] = {
  NV (RLIMIT_CPU),      NV (RLIMIT_FSIZE), NV (RLIMIT_DATA),   NV (RLIMIT_STACK),
  NV (RLIMIT_CORE),     NV (RLIMIT_RSS),   NV (RLIMIT_NPROC),  NV (RLIMIT_NOFILE),
  NV (RLIMIT_MEMLOCK),  NV (RLIMIT_AS),    NV (RLIMIT_LOCKS),  NV (RLIMIT_SIGPENDING),
  NV (RLIMIT_MSGQUEUE), NV (RLIMIT_NICE),  NV (RLIMIT_RTPRIO), NV (RLIMIT_RTTIME),
};
const size_t carrel_n_rlimits = sizeof (carrel_rlimits) / sizeof (carrel_rlimits[0]);

int
carrel_rlimit_by_name (const char *name)
{
  return carrel_name_lookup (carrel_rlimits, carrel_n_rlimits, name);
}

/* Mount options. Sorted by name (carrel_mount_opt_by_name bisects; a unit test checks the order).
 *
 * FLAG/CLEAR: `value` is the MS_* flag set or cleared ("rw" clears MS_RDONLY). PROPAGATION: MS_PRIVATE,
 * ... with MS_REC in `value` for the r* forms. BIND: MS_BIND (| MS_REC for rbind). ATTR/ATTR_CLEAR:
 * MOUNT_ATTR_* for mount_setattr(2), always recursive. The atime attributes (ratime, rnoatime,
 * rrelatime, rstrictatime, rnorelatime) live in the MOUNT_ATTR__ATIME field: the runtime clears
 * MOUNT_ATTR__ATIME when setting them (MOUNT_ATTR_RELATIME is 0). IDMAP: MOUNT_ATTR_IDMAP. CARREL:
 * `value` is CARREL_MOPT_TMPCOPYUP or CARREL_MOPT_COPY_SYMLINK (tables.h). */
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif
#ifndef MOUNT_ATTR_NOSUID
#define MOUNT_ATTR_NOSUID 0x00000002
#endif
#ifndef MOUNT_ATTR_NODEV
#define MOUNT_ATTR_NODEV 0x00000004
#endif
#ifndef MOUNT_ATTR_NOEXEC
#define MOUNT_ATTR_NOEXEC 0x00000008
#endif
#ifndef MOUNT_ATTR__ATIME
#define MOUNT_ATTR__ATIME 0x00000070
#endif
#ifndef MOUNT_ATTR_RELATIME
#define MOUNT_ATTR_RELATIME 0x00000000
#endif
#ifndef MOUNT_ATTR_NOATIME
#define MOUNT_ATTR_NOATIME 0x00000010
#endif
#ifndef MOUNT_ATTR_STRICTATIME
#define MOUNT_ATTR_STRICTATIME 0x00000020
#endif
#ifndef MOUNT_ATTR_NODIRATIME
#define MOUNT_ATTR_NODIRATIME 0x00000080
#endif
#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

const struct carrel_mount_opt carrel_mount_opts[] = {
  { "async", CARREL_MOPT_CLEAR, MS_SYNCHRONOUS, false },
  { "atime", CARREL_MOPT_CLEAR, MS_NOATIME, false },
  { "bind", CARREL_MOPT_BIND, MS_BIND, false },
  { "copy-symlink", CARREL_MOPT_CARREL, CARREL_MOPT_COPY_SYMLINK, false },
  { "defaults", CARREL_MOPT_FLAG, 0, false },
  { "dev", CARREL_MOPT_CLEAR, MS_NODEV, false },
  { "diratime", CARREL_MOPT_CLEAR, MS_NODIRATIME, false },
  { "dirsync", CARREL_MOPT_FLAG, MS_DIRSYNC, false },
  { "exec", CARREL_MOPT_CLEAR, MS_NOEXEC, false },
  { "idmap", CARREL_MOPT_IDMAP, MOUNT_ATTR_IDMAP, false },
  { "iversion", CARREL_MOPT_FLAG, MS_I_VERSION, false },
  { "lazytime", CARREL_MOPT_FLAG, MS_LAZYTIME, false },
  { "loud", CARREL_MOPT_CLEAR, MS_SILENT, false },
  { "mand", CARREL_MOPT_FLAG, MS_MANDLOCK, false },
  { "noatime", CARREL_MOPT_FLAG, MS_NOATIME, false },
  { "nodev", CARREL_MOPT_FLAG, MS_NODEV, false },
  { "nodiratime", CARREL_MOPT_FLAG, MS_NODIRATIME, false },
  { "noexec", CARREL_MOPT_FLAG, MS_NOEXEC, false },
  { "noiversion", CARREL_MOPT_CLEAR, MS_I_VERSION, false },
  { "nolazytime", CARREL_MOPT_CLEAR, MS_LAZYTIME, false },
  { "nomand", CARREL_MOPT_CLEAR, MS_MANDLOCK, false },
  { "norelatime", CARREL_MOPT_CLEAR, MS_RELATIME, false },
  { "nostrictatime", CARREL_MOPT_CLEAR, MS_STRICTATIME, false },
  { "nosuid", CARREL_MOPT_FLAG, MS_NOSUID, false },
  { "nosymfollow", CARREL_MOPT_FLAG, MS_NOSYMFOLLOW, false },
  { "private", CARREL_MOPT_PROPAGATION, MS_PRIVATE, false },
  { "ratime", CARREL_MOPT_ATTR_CLEAR, MOUNT_ATTR_NOATIME, true },
  { "rbind", CARREL_MOPT_BIND, MS_BIND | MS_REC, true },
  { "rdev", CARREL_MOPT_ATTR_CLEAR, MOUNT_ATTR_NODEV, true },
  { "rdiratime", CARREL_MOPT_ATTR_CLEAR, MOUNT_ATTR_NODIRATIME, true },
  { "relatime", CARREL_MOPT_FLAG, MS_RELATIME, false },
  { "remount", CARREL_MOPT_FLAG, MS_REMOUNT, false },
  { "rexec", CARREL_MOPT_ATTR_CLEAR, MOUNT_ATTR_NOEXEC, true },
  { "ridmap", CARREL_MOPT_IDMAP, MOUNT_ATTR_IDMAP, true },
  { "rnoatime", CARREL_MOPT_ATTR, MOUNT_ATTR_NOATIME, true },
  { "rnodev", CARREL_MOPT_ATTR, MOUNT_ATTR_NODEV, true },
  { "rnodiratime", CARREL_MOPT_ATTR, MOUNT_ATTR_NODIRATIME, true },
  { "rnoexec", CARREL_MOPT_ATTR, MOUNT_ATTR_NOEXEC, true },
  { "rnorelatime", CARREL_MOPT_ATTR_CLEAR, MOUNT_ATTR_RELATIME, true },
  { "rnosuid", CARREL_MOPT_ATTR, MOUNT_ATTR_NOSUID, true },
  { "rnosymfollow", CARREL_MOPT_ATTR, MOUNT_ATTR_NOSYMFOLLOW, true },
  { "ro", CARREL_MOPT_FLAG, MS_RDONLY, false },
  { "rprivate", CARREL_MOPT_PROPAGATION, MS_PRIVATE | MS_REC, true },
  { "rrelatime", CARREL_MOPT_ATTR, MOUNT_ATTR_RELATIME, true },
  { "rro", CARREL_MOPT_ATTR, MOUNT_ATTR_RDONLY, true },
  { "rrw", CARREL_MOPT_ATTR_CLEAR, MOUNT_ATTR_RDONLY, true },
  { "rshared", CARREL_MOPT_PROPAGATION, MS_SHARED | MS_REC, true },
  { "rslave", CARREL_MOPT_PROPAGATION, MS_SLAVE | MS_REC, true },
  { "rstrictatime", CARREL_MOPT_ATTR, MOUNT_ATTR_STRICTATIME, true },
  { "rsuid", CARREL_MOPT_ATTR_CLEAR, MOUNT_ATTR_NOSUID, true },
  { "rsymfollow", CARREL_MOPT_ATTR_CLEAR, MOUNT_ATTR_NOSYMFOLLOW, true },
  { "runbindable", CARREL_MOPT_PROPAGATION, MS_UNBINDABLE | MS_REC, true },
  { "rw", CARREL_MOPT_CLEAR, MS_RDONLY, false },
  { "shared", CARREL_MOPT_PROPAGATION, MS_SHARED, false },
  { "silent", CARREL_MOPT_FLAG, MS_SILENT, false },
  { "slave", CARREL_MOPT_PROPAGATION, MS_SLAVE, false },
  { "strictatime", CARREL_MOPT_FLAG, MS_STRICTATIME, false },
  { "suid", CARREL_MOPT_CLEAR, MS_NOSUID, false },
  { "symfollow", CARREL_MOPT_CLEAR, MS_NOSYMFOLLOW, false },
  { "sync", CARREL_MOPT_FLAG, MS_SYNCHRONOUS, false },
  { "tmpcopyup", CARREL_MOPT_CARREL, CARREL_MOPT_TMPCOPYUP, false },
  { "unbindable", CARREL_MOPT_PROPAGATION, MS_UNBINDABLE, false },
};
const size_t carrel_n_mount_opts = sizeof (carrel_mount_opts) / sizeof (carrel_mount_opts[0]);

const struct carrel_mount_opt *
carrel_mount_opt_by_name (const char *name)
{
  size_t lo = 0, hi = carrel_n_mount_opts;
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      int c = strcmp (name, carrel_mount_opts[mid].name);
      if (c == 0)
        return &carrel_mount_opts[mid];
      if (c < 0)
        hi = mid;
      else
        lo = mid + 1;
    }
  return NULL;
}

/* Seccomp actions. `value` is carrel's own action kind, the index in this table: 0 SCMP_ACT_KILL,
 * 1 SCMP_ACT_KILL_PROCESS, 2 SCMP_ACT_KILL_THREAD, 3 SCMP_ACT_TRAP, 4 SCMP_ACT_ERRNO, 5 SCMP_ACT_TRACE,
 * 6 SCMP_ACT_ALLOW, 7 SCMP_ACT_LOG, 8 SCMP_ACT_NOTIFY. The seccomp code maps a kind (plus errnoRet for
 * ERRNO/TRACE) to libseccomp's action value; ERRNO and TRACE take an argument, so a plain constant would
 * not do. */
const struct carrel_name_value carrel_seccomp_actions[] = {
  { "SCMP_ACT_KILL", 0 },  { "SCMP_ACT_KILL_PROCESS", 1 }, { "SCMP_ACT_KILL_THREAD", 2 },
  { "SCMP_ACT_TRAP", 3 },  { "SCMP_ACT_ERRNO", 4 },        { "SCMP_ACT_TRACE", 5 },
  { "SCMP_ACT_ALLOW", 6 }, { "SCMP_ACT_LOG", 7 },          { "SCMP_ACT_NOTIFY", 8 },
};
const size_t carrel_n_seccomp_actions = sizeof (carrel_seccomp_actions) / sizeof (carrel_seccomp_actions[0]);

/* Comparison operators: libseccomp's enum scmp_compare values. */
const struct carrel_name_value carrel_seccomp_ops[] = {
  NV (SCMP_CMP_NE), NV (SCMP_CMP_LT), NV (SCMP_CMP_LE),        NV (SCMP_CMP_EQ),
  NV (SCMP_CMP_GE), NV (SCMP_CMP_GT), NV (SCMP_CMP_MASKED_EQ),
};
const size_t carrel_n_seccomp_ops = sizeof (carrel_seccomp_ops) / sizeof (carrel_seccomp_ops[0]);

/* Architectures of defs-linux.json's SeccompArch, as far as the installed libseccomp knows them. */
const struct carrel_seccomp_arch carrel_seccomp_archs[] = {
#ifdef SCMP_ARCH_X86
  NV (SCMP_ARCH_X86),
#endif
#ifdef SCMP_ARCH_X86_64
  NV (SCMP_ARCH_X86_64),
#endif
#ifdef SCMP_ARCH_X32
  NV (SCMP_ARCH_X32),
#endif
#ifdef SCMP_ARCH_ARM
  NV (SCMP_ARCH_ARM),
#endif
#ifdef SCMP_ARCH_AARCH64
  NV (SCMP_ARCH_AARCH64),
#endif
#ifdef SCMP_ARCH_LOONGARCH64
  NV (SCMP_ARCH_LOONGARCH64),
#endif
#ifdef SCMP_ARCH_M68K
  NV (SCMP_ARCH_M68K),
#endif
#ifdef SCMP_ARCH_MIPS
  NV (SCMP_ARCH_MIPS),
#endif
#ifdef SCMP_ARCH_MIPS64
  NV (SCMP_ARCH_MIPS64),
#endif
#ifdef SCMP_ARCH_MIPS64N32
  NV (SCMP_ARCH_MIPS64N32),
#endif
#ifdef SCMP_ARCH_MIPSEL
  NV (SCMP_ARCH_MIPSEL),
#endif
#ifdef SCMP_ARCH_MIPSEL64
  NV (SCMP_ARCH_MIPSEL64),
#endif
#ifdef SCMP_ARCH_MIPSEL64N32
  NV (SCMP_ARCH_MIPSEL64N32),
#endif
#ifdef SCMP_ARCH_PPC
  NV (SCMP_ARCH_PPC),
#endif
#ifdef SCMP_ARCH_PPC64
  NV (SCMP_ARCH_PPC64),
#endif
#ifdef SCMP_ARCH_PPC64LE
  NV (SCMP_ARCH_PPC64LE),
#endif
#ifdef SCMP_ARCH_S390
  NV (SCMP_ARCH_S390),
#endif
#ifdef SCMP_ARCH_S390X
  NV (SCMP_ARCH_S390X),
#endif
#ifdef SCMP_ARCH_SH
  NV (SCMP_ARCH_SH),
#endif
#ifdef SCMP_ARCH_SHEB
  NV (SCMP_ARCH_SHEB),
#endif
#ifdef SCMP_ARCH_PARISC
  NV (SCMP_ARCH_PARISC),
#endif
#ifdef SCMP_ARCH_PARISC64
  NV (SCMP_ARCH_PARISC64),
#endif
#ifdef SCMP_ARCH_RISCV64
  NV (SCMP_ARCH_RISCV64),
#endif
};
const size_t carrel_n_seccomp_archs = sizeof (carrel_seccomp_archs) / sizeof (carrel_seccomp_archs[0]);

/* seccomp(2) filter flags: the kernel's SECCOMP_FILTER_FLAG_* values. */
const struct carrel_name_value carrel_seccomp_flags[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", 1 },
  { "SECCOMP_FILTER_FLAG_LOG", 2 },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4 },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 32 },
};
const size_t carrel_n_seccomp_flags = sizeof (carrel_seccomp_flags) / sizeof (carrel_seccomp_flags[0]);

/* Scheduler policies and flags: <linux/sched.h> values (SCHED_ISO is reserved, never implemented). */
const struct carrel_name_value carrel_sched_policies[] = {
  { "SCHED_OTHER", 0 }, { "SCHED_FIFO", 1 }, { "SCHED_RR", 2 },       { "SCHED_BATCH", 3 },
  { "SCHED_ISO", 4 },   { "SCHED_IDLE", 5 }, { "SCHED_DEADLINE", 6 },
};
const size_t carrel_n_sched_policies = sizeof (carrel_sched_policies) / sizeof (carrel_sched_policies[0]);

const struct carrel_name_value carrel_sched_flags[] = {
  { "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
  { "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
  { "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
  { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};
const size_t carrel_n_sched_flags = sizeof (carrel_sched_flags) / sizeof (carrel_sched_flags[0]);

/* I/O priority classes: <linux/ioprio.h> values. */
const struct carrel_name_value carrel_ioprio_classes[] = {
  { "IOPRIO_CLASS_RT", 1 },
  { "IOPRIO_CLASS_BE", 2 },
  { "IOPRIO_CLASS_IDLE", 3 },
};
const size_t carrel_n_ioprio_classes = sizeof (carrel_ioprio_classes) / sizeof (carrel_ioprio_classes[0]);

const struct carrel_name_value carrel_personality_domains[] = {
  { "LINUX", PER_LINUX },
  { "LINUX32", PER_LINUX32 },
};
const size_t carrel_n_personality_domains
    = sizeof (carrel_personality_domains) / sizeof (carrel_personality_domains[0]);

const char *const carrel_hook_names[CARREL_N_HOOK_KINDS] = {
  [CARREL_HOOK_PRESTART] = "prestart",
  [CARREL_HOOK_CREATE_RUNTIME] = "createRuntime",
  [CARREL_HOOK_CREATE_CONTAINER] = "createContainer",
  [CARREL_HOOK_START_CONTAINER] = "startContainer",
  [CARREL_HOOK_POSTSTART] = "poststart",
  [CARREL_HOOK_POSTSTOP] = "poststop",
};

const char *const carrel_known_fstypes[] = {
  "proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup", "cgroup2", "bind", "overlay", "securityfs", NULL,
};
