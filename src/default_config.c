/* The config.json `carrel spec` writes: what runc spec writes, so bundles move between runtimes. */
#include <jansson.h>
#include <stdlib.h>

#include "carrel/defaults.h"

static const char *const default_caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" };

static const char *const masked[] = { "/proc/acpi",
                                      "/proc/asound",
                                      "/proc/kcore",
                                      "/proc/keys",
                                      "/proc/latency_stats",
                                      "/proc/timer_list",
                                      "/proc/timer_stats",
                                      "/proc/sched_debug",
                                      "/sys/firmware",
                                      "/proc/scsi",
                                      "/sys/devices/virtual/powercap" };
static const char *const readonly[]
    = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" };

static json_t *
strv (const char *const *v, size_t n)
{
  json_t *a = json_array ();
  for (size_t i = 0; i < n; i++)
    json_array_append_new (a, json_string (v[i]));
  return a;
}

#define N(a) (sizeof (a) / sizeof ((a)[0]))

/* config/seccomp-default.json, embedded by the Makefile (build/gen/seccomp_default.c). */
extern const char carrel_default_seccomp_json[];

/* The profile, with the architectures of this build's host (the file lists x86's). */
static json_t *
default_seccomp (void)
{
  json_t *sc = json_loads (carrel_default_seccomp_json, 0, NULL);
#if defined(__aarch64__)
  json_object_set_new (sc, "architectures", json_pack ("[s, s]", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"));
#elif defined(__s390x__)
  json_object_set_new (sc, "architectures", json_pack ("[s, s]", "SCMP_ARCH_S390X", "SCMP_ARCH_S390"));
#elif defined(__riscv) && __riscv_xlen == 64
  json_object_set_new (sc, "architectures", json_pack ("[s]", "SCMP_ARCH_RISCV64"));
#elif !defined(__x86_64__) && !defined(__i386__)
  json_object_del (sc, "architectures"); /* the native one only */
#endif
  return sc;
}

static json_t *
mount (const char *dest, const char *type, const char *src, const char *const *opts, size_t n)
{
  return json_pack ("{s:s, s:s, s:s, s:o}", "destination", dest, "type", type, "source", src, "options",
                    strv (opts, n));
}

char *
carrel_default_config (bool rootless, unsigned uid, unsigned gid)
{
  static const char *const proc_o[] = { "nosuid", "noexec", "nodev" };
  static const char *const dev_o[] = { "nosuid", "strictatime", "mode=755", "size=65536k" };
  static const char *const pts_o[]
      = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" };
  static const char *const pts_rl[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620" };
  static const char *const shm_o[] = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" };
  static const char *const mq_o[] = { "nosuid", "noexec", "nodev" };
  static const char *const sys_o[] = { "nosuid", "noexec", "nodev", "ro" };
  static const char *const sys_rl[] = { "rbind", "nosuid", "noexec", "nodev", "ro" };
  static const char *const cg_o[] = { "nosuid", "noexec", "nodev", "relatime", "ro" };
  json_t *caps = strv (default_caps, N (default_caps));
  json_t *process, *linux_, *mounts, *ns, *o;
  char *text;

  process
      = json_pack ("{s:b, s:{s:i, s:i}, s:[s], s:[s, s], s:s, s:{s:o, s:o, s:o, s:o}, s:[{s:s, s:i, s:i}], "
                   "s:b}",
                   "terminal", 1, "user", "uid", 0, "gid", 0, "args", "sh", "env",
                   "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", "cwd",
                   "/", "capabilities", "bounding", json_deep_copy (caps), "effective", json_deep_copy (caps),
                   "permitted", json_deep_copy (caps), "ambient", json_deep_copy (caps), "rlimits", "type",
                   "RLIMIT_NOFILE", "hard", 1024, "soft", 1024, "noNewPrivileges", 1);
  json_decref (caps);

  mounts = json_array ();
  json_array_append_new (mounts, mount ("/proc", "proc", "proc", proc_o, N (proc_o)));
  json_array_append_new (mounts, mount ("/dev", "tmpfs", "tmpfs", dev_o, N (dev_o)));
  json_array_append_new (mounts, rootless ? mount ("/dev/pts", "devpts", "devpts", pts_rl, N (pts_rl))
                                          : mount ("/dev/pts", "devpts", "devpts", pts_o, N (pts_o)));
  json_array_append_new (mounts, mount ("/dev/shm", "tmpfs", "shm", shm_o, N (shm_o)));
  json_array_append_new (mounts, mount ("/dev/mqueue", "mqueue", "mqueue", mq_o, N (mq_o)));
  json_array_append_new (mounts, rootless ? mount ("/sys", "none", "/sys", sys_rl, N (sys_rl))
                                          : mount ("/sys", "sysfs", "sysfs", sys_o, N (sys_o)));
  if (!rootless)
    json_array_append_new (mounts, mount ("/sys/fs/cgroup", "cgroup", "cgroup", cg_o, N (cg_o)));

  ns = json_array ();
  json_array_append_new (ns, json_pack ("{s:s}", "type", "pid"));
  if (!rootless)
    json_array_append_new (ns, json_pack ("{s:s}", "type", "network"));
  json_array_append_new (ns, json_pack ("{s:s}", "type", "ipc"));
  json_array_append_new (ns, json_pack ("{s:s}", "type", "uts"));
  json_array_append_new (ns, json_pack ("{s:s}", "type", "mount"));
  json_array_append_new (ns, json_pack ("{s:s}", "type", "cgroup"));
  if (rootless)
    json_array_append_new (ns, json_pack ("{s:s}", "type", "user"));

  linux_ = json_pack ("{s:o, s:o, s:o}", "namespaces", ns, "maskedPaths", strv (masked, N (masked)),
                      "readonlyPaths", strv (readonly, N (readonly)));
  json_object_set_new (linux_, "seccomp", default_seccomp ());
  if (rootless)
    {
      json_object_set_new (linux_, "uidMappings",
                           json_pack ("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", uid, "size", 1));
      json_object_set_new (linux_, "gidMappings",
                           json_pack ("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", gid, "size", 1));
    }
  else
    json_object_set_new (linux_, "resources",
                         json_pack ("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access", "rwm"));

  o = json_pack ("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", "1.3.0", "process", process, "root",
                 "path", "rootfs", "readonly", 1, "hostname", "carrel", "mounts", mounts, "linux", linux_);
  text = json_dumps (o, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
  json_decref (o);
  return text;
}
