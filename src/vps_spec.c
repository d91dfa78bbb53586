/* config.json of a VPS: carrel's default spec (default seccomp profile, masked and read-only paths,
 * read-only /sys, cgroup namespace) made into a system container: a user namespace mapping root
 * to the VPS's id range, the template's init on a terminal, the limits, its network. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "carrel/defaults.h"
#include "carrel/spec.h"
#include "cgroup.h"
#include "util.h"
#include "vps.h"

/* What a system container's root needs (services dropping privileges, chown, mknod for ptys,
 * its own network namespace, reboot(2) to end itself), all inside its own user namespace. */
static const char *const vps_caps[]
    = { "CAP_CHOWN",     "CAP_DAC_OVERRIDE", "CAP_FOWNER",  "CAP_FSETID",           "CAP_KILL",
        "CAP_SETGID",    "CAP_SETUID",       "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW",
        "CAP_NET_ADMIN", "CAP_SYS_CHROOT",   "CAP_MKNOD",   "CAP_AUDIT_WRITE",      "CAP_SETFCAP",
        "CAP_SYS_BOOT" };

static json_t *
strv_json (const char *const *v, size_t n)
{
  json_t *a = json_array ();
  for (size_t i = 0; i < n; i++)
    json_array_append_new (a, json_string (v[i]));
  return a;
}

static json_t *
id_map (unsigned long base)
{
  return json_pack ("[{s:i, s:I, s:i}]", "containerID", 0, "hostID", (json_int_t)base, "size",
                    (int)CARREL_VPS_ID_RANGE);
}

static json_t *
resources (const struct vps_record *r)
{
  json_t *res = json_object ();
  json_object_set_new (res, "devices", json_pack ("[{s:b, s:s}]", "allow", 0, "access", "rwm"));
  if (r->memory)
    json_object_set_new (
        res, "memory",
        json_pack ("{s:I, s:I}", "limit", (json_int_t)r->memory, "swap", (json_int_t)r->memory));
  if (r->cpus > 0)
    json_object_set_new (
        res, "cpu",
        json_pack ("{s:I, s:I}", "quota", (json_int_t)(r->cpus * 100000), "period", (json_int_t)100000));
  if (r->pids > 0)
    json_object_set_new (res, "pids", json_pack ("{s:I}", "limit", (json_int_t)r->pids));
  if (r->io_weight)
    json_object_set_new (res, "blockIO", json_pack ("{s:i}", "weight", (int)r->io_weight));
  return res;
}

int
vps_spec_write (const struct vps_record *r, const struct vps_template *t, const char *path,
                struct carrel_error *err)
{
  cleanup_free char *base = carrel_default_config (false, 0, 0);
  cleanup_free char *text = NULL;
  json_t *o = json_loads (base, 0, NULL);
  json_t *proc, *lin, *caps, *args, *env, *seccomp;
  size_t n = 0;
  if (o == NULL)
    return carrel_fail (err, EINVAL, "the default config does not parse");
  proc = json_object_get (o, "process");
  lin = json_object_get (o, "linux");
  args = json_array ();
  while (t->init[n])
    json_array_append_new (args, json_string (t->init[n++]));
  json_object_set_new (proc, "args", args);
  json_object_set_new (proc, "terminal", json_true ());
  json_object_set_new (proc, "consoleSize", json_pack ("{s:i, s:i}", "height", 24, "width", 80));
  json_object_set_new (proc, "noNewPrivileges", json_false ());
  env = json_object_get (proc, "env");
  json_array_append_new (env, json_string ("container=carrel"));
  caps = strv_json (vps_caps, ARRAY_SIZE (vps_caps));
  json_object_set_new (proc, "capabilities",
                       json_pack ("{s:O, s:O, s:O}", "bounding", caps, "effective", caps, "permitted", caps));
  json_decref (caps);
  json_object_set_new (proc, "rlimits",
                       json_pack ("[{s:s, s:i, s:i}]", "type", "RLIMIT_NOFILE", "hard", 4096, "soft", 4096));
  json_object_set_new (o, "root", json_pack ("{s:s, s:b}", "path", VPS_ROOTFS, "readonly", 0));
  json_object_set_new (o, "hostname", json_string (r->hostname));

  json_array_append_new (json_object_get (lin, "namespaces"), json_pack ("{s:s}", "type", "user"));
  json_object_set_new (lin, "uidMappings", id_map (r->id_base));
  json_object_set_new (lin, "gidMappings", id_map (r->id_base));
  json_object_set_new (lin, "resources", resources (r));
  /* reboot(2) from a pid namespace's init only ends that namespace (halt, poweroff, reboot inside). */
  seccomp = json_object_get (lin, "seccomp");
  if (seccomp)
    json_array_append_new (json_object_get (seccomp, "syscalls"),
                           json_pack ("{s:[s], s:s}", "names", "reboot", "action", "SCMP_ACT_ALLOW"));

  json_object_set_new (o, "annotations", json_pack ("{s:s}", "run.carrel.vps", r->name));
  if (r->network)
    json_object_set_new (json_object_get (o, "annotations"), "run.carrel.network", json_string (r->network));
  text = json_dumps (o, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
  json_decref (o);
  {
    cleanup_free char *dir = xstrdup (path);
    char *slash = strrchr (dir, '/');
    cleanup_fd int dfd = -1;
    *slash = '\0';
    dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
      return carrel_fail (err, errno, "open %s", dir);
    return write_file_atomic (dfd, slash + 1, text, strlen (text), 0644, err);
  }
}

/* The create flag behind each limit of linux.resources, to name it when the host lacks it. */
static const struct
{
  const char *field, *flag;
} limit_flags[] = {
  { "resources.blockIO", "--io-weight" },
  { "resources.memory", "--memory" },
  { "resources.cpu", "--cpus" },
  { "resources.pids", "--pids" },
};

int
vps_spec_probe_limits (const char *name, const char *config, struct carrel_error *err)
{
  struct carrel_spec *spec = NULL;
  struct cgroup *cg = NULL;
  struct carrel_error e = { 0 };
  struct carrel_error ignored;
  /* '.' is never in a VPS name: no container's cgroup is named so. */
  cleanup_free char *id = xasprintf ("vps-%s.probe", name);
  int rc;
  if (carrel_spec_load (config, &spec, err) < 0)
    return -1;
  rc = cgroup_create (spec, id, NULL, false, &cg, &e);
  carrel_spec_free (spec);
  if (rc == 0 && cg)
    {
      if (cgroup_owned (cg))
        cgroup_destroy (cg, &ignored);
      else
        cgroup_remove_path (cgroup_path (cg), true, &ignored);
      cgroup_free (cg);
    }
  if (rc == 0)
    return 0;
  for (size_t i = 0; i < ARRAY_SIZE (limit_flags); i++)
    if (strstr (e.msg, limit_flags[i].field))
      return carrel_fail (err, e.errno_value, "%s: this host cannot apply it: %s", limit_flags[i].flag,
                          e.msg);
  return carrel_fail (err, e.errno_value, "the VPS's limits cannot be applied on this host: %s", e.msg);
}
