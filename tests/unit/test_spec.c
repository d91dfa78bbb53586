/* Unit tests of the config.json parser (src/spec/): the OCI fixtures, malformed inputs (each error names
 * its JSON path and the bad value) and every field group. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carrel/spec.h"

#define FIXTURES "../shared/oci-runtime-spec/schema/test/config"

/* JSON written with ' for " so that the cases stay readable. */
static char *
json_of (const char *s)
{
  char *out = strdup (s);
  for (char *p = out; *p; p++)
    if (*p == '\'')
      *p = '"';
  return out;
}

/* A complete config around `members`. */
static char *
doc (const char *members)
{
  char *text = NULL;
  if (asprintf (&text, "{'ociVersion':'1.0.0','root':{'path':'rootfs'}%s%s}", *members ? "," : "", members)
      < 0)
    abort ();
  char *j = json_of (text);
  free (text);
  return j;
}

static struct carrel_spec *
parse_ok (const char *members)
{
  char *text = doc (members);
  struct carrel_spec *spec = NULL;
  struct carrel_error err = { 0 };
  int rc = carrel_spec_parse (text, strlen (text), "config.json", &spec, &err);
  if (rc < 0)
    print_error ("unexpected failure: %s\n", err.msg);
  free (text);
  assert_int_equal (rc, 0);
  assert_non_null (spec);
  return spec;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Malformed inputs: one cmocka test per row. */

struct bad_case
{
  const char *name;
  bool raw; /* the whole document, not members of a minimal config */
  const char *json;
  const char *expect; /* substring of the message */
};

static const struct bad_case bad_cases[] = {
  /* Syntax and top level. */
  { "invalid_json_reports_line_and_column", true, "{\n  ]", "config.json: line 2 column 3: invalid JSON: " },
  { "trailing_garbage_is_invalid_json", true, "{} x", "invalid JSON" },
  { "empty_input_is_invalid_json", true, "", "config.json: line 1 column 0: invalid JSON" },
  { "top_level_array_is_rejected", true, "[]", "config.json: top level: expected object, got array" },
  { "integer_above_uint64_is_invalid_json", false,
    "'process':{'cwd':'/','rlimits':[{'type':'RLIMIT_CORE','soft':1,'hard':18446744073709551616}]}",
    "invalid JSON" },
  { "nul_in_string_is_rejected", false, "'hostname':'a\\u0000b'", "invalid JSON" },
  { "nul_in_string_is_rejected_with_big_integers_present", false,
    "'process':{'cwd':'/','rlimits':[{'type':'RLIMIT_CORE','soft':1,'hard':18446744073709551615}]},"
    "'hostname':'a\\u0000b'",
    "config.json: hostname: string contains a NUL character" },
  /* Required top-level members. */
  { "missing_oci_version_is_required", true, "{'root':{'path':'rootfs'}}",
    "config.json: ociVersion: required" },
  { "oci_version_must_be_a_string", true, "{'ociVersion':1,'root':{'path':'r'}}",
    "config.json: ociVersion: expected string, got number" },
  { "missing_root_is_required", true, "{'ociVersion':'1.0.0'}", "config.json: root: required" },
  { "root_without_path_is_required", true, "{'ociVersion':'1.0.0','root':{}}",
    "config.json: root.path: required" },
  { "root_readonly_must_be_boolean", true, "{'ociVersion':'1.0.0','root':{'path':'r','readonly':'yes'}}",
    "config.json: root.readonly: expected boolean, got string" },
  { "hostname_must_be_a_string", false, "'hostname':['a']",
    "config.json: hostname: expected string, got array" },
  /* process */
  { "process_must_be_an_object", false, "'process':true",
    "config.json: process: expected object, got boolean" },
  { "process_args_must_be_array_of_strings", false, "'process':{'cwd':'/','args':3}",
    "config.json: process.args: expected array of strings, got number" },
  { "process_args_element_must_be_string", false, "'process':{'cwd':'/','args':['sh',1]}",
    "config.json: process.args[1]: expected string, got number" },
  { "process_cwd_is_required", false, "'process':{'args':['sh']}", "config.json: process.cwd: required" },
  { "process_cwd_must_be_absolute", false, "'process':{'cwd':'tmp'}",
    "config.json: process.cwd: must be an absolute path, got \"tmp\"" },
  { "negative_uid_is_rejected", false, "'process':{'cwd':'/','user':{'uid':-1}}",
    "config.json: process.user.uid: expected non-negative integer, got -1" },
  { "uid_above_uint32_is_out_of_range", false, "'process':{'cwd':'/','user':{'uid':4294967296}}",
    "config.json: process.user.uid: 4294967296 out of range (max 4294967295)" },
  { "fractional_gid_is_rejected", false, "'process':{'cwd':'/','user':{'gid':1.5}}",
    "config.json: process.user.gid: expected integer, got fractional number 1.5" },
  { "additional_gid_must_be_integer", false, "'process':{'cwd':'/','user':{'additionalGids':[1,'x']}}",
    "config.json: process.user.additionalGids[1]: expected integer, got string" },
  { "bad_rlimit_type_names_path_and_value", false,
    "'process':{'cwd':'/','rlimits':[{'type':'RLIMIT_CORE','soft':1,'hard':1},{'type':'RLIMIT_FOO','soft':1,"
    "'hard':1}]}",
    "config.json: process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\"" },
  { "rlimit_without_hard_is_rejected", false,
    "'process':{'cwd':'/','rlimits':[{'type':'RLIMIT_CORE','soft':1}]}",
    "config.json: process.rlimits[0].hard: required" },
  { "duplicate_rlimit_is_rejected", false,
    "'process':{'cwd':'/"
    "','rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':1},{'type':'RLIMIT_NOFILE','soft':"
    "1,'hard':1}]}",
    "config.json: process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"" },
  { "rlimit_soft_above_hard_is_rejected", false,
    "'process':{'cwd':'/','rlimits':[{'type':'RLIMIT_NOFILE','soft':2048,'hard':1024}]}",
    "config.json: process.rlimits[0].soft: soft limit 2048 is above hard limit 1024" },
  { "negative_rlimit_is_rejected", false,
    "'process':{'cwd':'/','rlimits':[{'type':'RLIMIT_NOFILE','soft':-1,'hard':1024}]}",
    "config.json: process.rlimits[0].soft: expected non-negative integer, got -1" },
  { "unknown_capability_names_field_and_value", false,
    "'process':{'cwd':'/','capabilities':{'bounding':['CAP_KILL','CAP_CHOWN','CAP_SYS_ADMIN','CAP_FOO']}}",
    "config.json: process.capabilities.bounding[3]: unknown capability \"CAP_FOO\"" },
  { "capabilities_must_be_an_object", false, "'process':{'cwd':'/','capabilities':[]}",
    "config.json: process.capabilities: expected object, got array" },
  { "ambient_capability_must_be_string", false, "'process':{'cwd':'/','capabilities':{'ambient':[12]}}",
    "config.json: process.capabilities.ambient[0]: expected string, got number" },
  { "oom_score_adj_out_of_range", false, "'process':{'cwd':'/','oomScoreAdj':1001}",
    "config.json: process.oomScoreAdj: 1001 out of range (-1000..1000)" },
  { "unknown_scheduler_policy_is_named", false, "'process':{'cwd':'/','scheduler':{'policy':'SCHED_FAST'}}",
    "config.json: process.scheduler.policy: unknown scheduler policy \"SCHED_FAST\"" },
  { "scheduler_without_policy_is_rejected", false, "'process':{'cwd':'/','scheduler':{'nice':1}}",
    "config.json: process.scheduler.policy: required" },
  { "unknown_scheduler_flag_is_named", false,
    "'process':{'cwd':'/','scheduler':{'policy':'SCHED_OTHER','flags':['SCHED_FLAG_FAST']}}",
    "config.json: process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_FAST\"" },
  { "scheduler_nice_above_int32_is_out_of_range", false,
    "'process':{'cwd':'/','scheduler':{'policy':'SCHED_OTHER','nice':2147483648}}",
    "config.json: process.scheduler.nice: 2147483648 out of range" },
  { "unknown_io_priority_class_is_named", false,
    "'process':{'cwd':'/','ioPriority':{'class':'IOPRIO_CLASS_X'}}",
    "config.json: process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_X\"" },
  { "io_priority_above_7_is_out_of_range", false,
    "'process':{'cwd':'/','ioPriority':{'class':'IOPRIO_CLASS_BE','priority':8}}",
    "config.json: process.ioPriority.priority: 8 out of range (0..7)" },
  { "console_size_needs_width", false, "'process':{'cwd':'/','consoleSize':{'height':10}}",
    "config.json: process.consoleSize.width: required" },
  { "exec_cpu_affinity_must_be_a_cpu_list", false,
    "'process':{'cwd':'/','execCPUAffinity':{'initial':'a-b'}}",
    "config.json: process.execCPUAffinity.initial: invalid CPU list \"a-b\"" },
  { "terminal_must_be_boolean", false, "'process':{'cwd':'/','terminal':1}",
    "config.json: process.terminal: expected boolean, got number" },
  /* mounts */
  { "mounts_must_be_an_array", false, "'mounts':{}", "config.json: mounts: expected array, got object" },
  { "mount_without_destination_is_rejected", false, "'mounts':[{'type':'proc'}]",
    "config.json: mounts[0].destination: required" },
  { "mount_destination_must_be_absolute", false,
    "'mounts':[{'destination':'/proc'},{'destination':'proc','type':'proc'}]",
    "config.json: mounts[1].destination: must be an absolute path, got \"proc\"" },
  { "mount_options_must_be_array_of_strings", false, "'mounts':[{'destination':'/x','options':'ro'}]",
    "config.json: mounts[0].options: expected array of strings, got string" },
  { "mount_id_mapping_needs_size", false,
    "'mounts':[{'destination':'/x','uidMappings':[{'containerID':0,'hostID':1000}]}]",
    "config.json: mounts[0].uidMappings[0].size: required" },
  /* hooks */
  { "hooks_must_be_arrays", false, "'hooks':{'prestart':{}}",
    "config.json: hooks.prestart: expected array, got object" },
  { "hook_path_is_required", false, "'hooks':{'createRuntime':[{'args':['x']}]}",
    "config.json: hooks.createRuntime[0].path: required" },
  { "hook_path_must_be_absolute", false, "'hooks':{'prestart':[{'path':'bin/hook'}]}",
    "config.json: hooks.prestart[0].path: must be an absolute path, got \"bin/hook\"" },
  { "hook_timeout_must_be_positive", false, "'hooks':{'poststart':[{'path':'/bin/true','timeout':0}]}",
    "config.json: hooks.poststart[0].timeout: must be greater than zero, got 0" },
  { "hook_env_must_be_strings", false, "'hooks':{'poststop':[{'path':'/bin/true','env':[false]}]}",
    "config.json: hooks.poststop[0].env[0]: expected string, got boolean" },
  /* annotations */
  { "annotation_values_must_be_strings", false, "'annotations':{'com.example.x':1}",
    "config.json: annotations[\"com.example.x\"]: expected string, got number" },
  { "annotations_must_be_an_object", false, "'annotations':[]",
    "config.json: annotations: expected object of strings, got array" },
  /* linux */
  { "linux_must_be_an_object", false, "'linux':'yes'", "config.json: linux: expected object, got string" },
  { "unknown_namespace_names_path_and_value", false,
    "'linux':{'namespaces':[{'type':'pid'},{'type':'mount'},{'type':'pdi'}]}",
    "config.json: linux.namespaces[2].type: unknown namespace \"pdi\"" },
  { "duplicate_namespace_is_rejected", false, "'linux':{'namespaces':[{'type':'pid'},{'type':'pid'}]}",
    "config.json: linux.namespaces[1].type: duplicate namespace \"pid\"" },
  { "namespace_without_type_is_rejected", false, "'linux':{'namespaces':[{'path':'/proc/1/ns/net'}]}",
    "config.json: linux.namespaces[0].type: required" },
  { "namespace_path_must_be_absolute", false, "'linux':{'namespaces':[{'type':'network','path':'ns/net'}]}",
    "config.json: linux.namespaces[0].path: must be an absolute path" },
  { "negative_host_id_is_rejected", false, "'linux':{'uidMappings':[{'containerID':0,'hostID':-5,'size':1}]}",
    "config.json: linux.uidMappings[0].hostID: expected non-negative integer, got -5" },
  { "gid_mappings_must_be_an_array", false, "'linux':{'gidMappings':{}}",
    "config.json: linux.gidMappings: expected array, got object" },
  { "unknown_device_type_is_named", false, "'linux':{'devices':[{'type':'x','path':'/dev/x'}]}",
    "config.json: linux.devices[0].type: unknown device type \"x\"" },
  { "char_device_needs_major", false, "'linux':{'devices':[{'type':'c','path':'/dev/x','minor':1}]}",
    "config.json: linux.devices[0].major: required for device type \"c\"" },
  { "device_path_must_be_absolute", false,
    "'linux':{'devices':[{'type':'c','path':'dev/x','major':1,'minor':1}]}",
    "config.json: linux.devices[0].path: must be an absolute path" },
  { "device_file_mode_must_be_integer", false,
    "'linux':{'devices':[{'type':'c','path':'/dev/x','major':1,'minor':1,'fileMode':'0666'}]}",
    "config.json: linux.devices[0].fileMode: expected integer, got string" },
  { "unknown_rootfs_propagation_is_named", false, "'linux':{'rootfsPropagation':'sideways'}",
    "config.json: linux.rootfsPropagation: unknown rootfs propagation \"sideways\"" },
  { "net_device_name_must_be_string", false, "'linux':{'netDevices':{'eth0':{'name':23}}}",
    "config.json: linux.netDevices.eth0.name: expected string, got number" },
  { "time_offset_nanosecs_below_one_second", false,
    "'linux':{'timeOffsets':{'monotonic':{'secs':1,'nanosecs':1000000000}}}",
    "config.json: linux.timeOffsets.monotonic.nanosecs: 1000000000 out of range (max 999999999)" },
  { "unknown_personality_domain_is_named", false, "'linux':{'personality':{'domain':'LINUX64'}}",
    "config.json: linux.personality.domain: unknown personality domain \"LINUX64\"" },
  { "sysctl_values_must_be_strings", false, "'linux':{'sysctl':{'net.ipv4.ip_forward':1}}",
    "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: expected string, got number" },
  { "masked_paths_must_be_strings", false, "'linux':{'maskedPaths':[{}]}",
    "config.json: linux.maskedPaths[0]: expected string, got object" },
  { "readonly_paths_must_be_an_array", false, "'linux':{'readonlyPaths':'/proc'}",
    "config.json: linux.readonlyPaths: expected array of strings, got string" },
  { "intel_rdt_must_be_an_object", false, "'linux':{'intelRdt':[]}",
    "config.json: linux.intelRdt: expected object, got array" },
  /* linux.resources */
  { "memory_limit_must_be_integer", false, "'linux':{'resources':{'memory':{'limit':'1G'}}}",
    "config.json: linux.resources.memory.limit: expected integer, got string" },
  { "memory_limit_above_int64_is_out_of_range", false,
    "'linux':{'resources':{'memory':{'limit':18446744073709551615}}}",
    "config.json: linux.resources.memory.limit: 18446744073709551615 out of range" },
  { "swappiness_above_100_is_rejected", false, "'linux':{'resources':{'memory':{'swappiness':101}}}",
    "config.json: linux.resources.memory.swappiness: 101 out of range (max 100)" },
  { "pids_needs_limit", false, "'linux':{'resources':{'pids':{}}}",
    "config.json: linux.resources.pids.limit: required" },
  { "cpu_shares_must_not_be_negative", false, "'linux':{'resources':{'cpu':{'shares':-2}}}",
    "config.json: linux.resources.cpu.shares: expected non-negative integer, got -2" },
  { "device_cgroup_needs_allow", false, "'linux':{'resources':{'devices':[{'access':'rwm'}]}}",
    "config.json: linux.resources.devices[0].allow: required" },
  { "device_cgroup_access_is_a_subset_of_rwm", false,
    "'linux':{'resources':{'devices':[{'allow':true,'access':'rwx'}]}}",
    "config.json: linux.resources.devices[0].access: invalid access \"rwx\"" },
  { "device_cgroup_type_is_a_c_or_b", false, "'linux':{'resources':{'devices':[{'allow':true,'type':'p'}]}}",
    "config.json: linux.resources.devices[0].type: unknown device type \"p\"" },
  { "blkio_weight_above_uint16_is_out_of_range", false, "'linux':{'resources':{'blockIO':{'weight':70000}}}",
    "config.json: linux.resources.blockIO.weight: 70000 out of range (max 65535)" },
  { "blkio_throttle_needs_major", false,
    "'linux':{'resources':{'blockIO':{'throttleReadBpsDevice':[{'minor':0,'rate':1}]}}}",
    "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].major: required" },
  { "hugepage_size_must_match_pattern", false,
    "'linux':{'resources':{'hugepageLimits':[{'pageSize':'64kB','limit':1}]}}",
    "config.json: linux.resources.hugepageLimits[0].pageSize: invalid page size \"64kB\"" },
  { "network_priority_needs_name", false, "'linux':{'resources':{'network':{'priorities':[{'priority':1}]}}}",
    "config.json: linux.resources.network.priorities[0].name: required" },
  { "rdma_handles_must_be_integer", false, "'linux':{'resources':{'rdma':{'mlx5_1':{'hcaHandles':'3'}}}}",
    "config.json: linux.resources.rdma.mlx5_1.hcaHandles: expected integer, got string" },
  { "unified_values_must_be_strings", false, "'linux':{'resources':{'unified':{'memory.high':1}}}",
    "config.json: linux.resources.unified[\"memory.high\"]: expected string, got number" },
  /* linux.seccomp */
  { "seccomp_needs_default_action", false, "'linux':{'seccomp':{}}",
    "config.json: linux.seccomp.defaultAction: required" },
  { "unknown_seccomp_action_is_named", false,
    "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_"
    "MAYBE'}]}}",
    "config.json: linux.seccomp.syscalls[0].action: unknown seccomp action \"SCMP_ACT_MAYBE\"" },
  { "unknown_seccomp_arch_is_named", false,
    "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_"
    "Z80']}}",
    "config.json: linux.seccomp.architectures[1]: unknown seccomp architecture \"SCMP_ARCH_Z80\"" },
  { "unknown_seccomp_flag_is_named", false,
    "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_FOO']}}",
    "config.json: linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_FOO\"" },
  { "unknown_seccomp_operator_is_named", false,
    "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_"
    "ERRNO','args':[{'index':0,'value':1,'op':'SCMP_CMP_XX'}]}]}}",
    "config.json: linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_XX\"" },
  { "seccomp_arg_index_above_5_is_rejected", false,
    "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_"
    "ERRNO','args':[{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]}]}}",
    "config.json: linux.seccomp.syscalls[0].args[0].index: 6 out of range (max 5)" },
  { "seccomp_rule_names_must_not_be_empty", false,
    "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':[],'action':'SCMP_ACT_ERRNO'}]"
    "}}",
    "config.json: linux.seccomp.syscalls[0].names: must not be empty" },
  { "seccomp_rule_needs_names", false,
    "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'action':'SCMP_ACT_ERRNO'}]}}",
    "config.json: linux.seccomp.syscalls[0].names: required" },
  { "seccomp_errno_ret_must_not_be_negative", false,
    "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':-1}}",
    "config.json: linux.seccomp.defaultErrnoRet: expected non-negative integer, got -1" },
};

static void
test_bad_case (void **state)
{
  const struct bad_case *bc = *state;
  char *text = bc->raw ? json_of (bc->json) : doc (bc->json);
  struct carrel_spec *spec = (struct carrel_spec *)0x1; /* untouched on failure */
  struct carrel_error err = { 0 };
  int rc = carrel_spec_parse (text, strlen (text), "config.json", &spec, &err);
  free (text);
  if (rc == 0)
    {
      carrel_spec_free (spec);
      fail_msg ("%s: parsed, expected an error containing '%s'", bc->name, bc->expect);
    }
  assert_ptr_equal (spec, (struct carrel_spec *)0x1);
  assert_int_equal (err.errno_value, 0);
  if (strstr (err.msg, bc->expect) == NULL)
    fail_msg ("%s:\n  got      '%s'\n  expected '%s'", bc->name, err.msg, bc->expect);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Field groups. */

static void
process_fields_are_parsed (void **state)
{
  struct carrel_spec *spec = parse_ok (
      "'process':{'terminal':true,'consoleSize':{'height':24,'width':80},'cwd':'/work',"
      "'env':['A=1','B=2'],'args':['sh','-c','true'],'commandLine':'sh -c true',"
      "'apparmorProfile':'prof','selinuxLabel':'lbl','noNewPrivileges':true,'oomScoreAdj':-500,"
      "'scheduler':{'policy':'SCHED_DEADLINE','nice':-5,'priority':3,'flags':['SCHED_FLAG_RESET_ON_"
      "FORK','SCHED_FLAG_RECLAIM'],'runtime':100,'deadline':200,'period':300},"
      "'ioPriority':{'class':'IOPRIO_CLASS_RT','priority':2},"
      "'execCPUAffinity':{'initial':'0-1, 3','final':'2'}}");
  const struct carrel_process *p = &spec->process;
  assert_true (spec->has_process);
  assert_true (p->terminal);
  assert_true (p->has_console_size);
  assert_int_equal (p->console_height, 24);
  assert_int_equal (p->console_width, 80);
  assert_string_equal (p->cwd, "/work");
  assert_int_equal (p->n_env, 2);
  assert_string_equal (p->env[1], "B=2");
  assert_int_equal (p->n_args, 3);
  assert_string_equal (p->args[2], "true");
  assert_string_equal (p->command_line, "sh -c true");
  assert_string_equal (p->apparmor_profile, "prof");
  assert_string_equal (p->selinux_label, "lbl");
  assert_true (p->no_new_privileges);
  assert_true (p->has_oom_score_adj);
  assert_int_equal (p->oom_score_adj, -500);
  assert_true (p->has_scheduler);
  assert_string_equal (p->scheduler.policy, "SCHED_DEADLINE");
  assert_int_equal (p->scheduler.policy_value, 6);
  assert_true (p->scheduler.has_nice);
  assert_int_equal (p->scheduler.nice, -5);
  assert_true (p->scheduler.has_priority);
  assert_int_equal (p->scheduler.priority, 3);
  assert_int_equal (p->scheduler.n_flags, 2);
  assert_string_equal (p->scheduler.flags[1], "SCHED_FLAG_RECLAIM");
  assert_int_equal (p->scheduler.flags_value, 0x03);
  assert_int_equal (p->scheduler.runtime, 100);
  assert_int_equal (p->scheduler.deadline, 200);
  assert_int_equal (p->scheduler.period, 300);
  assert_true (p->has_io_priority);
  assert_string_equal (p->io_priority.class_name, "IOPRIO_CLASS_RT");
  assert_int_equal (p->io_priority.class_value, 1);
  assert_int_equal (p->io_priority.priority, 2);
  assert_string_equal (p->exec_cpu_affinity_initial, "0-1, 3");
  assert_string_equal (p->exec_cpu_affinity_final, "2");
  assert_false (p->has_capabilities);
  carrel_spec_free (spec);
}

static void
user_fields_are_parsed (void **state)
{
  struct carrel_spec *spec = parse_ok ("'process':{'cwd':'/','user':{'uid':1000,'gid':4294967295,'umask':18,"
                                       "'additionalGids':[5,6,7],'username':'alice'}}");
  const struct carrel_user *u = &spec->process.user;
  assert_int_equal (u->uid, 1000);
  assert_int_equal (u->gid, 4294967295u);
  assert_true (u->has_umask);
  assert_int_equal (u->umask, 022);
  assert_int_equal (u->n_additional_gids, 3);
  assert_int_equal (u->additional_gids[2], 7);
  assert_string_equal (u->username, "alice");
  carrel_spec_free (spec);
}

static void
rlimits_accept_uint64_max (void **state)
{
  struct carrel_spec *spec
      = parse_ok ("'process':{'cwd':'/','rlimits':[{'type':'RLIMIT_NOFILE','soft':1024,'hard':4096},"
                  "{'type':'RLIMIT_CORE','soft':18446744073709551615,'hard':18446744073709551615},"
                  "{'type':'RLIMIT_MEMLOCK','soft':9223372036854775808,'hard':18446744073709551615}]}");
  const struct carrel_process *p = &spec->process;
  assert_int_equal (p->n_rlimits, 3);
  assert_int_equal (p->rlimits[0].resource, RLIMIT_NOFILE);
  assert_string_equal (p->rlimits[0].type, "RLIMIT_NOFILE");
  assert_int_equal (p->rlimits[0].soft, 1024);
  assert_int_equal (p->rlimits[0].hard, 4096);
  assert_int_equal (p->rlimits[1].resource, RLIMIT_CORE);
  assert_true (p->rlimits[1].soft == UINT64_MAX);
  assert_true (p->rlimits[1].hard == UINT64_MAX);
  assert_true (p->rlimits[2].soft == 9223372036854775808ull);
  carrel_spec_free (spec);
}

static void
capabilities_are_numbers_from_the_table (void **state)
{
  struct carrel_spec *spec
      = parse_ok ("'process':{'cwd':'/','capabilities':{'bounding':['CAP_CHOWN','CAP_CHECKPOINT_RESTORE'],"
                  "'effective':['CAP_KILL'],'inheritable':[],'permitted':['CAP_SYS_ADMIN','CAP_BPF'],"
                  "'ambient':['CAP_NET_BIND_SERVICE']}}");
  const struct carrel_capabilities *c = &spec->process.capabilities;
  assert_true (spec->process.has_capabilities);
  assert_int_equal (c->n_bounding, 2);
  assert_int_equal (c->bounding[0], 0);
  assert_int_equal (c->bounding[1], 40);
  assert_int_equal (c->n_effective, 1);
  assert_int_equal (c->effective[0], 5);
  assert_int_equal (c->n_inheritable, 0);
  assert_int_equal (c->n_permitted, 2);
  assert_int_equal (c->permitted[0], 21);
  assert_int_equal (c->permitted[1], 39);
  assert_int_equal (c->n_ambient, 1);
  assert_int_equal (c->ambient[0], 10);
  carrel_spec_free (spec);
}

static void
mounts_keep_options_and_idmaps (void **state)
{
  struct carrel_spec *spec = parse_ok (
      "'mounts':[{'destination':'/proc','type':'proc','source':'proc'},"
      "{'destination':'/data','type':'bind','source':'/srv/data','options':['rbind','ro','idmap','size=64k'],"
      "'uidMappings':[{'containerID':0,'hostID':100000,'size':65536}],"
      "'gidMappings':[{'containerID':0,'hostID':200000,'size':1000},{'containerID':1000,'hostID':1000,'size':"
      "1}]},"
      "{'destination':'/tmp'}]");
  assert_int_equal (spec->n_mounts, 3);
  assert_string_equal (spec->mounts[0].destination, "/proc");
  assert_string_equal (spec->mounts[0].type, "proc");
  assert_string_equal (spec->mounts[0].source, "proc");
  assert_int_equal (spec->mounts[0].n_options, 0);
  const struct carrel_mount *m = &spec->mounts[1];
  assert_int_equal (m->n_options, 4);
  assert_string_equal (m->options[0], "rbind");
  assert_string_equal (m->options[3], "size=64k");
  assert_int_equal (m->n_uid_mappings, 1);
  assert_int_equal (m->uid_mappings[0].host_id, 100000);
  assert_int_equal (m->uid_mappings[0].size, 65536);
  assert_int_equal (m->n_gid_mappings, 2);
  assert_int_equal (m->gid_mappings[1].container_id, 1000);
  assert_null (spec->mounts[2].type);
  assert_null (spec->mounts[2].source);
  carrel_spec_free (spec);
}

static void
hooks_of_every_kind_are_parsed (void **state)
{
  struct carrel_spec *spec
      = parse_ok ("'hooks':{'prestart':[{'path':'/a'}],'createRuntime':[{'path':'/b','args':['b','1']}],"
                  "'createContainer':[{'path':'/c','env':['X=1']}],'startContainer':[{'path':'/d'}],"
                  "'poststart':[{'path':'/e','timeout':5}],'poststop':[{'path':'/f'},{'path':'/g'}]}");
  const char *first[] = { "/a", "/b", "/c", "/d", "/e", "/f" };
  for (int k = 0; k < CARREL_N_HOOK_KINDS; k++)
    {
      assert_true (spec->n_hooks[k] >= 1);
      assert_string_equal (spec->hooks[k][0].path, first[k]);
    }
  assert_int_equal (spec->hooks[CARREL_HOOK_CREATE_RUNTIME][0].n_args, 2);
  assert_string_equal (spec->hooks[CARREL_HOOK_CREATE_RUNTIME][0].args[1], "1");
  assert_string_equal (spec->hooks[CARREL_HOOK_CREATE_CONTAINER][0].env[0], "X=1");
  assert_true (spec->hooks[CARREL_HOOK_POSTSTART][0].has_timeout);
  assert_int_equal (spec->hooks[CARREL_HOOK_POSTSTART][0].timeout, 5);
  assert_false (spec->hooks[CARREL_HOOK_PRESTART][0].has_timeout);
  assert_int_equal (spec->n_hooks[CARREL_HOOK_POSTSTOP], 2);
  carrel_spec_free (spec);
}

static void
namespaces_with_path_are_found_by_flag (void **state)
{
  struct carrel_spec *spec
      = parse_ok ("'linux':{'namespaces':[{'type':'pid'},{'type':'network','path':'/var/run/netns/x'},"
                  "{'type':'mount'},{'type':'ipc'},{'type':'uts'},{'type':'user'},{'type':'cgroup'},"
                  "{'type':'time'}]}");
  assert_true (spec->has_linux);
  assert_int_equal (spec->linux_.n_namespaces, 8);
  const struct carrel_namespace *net = carrel_spec_namespace (spec, CLONE_NEWNET);
  assert_non_null (net);
  assert_string_equal (net->type, "network");
  assert_string_equal (net->path, "/var/run/netns/x");
  const struct carrel_namespace *pid = carrel_spec_namespace (spec, CLONE_NEWPID);
  assert_non_null (pid);
  assert_null (pid->path);
  assert_non_null (carrel_spec_namespace (spec, CLONE_NEWNS));
  assert_non_null (carrel_spec_namespace (spec, 0x00000080 /* CLONE_NEWTIME */));
  carrel_spec_free (spec);

  spec = parse_ok ("'linux':{'namespaces':[{'type':'mount'}]}");
  assert_null (carrel_spec_namespace (spec, CLONE_NEWPID));
  carrel_spec_free (spec);
}

static void
id_mappings_and_time_offsets_are_parsed (void **state)
{
  struct carrel_spec *spec = parse_ok (
      "'linux':{'uidMappings':[{'containerID':0,'hostID':1000,'size':1},{'containerID':1,'hostID':100000,"
      "'size':65536}],'gidMappings':[{'containerID':0,'hostID':1000,'size':32000}],"
      "'timeOffsets':{'monotonic':{'secs':-172800,'nanosecs':5},'boottime':{'secs':604800}}}");
  const struct carrel_linux *l = &spec->linux_;
  assert_int_equal (l->n_uid_mappings, 2);
  assert_int_equal (l->uid_mappings[1].container_id, 1);
  assert_int_equal (l->uid_mappings[1].host_id, 100000);
  assert_int_equal (l->uid_mappings[1].size, 65536);
  assert_int_equal (l->n_gid_mappings, 1);
  assert_int_equal (l->gid_mappings[0].size, 32000);
  assert_true (l->time_monotonic.present);
  assert_int_equal (l->time_monotonic.secs, -172800);
  assert_int_equal (l->time_monotonic.nanosecs, 5);
  assert_true (l->time_boottime.present);
  assert_int_equal (l->time_boottime.secs, 604800);
  carrel_spec_free (spec);
}

static void
devices_and_net_devices_are_parsed (void **state)
{
  struct carrel_spec *spec
      = parse_ok ("'linux':{'devices':[{'type':'c','path':'/dev/fuse','major':10,'minor':229,'fileMode':438,"
                  "'uid':0,'gid':5},{'type':'p','path':'/dev/fifo'}],"
                  "'netDevices':{'eth0':{'name':'ceth0'},'ens4':{}}}");
  const struct carrel_linux *l = &spec->linux_;
  assert_int_equal (l->n_devices, 2);
  assert_int_equal (l->devices[0].type, 'c');
  assert_string_equal (l->devices[0].path, "/dev/fuse");
  assert_int_equal (l->devices[0].major, 10);
  assert_int_equal (l->devices[0].minor, 229);
  assert_true (l->devices[0].has_file_mode);
  assert_int_equal (l->devices[0].file_mode, 0666);
  assert_true (l->devices[0].has_uid);
  assert_true (l->devices[0].has_gid);
  assert_int_equal (l->devices[0].gid, 5);
  assert_int_equal (l->devices[1].type, 'p');
  assert_false (l->devices[1].has_file_mode);
  assert_int_equal (l->n_net_devices, 2);
  assert_string_equal (l->net_devices[0].host_name, "eth0");
  assert_string_equal (l->net_devices[0].name, "ceth0");
  assert_string_equal (l->net_devices[1].host_name, "ens4");
  assert_null (l->net_devices[1].name);
  carrel_spec_free (spec);
}

static void
resources_of_each_kind_are_parsed (void **state)
{
  struct carrel_spec *spec = parse_ok (
      "'linux':{'resources':{"
      "'devices':[{'allow':false,'access':'rwm'},{'allow':true,'type':'c','major':10,'minor':229,'access':'"
      "rw'}],"
      "'memory':{'limit':536870912,'reservation':1,'swap':-1,'kernel':-1,'kernelTCP':2,'swappiness':60,"
      "'disableOOMKiller':true,'useHierarchy':false,'checkBeforeUpdate':true},"
      "'cpu':{'shares':1024,'quota':-1,'burst':3,'period':100000,'realtimeRuntime':950000,"
      "'realtimePeriod':1000000,'cpus':'2-3','mems':'0','idle':1},"
      "'pids':{'limit':-1},"
      "'blockIO':{'weight':10,'leafWeight':20,'weightDevice':[{'major':8,'minor':0,'weight':500,'leafWeight':"
      "300},"
      "{'major':8,'minor':16,'weight':5}],'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':600}],"
      "'throttleWriteBpsDevice':[{'major':8,'minor':1,'rate':18446744073709551615}],"
      "'throttleReadIOPSDevice':[{'major':8,'minor':2,'rate':7}],"
      "'throttleWriteIOPSDevice':[{'major':8,'minor':16,'rate':300}]},"
      "'hugepageLimits':[{'pageSize':'2MB','limit':9223372036854772000},{'pageSize':'1GB','limit':0}],"
      "'network':{'classID':1048577,'priorities':[{'name':'eth0','priority':500}]},"
      "'rdma':{'mlx5_1':{'hcaHandles':3,'hcaObjects':10000},'rxe3':{'hcaObjects':1}},"
      "'unified':{'memory.high':'max','io.weight':'100'}}}");
  const struct carrel_resources *r = &spec->linux_.resources;
  assert_true (spec->linux_.has_resources);
  assert_int_equal (r->n_devices, 2);
  assert_false (r->devices[0].allow);
  assert_int_equal (r->devices[0].type, 'a');
  assert_false (r->devices[0].has_major);
  assert_int_equal (r->devices[0].major, -1);
  assert_int_equal (r->devices[0].minor, -1);
  assert_string_equal (r->devices[0].access, "rwm");
  assert_true (r->devices[1].allow);
  assert_int_equal (r->devices[1].type, 'c');
  assert_true (r->devices[1].has_minor);
  assert_int_equal (r->devices[1].minor, 229);

  assert_true (r->has_memory);
  assert_true (r->memory.has_limit);
  assert_int_equal (r->memory.limit, 536870912);
  assert_true (r->memory.has_swap);
  assert_int_equal (r->memory.swap, -1);
  assert_int_equal (r->memory.kernel, -1);
  assert_int_equal (r->memory.kernel_tcp, 2);
  assert_true (r->memory.has_swappiness);
  assert_int_equal (r->memory.swappiness, 60);
  assert_true (r->memory.has_disable_oom_killer);
  assert_true (r->memory.disable_oom_killer);
  assert_true (r->memory.has_use_hierarchy);
  assert_false (r->memory.use_hierarchy);
  assert_true (r->memory.check_before_update);

  assert_true (r->has_cpu);
  assert_int_equal (r->cpu.shares, 1024);
  assert_int_equal (r->cpu.quota, -1);
  assert_int_equal (r->cpu.burst, 3);
  assert_int_equal (r->cpu.period, 100000);
  assert_int_equal (r->cpu.realtime_runtime, 950000);
  assert_int_equal (r->cpu.realtime_period, 1000000);
  assert_string_equal (r->cpu.cpus, "2-3");
  assert_string_equal (r->cpu.mems, "0");
  assert_true (r->cpu.has_idle);
  assert_int_equal (r->cpu.idle, 1);

  assert_true (r->has_pids);
  assert_int_equal (r->pids_limit, -1);

  assert_true (r->has_blkio);
  assert_int_equal (r->blkio.weight, 10);
  assert_int_equal (r->blkio.leaf_weight, 20);
  assert_int_equal (r->blkio.n_weight_device, 2);
  assert_true (r->blkio.weight_device[0].has_leaf_weight);
  assert_int_equal (r->blkio.weight_device[0].leaf_weight, 300);
  assert_false (r->blkio.weight_device[1].has_leaf_weight);
  assert_int_equal (r->blkio.weight_device[1].minor, 16);
  assert_int_equal (r->blkio.n_throttle_read_bps, 1);
  assert_int_equal (r->blkio.throttle_read_bps[0].rate, 600);
  assert_true (r->blkio.throttle_write_bps[0].rate == UINT64_MAX);
  assert_int_equal (r->blkio.throttle_read_iops[0].minor, 2);
  assert_int_equal (r->blkio.throttle_write_iops[0].rate, 300);

  assert_int_equal (r->n_hugepage_limits, 2);
  assert_string_equal (r->hugepage_limits[0].page_size, "2MB");
  assert_true (r->hugepage_limits[0].limit == 9223372036854772000ull);
  assert_string_equal (r->hugepage_limits[1].page_size, "1GB");

  assert_true (r->has_network);
  assert_true (r->has_class_id);
  assert_int_equal (r->class_id, 1048577);
  assert_int_equal (r->n_net_priorities, 1);
  assert_string_equal (r->net_priorities[0].name, "eth0");
  assert_int_equal (r->net_priorities[0].priority, 500);

  assert_int_equal (r->n_rdma, 2);
  assert_string_equal (r->rdma[0].device, "mlx5_1");
  assert_true (r->rdma[0].has_hca_handles);
  assert_int_equal (r->rdma[0].hca_handles, 3);
  assert_false (r->rdma[1].has_hca_handles);
  assert_int_equal (r->rdma[1].hca_objects, 1);

  assert_int_equal (r->n_unified, 2);
  assert_string_equal (r->unified[0].key, "memory.high");
  assert_string_equal (r->unified[0].value, "max");
  assert_string_equal (r->unified[1].key, "io.weight");
  carrel_spec_free (spec);
}

static void
seccomp_full_object_is_parsed (void **state)
{
  struct carrel_spec *spec = parse_ok (
      "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':38,"
      "'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86','SCMP_ARCH_AARCH64'],"
      "'flags':['SECCOMP_FILTER_FLAG_LOG','SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],"
      "'listenerPath':'/run/seccomp.sock','listenerMetadata':'meta',"
      "'syscalls':[{'names':['read','write'],'action':'SCMP_ACT_ALLOW'},"
      "{'names':['personality'],'action':'SCMP_ACT_ERRNO','errnoRet':1,'args':[{'index':0,"
      "'value':4294967295,'op':'SCMP_CMP_EQ'},{'index':1,'value':18446744073709551615,'valueTwo':8,"
      "'op':'SCMP_CMP_MASKED_EQ'}]},{'names':['mkdir'],'action':'SCMP_ACT_NOTIFY'}]}}");
  const struct carrel_seccomp *s = &spec->linux_.seccomp;
  assert_true (spec->linux_.has_seccomp);
  assert_int_equal (s->default_action, 4);
  assert_true (s->has_default_errno_ret);
  assert_int_equal (s->default_errno_ret, 38);
  assert_int_equal (s->n_architectures, 3);
  assert_int_equal (s->architectures[0], 0xc000003e); /* AUDIT_ARCH_X86_64 */
  assert_int_equal (s->architectures[1], 0x40000003); /* AUDIT_ARCH_I386 */
  assert_int_equal (s->n_flags, 2);
  assert_int_equal (s->flags[0], 2);
  assert_int_equal (s->flags[1], 32);
  assert_string_equal (s->listener_path, "/run/seccomp.sock");
  assert_string_equal (s->listener_metadata, "meta");
  assert_int_equal (s->n_syscalls, 3);
  assert_int_equal (s->syscalls[0].n_names, 2);
  assert_string_equal (s->syscalls[0].names[1], "write");
  assert_int_equal (s->syscalls[0].action, 6);
  assert_false (s->syscalls[0].has_errno_ret);
  const struct carrel_seccomp_rule *r = &s->syscalls[1];
  assert_true (r->has_errno_ret);
  assert_int_equal (r->errno_ret, 1);
  assert_int_equal (r->n_args, 2);
  assert_int_equal (r->args[0].index, 0);
  assert_int_equal (r->args[0].value, 4294967295u);
  assert_int_equal (r->args[0].op, 4);
  assert_int_equal (r->args[1].index, 1);
  assert_true (r->args[1].value == UINT64_MAX);
  assert_int_equal (r->args[1].value_two, 8);
  assert_int_equal (r->args[1].op, 7);
  assert_int_equal (s->syscalls[2].action, 8);
  carrel_spec_free (spec);
}

static void
sysctl_and_masked_readonly_paths_are_parsed (void **state)
{
  struct carrel_spec *spec
      = parse_ok ("'linux':{'sysctl':{'net.ipv4.ip_forward':'1','kernel.shmmax':'4096'},"
                  "'maskedPaths':['/proc/kcore','/proc/keys'],'readonlyPaths':['/proc/sys'],"
                  "'cgroupsPath':'/my/cg','mountLabel':'system_u:object_r:x:s0'}");
  const struct carrel_linux *l = &spec->linux_;
  assert_int_equal (l->n_sysctl, 2);
  assert_string_equal (l->sysctl[0].key, "net.ipv4.ip_forward");
  assert_string_equal (l->sysctl[0].value, "1");
  assert_string_equal (l->sysctl[1].key, "kernel.shmmax");
  assert_int_equal (l->n_masked_paths, 2);
  assert_string_equal (l->masked_paths[1], "/proc/keys");
  assert_int_equal (l->n_readonly_paths, 1);
  assert_string_equal (l->readonly_paths[0], "/proc/sys");
  assert_string_equal (l->cgroups_path, "/my/cg");
  assert_string_equal (l->mount_label, "system_u:object_r:x:s0");
  carrel_spec_free (spec);
}

static void
annotations_are_looked_up_by_key (void **state)
{
  struct carrel_spec *spec
      = parse_ok ("'annotations':{'com.example.key1':'value1','org.x':''},'hostname':'h',"
                  "'domainname':'d.test'");
  assert_int_equal (spec->n_annotations, 2);
  assert_string_equal (carrel_spec_annotation (spec, "com.example.key1"), "value1");
  assert_string_equal (carrel_spec_annotation (spec, "org.x"), "");
  assert_null (carrel_spec_annotation (spec, "missing"));
  assert_string_equal (spec->hostname, "h");
  assert_string_equal (spec->domainname, "d.test");
  carrel_spec_free (spec);
}

static void
rootfs_propagation_becomes_recursive_flags (void **state)
{
  static const struct
  {
    const char *name;
    unsigned long flags;
  } cases[] = {
    { "private", MS_PRIVATE | MS_REC }, { "shared", MS_SHARED | MS_REC },
    { "slave", MS_SLAVE | MS_REC },     { "unbindable", MS_UNBINDABLE | MS_REC },
    { "rslave", MS_SLAVE | MS_REC },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      char members[128];
      snprintf (members, sizeof members, "'linux':{'rootfsPropagation':'%s'}", cases[i].name);
      struct carrel_spec *spec = parse_ok (members);
      assert_string_equal (spec->linux_.rootfs_propagation, cases[i].name);
      assert_int_equal (spec->linux_.rootfs_propagation_flags, cases[i].flags);
      carrel_spec_free (spec);
    }
  struct carrel_spec *spec = parse_ok ("'linux':{}");
  assert_null (spec->linux_.rootfs_propagation);
  assert_int_equal (spec->linux_.rootfs_propagation_flags, 0);
  carrel_spec_free (spec);
}

static void
unsupported_properties_only_set_flags (void **state)
{
  struct carrel_spec *spec
      = parse_ok ("'linux':{'intelRdt':{'closID':'x'},'memoryPolicy':{'mode':'MPOL_BIND'},"
                  "'personality':{'domain':'LINUX32','flags':['x']}}");
  assert_true (spec->linux_.has_intel_rdt);
  assert_true (spec->linux_.has_memory_policy);
  assert_true (spec->linux_.has_personality);
  assert_string_equal (spec->linux_.personality_domain, "LINUX32");
  carrel_spec_free (spec);

  spec = parse_ok ("'linux':{}");
  assert_false (spec->linux_.has_intel_rdt);
  assert_false (spec->linux_.has_memory_policy);
  assert_false (spec->linux_.has_personality);
  carrel_spec_free (spec);
}

static void
unknown_properties_and_other_platforms_are_ignored (void **state)
{
  struct carrel_spec *spec = parse_ok (
      "'whatever':[1,2],'windows':{'layerFolders':3},'solaris':1,'vm':{},'zos':{},'freebsd':{},"
      "'process':{'cwd':'/','unknown':{'x':1}},'linux':{'resources':{'oomScoreAdj':100},'future':1}");
  assert_true (spec->has_process);
  assert_true (spec->linux_.has_resources);
  carrel_spec_free (spec);
}

static void
null_members_count_as_absent (void **state)
{
  struct carrel_spec *spec = parse_ok ("'process':{'cwd':'/','args':null,'env':null,'user':null},"
                                       "'mounts':null,'hooks':null,'linux':{'namespaces':null}");
  assert_int_equal (spec->process.n_args, 0);
  assert_null (spec->process.args);
  assert_int_equal (spec->n_mounts, 0);
  assert_int_equal (spec->linux_.n_namespaces, 0);
  carrel_spec_free (spec);
}

static void
minimal_config_has_no_process_or_linux (void **state)
{
  struct carrel_spec *spec = parse_ok ("");
  assert_string_equal (spec->oci_version, "1.0.0");
  assert_string_equal (spec->root_path, "rootfs");
  assert_false (spec->root_readonly);
  assert_false (spec->has_process);
  assert_false (spec->has_linux);
  carrel_spec_free (spec);
}

static void
process_json_paths_have_no_prefix (void **state)
{
  struct carrel_process *p = NULL;
  struct carrel_error err = { 0 };
  const char *good = "{\"cwd\":\"/\",\"args\":[\"ls\"],\"env\":[\"A=b\"],\"user\":{\"uid\":5}}";
  assert_int_equal (carrel_process_parse (good, strlen (good), "process.json", &p, &err), 0);
  assert_string_equal (p->args[0], "ls");
  assert_int_equal (p->user.uid, 5);
  carrel_process_free (p);

  p = NULL;
  const char *bad = "{\"cwd\":\"/\",\"args\":[\"ls\", 4]}";
  assert_int_equal (carrel_process_parse (bad, strlen (bad), "process.json", &p, &err), -1);
  assert_null (p);
  assert_string_equal (err.msg, "process.json: args[1]: expected string, got number");
}

static void
resources_json_is_parsed_alone (void **state)
{
  struct carrel_resources *r = NULL;
  struct carrel_error err = { 0 };
  const char *good = "{\"memory\":{\"limit\":1048576},\"pids\":{\"limit\":10}}";
  assert_int_equal (carrel_resources_parse (good, strlen (good), "resources.json", &r, &err), 0);
  assert_int_equal (r->memory.limit, 1048576);
  assert_int_equal (r->pids_limit, 10);
  carrel_resources_free (r);

  r = NULL;
  const char *bad = "{\"cpu\":{\"quota\":\"max\"}}";
  assert_int_equal (carrel_resources_parse (bad, strlen (bad), "resources.json", &r, &err), -1);
  assert_null (r);
  assert_string_equal (err.msg, "resources.json: cpu.quota: expected integer, got string");
}

static void
load_reports_open_errors_with_errno (void **state)
{
  struct carrel_spec *spec = NULL;
  struct carrel_error err = { 0 };
  assert_int_equal (carrel_spec_load ("/nonexistent/carrel/config.json", &spec, &err), -1);
  assert_null (spec);
  assert_int_equal (err.errno_value, ENOENT);
  assert_non_null (strstr (err.msg, "open /nonexistent/carrel/config.json"));
}

static void
load_reads_a_file_and_names_it_in_errors (void **state)
{
  char path[] = "/tmp/carrel-test-spec-XXXXXX";
  int fd = mkstemp (path);
  assert_true (fd >= 0);
  const char *text = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"rootfs\"},\"hostname\":\"loaded\"}";
  assert_int_equal (write (fd, text, strlen (text)), (ssize_t)strlen (text));
  close (fd);
  struct carrel_spec *spec = NULL;
  struct carrel_error err = { 0 };
  int rc = carrel_spec_load (path, &spec, &err);
  if (rc < 0)
    print_error ("%s\n", err.msg);
  assert_int_equal (rc, 0);
  assert_string_equal (spec->hostname, "loaded");
  carrel_spec_free (spec);

  fd = open (path, O_WRONLY | O_TRUNC);
  assert_true (fd >= 0);
  assert_int_equal (write (fd, "{\"ociVersion\":2}", 16), 16);
  close (fd);
  spec = NULL;
  assert_int_equal (carrel_spec_load (path, &spec, &err), -1);
  unlink (path);
  char expect[128];
  snprintf (expect, sizeof expect, "%s: ociVersion: expected string, got number", path);
  assert_string_equal (err.msg, expect);
}

/* ---------------------------------------------------------------------------------------------------- */
/* The OCI schema fixtures (skipped without ../shared). */

static char *
read_fixture (const char *dir, const char *name, size_t *len)
{
  char path[512];
  snprintf (path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen (path, "r");
  assert_non_null (f);
  char *buf = NULL;
  size_t cap = 0;
  *len = 0;
  for (;;)
    {
      if (*len + 4096 > cap)
        buf = realloc (buf, cap = cap * 2 + 8192);
      size_t n = fread (buf + *len, 1, cap - *len, f);
      if (n == 0)
        break;
      *len += n;
    }
  fclose (f);
  return buf;
}

static bool
starts_with (const char *s, const char *prefix)
{
  return strncmp (s, prefix, strlen (prefix)) == 0;
}

static bool
is_linux_good_fixture (const char *name)
{
  return starts_with (name, "linux-") || starts_with (name, "minimal")
         || strcmp (name, "spec-example.json") == 0;
}

static bool
is_linux_bad_fixture (const char *name)
{
  return starts_with (name, "linux-") || strcmp (name, "invalid-json.json") == 0;
}

static void
good_linux_fixtures_parse (void **state)
{
  DIR *d = opendir (FIXTURES "/good");
  if (d == NULL)
    skip ();
  int n = 0;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      if (!is_linux_good_fixture (de->d_name))
        continue;
      size_t len;
      char *text = read_fixture (FIXTURES "/good", de->d_name, &len);
      struct carrel_spec *spec = NULL;
      struct carrel_error err = { 0 };
      int rc = carrel_spec_parse (text, len, de->d_name, &spec, &err);
      free (text);
      if (rc < 0)
        {
          closedir (d);
          fail_msg ("good/%s: %s", de->d_name, err.msg);
        }
      carrel_spec_free (spec);
      n++;
    }
  closedir (d);
  assert_true (n >= 3);
}

static void
bad_linux_fixtures_fail_with_a_json_path (void **state)
{
  DIR *d = opendir (FIXTURES "/bad");
  if (d == NULL)
    skip ();
  int n = 0;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      if (!is_linux_bad_fixture (de->d_name))
        continue;
      size_t len;
      char *text = read_fixture (FIXTURES "/bad", de->d_name, &len);
      struct carrel_spec *spec = NULL;
      struct carrel_error err = { 0 };
      int rc = carrel_spec_parse (text, len, "config.json", &spec, &err);
      free (text);
      if (rc == 0)
        {
          carrel_spec_free (spec);
          closedir (d);
          fail_msg ("bad/%s: parsed without error", de->d_name);
        }
      /* "config.json: linux.resources...: reason", or "config.json: line L column C: invalid JSON". */
      bool located = strncmp (err.msg, "config.json: linux.", 19) == 0
                     || (strcmp (de->d_name, "invalid-json.json") == 0
                         && strncmp (err.msg, "config.json: line 1 column", 26) == 0);
      if (!located)
        {
          closedir (d);
          fail_msg ("bad/%s: message without a JSON path: %s", de->d_name, err.msg);
        }
      n++;
    }
  closedir (d);
  assert_true (n >= 2);
}

static void
spec_example_fields_are_concrete (void **state)
{
  DIR *d = opendir (FIXTURES "/good");
  if (d == NULL)
    skip ();
  closedir (d);
  size_t len;
  char *text = read_fixture (FIXTURES "/good", "spec-example.json", &len);
  struct carrel_spec *spec = NULL;
  struct carrel_error err = { 0 };
  int rc = carrel_spec_parse (text, len, "spec-example.json", &spec, &err);
  free (text);
  if (rc < 0)
    fail_msg ("%s", err.msg);
  assert_string_equal (spec->oci_version, "0.5.0-dev");
  assert_true (spec->root_readonly);
  assert_string_equal (spec->hostname, "slartibartfast");
  assert_true (spec->process.terminal);
  assert_int_equal (spec->process.user.uid, 1);
  assert_int_equal (spec->process.user.n_additional_gids, 2);
  assert_int_equal (spec->process.n_rlimits, 2);
  assert_int_equal (spec->process.rlimits[1].resource, RLIMIT_NOFILE);
  assert_int_equal (spec->process.capabilities.n_effective, 2);
  assert_int_equal (spec->n_mounts, 7);
  assert_string_equal (spec->mounts[6].destination, "/sys/fs/cgroup");
  assert_int_equal (spec->mounts[6].n_options, 5);
  assert_int_equal (spec->n_hooks[CARREL_HOOK_PRESTART], 2);
  assert_int_equal (spec->hooks[CARREL_HOOK_POSTSTART][0].timeout, 5);
  assert_int_equal (spec->linux_.n_namespaces, 8);
  assert_int_equal (spec->linux_.rootfs_propagation_flags, MS_SLAVE | MS_REC);
  assert_int_equal (spec->linux_.resources.pids_limit, 32771);
  assert_int_equal (spec->linux_.resources.n_hugepage_limits, 2);
  assert_int_equal (spec->linux_.resources.blkio.n_weight_device, 2);
  assert_int_equal (spec->linux_.seccomp.n_syscalls, 1);
  assert_int_equal (spec->linux_.time_boottime.secs, 604800);
  assert_string_equal (carrel_spec_annotation (spec, "com.example.key2"), "value2");
  carrel_spec_free (spec);
}

int
main (void)
{
  static const struct CMUnitTest fixed[] = {
    cmocka_unit_test (process_fields_are_parsed),
    cmocka_unit_test (user_fields_are_parsed),
    cmocka_unit_test (rlimits_accept_uint64_max),
    cmocka_unit_test (capabilities_are_numbers_from_the_table),
    cmocka_unit_test (mounts_keep_options_and_idmaps),
    cmocka_unit_test (hooks_of_every_kind_are_parsed),
    cmocka_unit_test (namespaces_with_path_are_found_by_flag),
    cmocka_unit_test (id_mappings_and_time_offsets_are_parsed),
    cmocka_unit_test (devices_and_net_devices_are_parsed),
    cmocka_unit_test (resources_of_each_kind_are_parsed),
    cmocka_unit_test (seccomp_full_object_is_parsed),
    cmocka_unit_test (sysctl_and_masked_readonly_paths_are_parsed),
    cmocka_unit_test (annotations_are_looked_up_by_key),
    cmocka_unit_test (rootfs_propagation_becomes_recursive_flags),
    cmocka_unit_test (unsupported_properties_only_set_flags),
    cmocka_unit_test (unknown_properties_and_other_platforms_are_ignored),
    cmocka_unit_test (null_members_count_as_absent),
    cmocka_unit_test (minimal_config_has_no_process_or_linux),
    cmocka_unit_test (process_json_paths_have_no_prefix),
    cmocka_unit_test (resources_json_is_parsed_alone),
    cmocka_unit_test (load_reports_open_errors_with_errno),
    cmocka_unit_test (load_reads_a_file_and_names_it_in_errors),
    cmocka_unit_test (good_linux_fixtures_parse),
    cmocka_unit_test (bad_linux_fixtures_fail_with_a_json_path),
    cmocka_unit_test (spec_example_fields_are_concrete),
  };
  const size_t n_fixed = sizeof fixed / sizeof fixed[0];
  const size_t n_bad = sizeof bad_cases / sizeof bad_cases[0];
  struct CMUnitTest *tests = calloc (n_fixed + n_bad, sizeof *tests);
  memcpy (tests, fixed, sizeof fixed);
  for (size_t i = 0; i < n_bad; i++)
    tests[n_fixed + i] = (struct CMUnitTest){
      .name = bad_cases[i].name,
      .test_func = test_bad_case,
      .initial_state = (void *)&bad_cases[i],
    };
  int failed = _cmocka_run_group_tests ("test_spec", tests, n_fixed + n_bad, NULL, NULL);
  free (tests);
  return failed;
}
