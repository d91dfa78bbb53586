/* Unit tests of the pure cgroup conversions (src/cgroup_convert.c) and the device program compiler
 * (src/cgroup_bpf.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_internal.h"

static void
shares_map_to_weight_as_runc_and_crun (void **state)
{
  static const struct
  {
    uint64_t shares, weight;
  } cases[] = { { 0, 0 },     { 2, 1 },          { 1024, 39 }, { 512, 20 },
                { 2048, 79 }, { 262144, 10000 }, { 1, 1 },     { 300000, 10000 } };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    if (cg_shares_to_weight (cases[i].shares) != cases[i].weight)
      fail_msg ("shares %lu: weight %lu, expected %lu", (unsigned long)cases[i].shares,
                (unsigned long)cg_shares_to_weight (cases[i].shares), (unsigned long)cases[i].weight);
}

static void
weight_to_shares_round_trips_through_weight (void **state)
{
  for (uint64_t w = 1; w <= 10000; w++)
    if (cg_shares_to_weight (cg_weight_to_shares (w)) != w)
      fail_msg ("weight %lu -> shares %lu -> weight %lu", (unsigned long)w,
                (unsigned long)cg_weight_to_shares (w),
                (unsigned long)cg_shares_to_weight (cg_weight_to_shares (w)));
  assert_int_equal (cg_weight_to_shares (0), 0);
}

static void
blkio_weight_maps_onto_io_weight (void **state)
{
  assert_int_equal (cg_blkio_to_io_weight (0), 0);
  assert_int_equal (cg_blkio_to_io_weight (10), 1);
  assert_int_equal (cg_blkio_to_io_weight (500), 1 + 490 * 9999 / 990);
  assert_int_equal (cg_blkio_to_io_weight (1000), 10000);
}

static void
cpu_quota_and_period_make_cpu_max (void **state)
{
  char buf[64];
  cg_cpu_max_string (true, 20000, 100000, buf, sizeof buf);
  assert_string_equal (buf, "20000 100000");
  cg_cpu_max_string (true, -1, 50000, buf, sizeof buf);
  assert_string_equal (buf, "max 50000");
  cg_cpu_max_string (false, 0, 0, buf, sizeof buf);
  assert_string_equal (buf, "max 100000");
  cg_cpu_max_string (true, 5000, 0, buf, sizeof buf);
  assert_string_equal (buf, "5000 100000");
}

static void
oci_swap_maps_to_swap_max (void **state)
{
  struct carrel_error err;
  int64_t out;
  assert_int_equal (cg_swap_v2 (200, 100, &out, &err), 0);
  assert_int_equal (out, 100);
  assert_int_equal (cg_swap_v2 (100, 100, &out, &err), 0);
  assert_int_equal (out, 0);
  assert_int_equal (cg_swap_v2 (-1, 100, &out, &err), 0);
  assert_int_equal (out, -1);
  assert_int_equal (cg_swap_v2 (0, -1, &out, &err), 0); /* both unlimited */
  assert_int_equal (out, -1);
  assert_int_equal (cg_swap_v2 (0, 100, &out, &err), 0); /* unset */
  assert_int_equal (out, 0);
  assert_int_equal (cg_swap_v2 (50, 100, &out, &err), -1);
  assert_non_null (strstr (err.msg, "memory.swap"));
  assert_int_equal (cg_swap_v2 (50, -1, &out, &err), -1);
  assert_non_null (strstr (err.msg, "needs a memory limit"));

  char buf[32];
  cg_limit_string (-1, buf, sizeof buf);
  assert_string_equal (buf, "max");
  cg_limit_string (4096, buf, sizeof buf);
  assert_string_equal (buf, "4096");
}

static void
device_rules_format_for_v1 (void **state)
{
  static const struct
  {
    struct cg_dev_rule rule;
    const char *text;
  } cases[] = {
    { { false, 'a', -1, -1, CG_DEV_ALL }, "a *:* rwm" },
    { { true, 'c', 1, 3, CG_DEV_ALL }, "c 1:3 rwm" },
    { { true, 'c', 136, -1, CG_DEV_READ | CG_DEV_WRITE }, "c 136:* rw" },
    { { true, 'b', -1, -1, CG_DEV_MKNOD }, "b *:* m" },
  };
  char buf[64];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      cg_dev_rule_string (&cases[i].rule, buf, sizeof buf);
      assert_string_equal (buf, cases[i].text);
    }
  assert_int_equal (cg_dev_access_bits ("rw"), CG_DEV_READ | CG_DEV_WRITE);
  assert_int_equal (cg_dev_access_bits (NULL), CG_DEV_ALL);
  assert_int_equal (cg_dev_access_bits ("m"), CG_DEV_MKNOD);
}

static void
device_rules_get_default_allows_and_linux_devices (void **state)
{
  struct carrel_device_cgroup deny_all = { .allow = false, .type = 'a', .major = -1, .minor = -1 };
  struct carrel_resources r = { .devices = &deny_all, .n_devices = 1 };
  struct carrel_device dev = { .type = 'c', .path = "/dev/fuse", .major = 10, .minor = 229 };
  struct cg_dev_rule *rules;
  size_t n;
  char buf[64];
  cg_dev_rules_build (&r, &dev, 1, &rules, &n);
  assert_true (n > 3);
  cg_dev_rule_string (&rules[0], buf, sizeof buf);
  assert_string_equal (buf, "a *:* rwm");
  assert_false (rules[0].allow);
  cg_dev_rule_string (&rules[n - 1], buf, sizeof buf);
  assert_string_equal (buf, "c 10:229 rwm");
  assert_true (rules[n - 1].allow);
  bool null_allowed = false;
  for (size_t i = 1; i < n; i++)
    if (rules[i].allow && rules[i].type == 'c' && rules[i].major == 1 && rules[i].minor == 3)
      null_allowed = true;
  assert_true (null_allowed);
  free (rules);
}

