/* `features`: every list comes from the tables the parser and runtime use. */
#include <jansson.h>
#include <seccomp.h>
#include <stdlib.h>

#include "carrel/defaults.h"
#include "carrel/tables.h"

static json_t *
names_of (const struct carrel_name_value *t, size_t n)
{
  json_t *a = json_array ();
  for (size_t i = 0; i < n; i++)
    json_array_append_new (a, json_string (t[i].name));
  return a;
}

char *
carrel_features_json (void)
{
  json_t *o = json_object (), *linux_ = json_object (), *a, *seccomp, *cgroup;
  char *text;
  json_object_set_new (o, "ociVersionMin", json_string (CARREL_OCI_VERSION_MIN));
  json_object_set_new (o, "ociVersionMax", json_string (CARREL_OCI_VERSION));
  a = json_array ();
  for (int i = 0; i < CARREL_N_HOOK_KINDS; i++)
    json_array_append_new (a, json_string (carrel_hook_names[i]));
  json_object_set_new (o, "hooks", a);
  a = json_array ();
  for (size_t i = 0; i < carrel_n_mount_opts; i++)
    json_array_append_new (a, json_string (carrel_mount_opts[i].name));
  json_object_set_new (o, "mountOptions", a);

  a = json_array ();
  for (size_t i = 0; i < carrel_n_ns_kinds; i++)
    json_array_append_new (a, json_string (carrel_ns_kinds[i].name));
  json_object_set_new (linux_, "namespaces", a);
  json_object_set_new (linux_, "capabilities", names_of (carrel_caps, carrel_n_caps));
  cgroup
      = json_pack ("{s:b, s:b, s:b, s:b, s:b}", "v1", 1, "v2", 1, "systemd", 0, "systemdUser", 0, "rdma", 1);
  json_object_set_new (linux_, "cgroup", cgroup);
  seccomp = json_object ();
  json_object_set_new (seccomp, "enabled", json_true ());
  json_object_set_new (seccomp, "actions", names_of (carrel_seccomp_actions, carrel_n_seccomp_actions));
  json_object_set_new (seccomp, "operators", names_of (carrel_seccomp_ops, carrel_n_seccomp_ops));
  a = json_array ();
  for (size_t i = 0; i < carrel_n_seccomp_archs; i++)
    json_array_append_new (a, json_string (carrel_seccomp_archs[i].name));
  json_object_set_new (seccomp, "archs", a);
  json_object_set_new (seccomp, "knownFlags", names_of (carrel_seccomp_flags, carrel_n_seccomp_flags));
  json_object_set_new (seccomp, "supportedFlags", names_of (carrel_seccomp_flags, carrel_n_seccomp_flags));
  json_object_set_new (linux_, "seccomp", seccomp);
  json_object_set_new (linux_, "apparmor", json_pack ("{s:b}", "enabled", 0));
  json_object_set_new (linux_, "selinux", json_pack ("{s:b}", "enabled", 0));
  json_object_set_new (linux_, "intelRdt", json_pack ("{s:b}", "enabled", 0));
  json_object_set_new (linux_, "mountExtensions", json_pack ("{s:{s:b}}", "idmap", "enabled", 1));
  json_object_set_new (linux_, "netDevices", json_pack ("{s:b}", "enabled", 0));
  json_object_set_new (o, "linux", linux_);
  json_object_set_new (
      o, "annotations",
      json_pack ("{s:s, s:s}", "org.opencontainers.runc.version", "", "run.carrel.version", CARREL_VERSION));
  json_object_del (json_object_get (o, "annotations"), "org.opencontainers.runc.version");
  text = json_dumps (o, JSON_INDENT (2));
  json_decref (o);
  return text;
}