/* Run the compiled program the way the kernel would, on one device access. */
static int
run_prog (const struct cg_bpf_insn *p, size_t len, uint32_t type, uint32_t access, uint32_t major,
          uint32_t minor)
{
  uint64_t reg[11] = { 0 };
  uint32_t ctx[3] = { (access << 16) | type, major, minor };
  for (size_t pc = 0; pc < len; pc++)
    {
      const struct cg_bpf_insn *i = &p[pc];
      int dst = i->regs & 0xf, src = i->regs >> 4;
      switch (i->code)
        {
        case BPF_LDX | BPF_MEM | BPF_W:
          assert_int_equal (src, 1);
          reg[dst] = ctx[i->off / 4];
          break;
        case BPF_ALU | BPF_AND | BPF_K:
          reg[dst] = (uint32_t)(reg[dst] & (uint32_t)i->imm);
          break;
        case BPF_ALU | BPF_RSH | BPF_K:
          reg[dst] = (uint32_t)reg[dst] >> i->imm;
          break;
        case BPF_ALU64 | BPF_MOV | BPF_X:
          reg[dst] = reg[src];
          break;
        case BPF_ALU64 | BPF_MOV | BPF_K:
          reg[dst] = (uint64_t)(int64_t)i->imm;
          break;
        case BPF_JMP | BPF_JNE | BPF_K:
          if (reg[dst] != (uint64_t)(int64_t)i->imm)
            pc += i->off;
          break;
        case BPF_JMP | BPF_JNE | BPF_X:
          if (reg[dst] != reg[src])
            pc += i->off;
          break;
        case BPF_JMP | BPF_EXIT:
          return (int)reg[0];
        default:
          fail_msg ("unexpected opcode 0x%x at %zu", i->code, pc);
        }
      assert_true (pc < len);
    }
  fail_msg ("the program ran off its end");
  return -1;
}

#define CHR BPF_DEVCG_DEV_CHAR
#define BLK BPF_DEVCG_DEV_BLOCK
#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD

static void
device_program_last_matching_rule_wins (void **state)
{
  const struct cg_dev_rule rules[] = {
    { false, 'a', -1, -1, CG_DEV_ALL },                 /* deny everything */
    { true, 'c', 1, 3, CG_DEV_ALL },                    /* /dev/null */
    { true, 'c', 10, 200, CG_DEV_READ },                /* tun, read only */
    { true, 'b', -1, -1, CG_DEV_MKNOD },                /* mknod any block device */
    { true, 'c', 136, -1, CG_DEV_READ | CG_DEV_WRITE }, /* pts */
    { false, 'c', 136, 5, CG_DEV_ALL },                 /* but not pts/5 */
  };
  static const struct
  {
    uint32_t type, access, major, minor;
    int allowed;
  } cases[] = {
    { CHR, R | W, 1, 3, 1 }, { CHR, R, 1, 5, 0 },     { CHR, R, 10, 200, 1 }, { CHR, R | W, 10, 200, 0 },
    { BLK, M, 8, 0, 1 },     { BLK, R, 8, 0, 0 },     { CHR, W, 136, 2, 1 },  { CHR, W, 136, 5, 0 },
    { CHR, M, 136, 2, 0 },   { BLK, R | W, 1, 3, 0 },
  };
  struct cg_bpf_insn *prog;
  size_t len;
  cg_bpf_compile (rules, sizeof rules / sizeof rules[0], &prog, &len);
  assert_int_equal (prog[len - 1].code, BPF_JMP | BPF_EXIT);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      int got = run_prog (prog, len, cases[i].type, cases[i].access, cases[i].major, cases[i].minor);
      if (got != cases[i].allowed)
        fail_msg ("case %zu (%s %u:%u access %u): got %d, expected %d", i, cases[i].type == CHR ? "c" : "b",
                  cases[i].major, cases[i].minor, cases[i].access, got, cases[i].allowed);
    }
  free (prog);
}

static void
device_program_without_rules_denies (void **state)
{
  struct cg_bpf_insn *prog;
  size_t len;
  cg_bpf_compile (NULL, 0, &prog, &len);
  assert_int_equal (len, 8);
  assert_int_equal (run_prog (prog, len, CHR, R, 1, 3), 0);
  free (prog);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (shares_map_to_weight_as_runc_and_crun),
    cmocka_unit_test (weight_to_shares_round_trips_through_weight),
    cmocka_unit_test (blkio_weight_maps_onto_io_weight),
    cmocka_unit_test (cpu_quota_and_period_make_cpu_max),
    cmocka_unit_test (oci_swap_maps_to_swap_max),
    cmocka_unit_test (device_rules_format_for_v1),
    cmocka_unit_test (device_rules_get_default_allows_and_linux_devices),
    cmocka_unit_test (device_program_last_matching_rule_wins),
    cmocka_unit_test (device_program_without_rules_denies),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
