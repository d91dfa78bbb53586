/* Unit tests of the seccomp rewrite (src/seccomp_compact.c): the shorter program must give every
 * syscall the verdict libseccomp's gives it. Judged here by an interpreter of this file's own,
 * over every architecture of the profile and one it does not name, syscall numbers around every
 * constant either program compares with, and arguments that meet and miss every condition. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "carrel/defaults.h"
#include "carrel/spec.h"
#include "runtime.h"
#include "seccomp_compact.h"
#include "seccomp_filter.h"
#include "util.h"

struct program
{
  struct sock_filter *code;
  size_t n;
};

/* What the kernel's classic BPF does with the instructions a seccomp filter may hold; -1 for an
 * instruction or offset outside them, -2 for a jump out of the program. */
static int64_t
interpret (const struct program *p, const uint32_t data[16], bool *read_args)
{
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
  for (size_t pc = 0; pc < p->n; pc++)
    {
      const struct sock_filter *f = &p->code[pc];
      uint32_t operand = BPF_SRC (f->code) == BPF_X ? x : f->k;
      switch (BPF_CLASS (f->code))
        {
        case BPF_LD:
          if (BPF_MODE (f->code) == BPF_IMM)
            a = f->k;
          else if (BPF_MODE (f->code) == BPF_MEM && f->k < BPF_MEMWORDS)
            a = mem[f->k];
          else if (BPF_MODE (f->code) == BPF_ABS && BPF_SIZE (f->code) == BPF_W && f->k % 4 == 0 && f->k < 64)
            {
              a = data[f->k / 4];
              if (f->k >= 8 && read_args)
                *read_args = true;
            }
          else
            return -1;
          break;
        case BPF_LDX:
          if (BPF_MODE (f->code) == BPF_IMM)
            x = f->k;
          else if (BPF_MODE (f->code) == BPF_MEM && f->k < BPF_MEMWORDS)
            x = mem[f->k];
          else
            return -1;
          break;
        case BPF_ST:
        case BPF_STX:
          if (f->k >= BPF_MEMWORDS)
            return -1;
          mem[f->k] = BPF_CLASS (f->code) == BPF_ST ? a : x;
          break;
        case BPF_ALU:
          switch (BPF_OP (f->code))
            {
            case BPF_ADD:
              a += operand;
              break;
            case BPF_SUB:
              a -= operand;
              break;
            case BPF_AND:
              a &= operand;
              break;
            case BPF_OR:
              a |= operand;
              break;
            case BPF_NEG:
              a = -a;
              break;
            default:
              return -1;
            }
          break;
        case BPF_JMP:
          if (BPF_OP (f->code) == BPF_JA)
            pc += f->k;
          else
            {
              bool taken;
              switch (BPF_OP (f->code))
                {
                case BPF_JEQ:
                  taken = a == operand;
                  break;
                case BPF_JGT:
                  taken = a > operand;
                  break;
                case BPF_JGE:
                  taken = a >= operand;
                  break;
                case BPF_JSET:
                  taken = (a & operand) != 0;
                  break;
                default:
                  return -1;
                }
              pc += taken ? f->jt : f->jf;
            }
          break;
        case BPF_RET:
          return BPF_RVAL (f->code) == BPF_A ? a : f->k;
        case BPF_MISC:
          if (BPF_MISCOP (f->code) == BPF_TAX)
            x = a;
          else
            a = x;
          break;
        default:
          return -1;
        }
    }
  return -2;
}

/* libseccomp's program for a seccomp object (JSON written with ' for "); n is 0 when libseccomp
 * refuses it and may_refuse. */
static struct program
libseccomp_program (const char *seccomp, bool may_refuse)
{
  char *text = NULL;
  struct carrel_spec *spec = NULL;
  struct carrel_error err = { 0 };
  scmp_filter_ctx ctx = NULL;
  struct program p = { 0 };
  int fd;
  if (asprintf (&text, "{'ociVersion':'1.0.0','root':{'path':'rootfs'},'linux':{'seccomp':%s}}", seccomp) < 0)
    abort ();
  for (char *c = text; *c; c++)
    if (*c == '\'')
      *c = '"';
  if (carrel_spec_parse (text, strlen (text), "config.json", &spec, &err) < 0)
    fail_msg ("parse: %s\n%s", err.msg, text);
  if (seccomp_build (&spec->linux_.seccomp, &ctx, &err) < 0)
    {
      /* Random profiles may ask for what libseccomp refuses (a rule with the default action). */
      if (!may_refuse)
        fail_msg ("build: %s", err.msg);
      carrel_spec_free (spec);
      free (text);
      return p;
    }
  /* The same attribute carrel compiles with: a binary tree. */
  fd = memfd_create ("test", 0);
  assert_true (fd >= 0);
  assert_int_equal (0, seccomp_export_bpf (ctx, fd));
  p.n = lseek (fd, 0, SEEK_END) / sizeof (struct sock_filter);
  p.code = xmalloc (p.n * sizeof *p.code);
  assert_int_equal ((ssize_t)(p.n * sizeof *p.code), pread (fd, p.code, p.n * sizeof *p.code, 0));
  close (fd);
  seccomp_release (ctx);
  carrel_spec_free (spec);
  free (text);
  return p;
}

static void
add_value (uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
  if (*n == *cap)
    {
      *cap = *cap ? 2 * *cap : 1024;
      *v = xrealloc (*v, *cap * sizeof **v);
    }
  (*v)[(*n)++] = x;
}

/* Fails the test where the two programs disagree. */
static void
assert_same_verdicts (const struct program *a, const struct program *b)
{
  static const uint32_t archs[] = {
    AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_PPC64LE, 0, 0x12345
  };
  uint32_t *consts = NULL, *nrs = NULL;
  size_t n_consts = 0, cap_consts = 0, n_nrs = 0, cap_nrs = 0;
  uint32_t data[16];
  /* Every constant of either program, and its neighbours: as numbers and as arguments. */
  for (int w = 0; w < 2; w++)
    {
      const struct program *p = w ? b : a;
      for (size_t i = 0; i < p->n; i++)
        {
          add_value (&consts, &n_consts, &cap_consts, p->code[i].k);
          add_value (&consts, &n_consts, &cap_consts, p->code[i].k + 1);
          add_value (&consts, &n_consts, &cap_consts, p->code[i].k - 1);
        }
    }
  for (uint32_t nr = 0; nr < 1100; nr++)
    {
      add_value (&nrs, &n_nrs, &cap_nrs, nr);
      add_value (&nrs, &n_nrs, &cap_nrs, 0x40000000 + nr);
    }
  for (size_t i = 0; i < n_consts; i++)
    add_value (&nrs, &n_nrs, &cap_nrs, consts[i]);
  add_value (&nrs, &n_nrs, &cap_nrs, UINT32_MAX);

  for (size_t ai = 0; ai < sizeof archs / sizeof archs[0]; ai++)
    for (size_t ni = 0; ni < n_nrs; ni++)
      {
        bool read_args = false;
        memset (data, 0, sizeof data);
        data[0] = nrs[ni];
        data[1] = archs[ai];
        int64_t va = interpret (a, data, &read_args), vb = interpret (b, data, NULL);
        if (va != vb)
          fail_msg ("arch %#x nr %#x, no arguments: %lld against %lld", archs[ai], nrs[ni], (long long)va,
                    (long long)vb);
        assert_true (va >= 0);
        if (!read_args)
          continue;
        /* The arguments matter: try each constant in every word, and all-ones. */
        for (size_t ci = 0; ci <= n_consts; ci++)
          {
            for (int w = 2; w < 16; w++)
              data[w] = ci < n_consts ? consts[ci] : UINT32_MAX;
            va = interpret (a, data, NULL);
            vb = interpret (b, data, NULL);
            if (va != vb)
              fail_msg ("arch %#x nr %#x, arguments %#x: %lld against %lld", archs[ai], nrs[ni],
                        ci < n_consts ? consts[ci] : UINT32_MAX, (long long)va, (long long)vb);
          }
        for (int w = 2; w < 16; w++)
          data[w] = 0;
      }
  free (consts);
  free (nrs);
}

/* Compacts libseccomp's program of the profile; checks and returns the shorter one. */
static struct program
compact_and_check (const char *seccomp, struct program *original)
{
  struct program shorter = { 0 };
  *original = libseccomp_program (seccomp, false);
  assert_true (seccomp_compact (original->code, original->n, &shorter.code, &shorter.n));
  assert_true (shorter.n < original->n);
  assert_same_verdicts (original, &shorter);
  return shorter;
}

/* The profile of `carrel spec`, as its config.json holds it. */
static char *
default_profile (void)
{
  char *config = carrel_default_config (false, 0, 0);
  char *start = strstr (config, "\"seccomp\"");
  int depth = 0;
  char *end;
  assert_non_null (start);
  start = strchr (start, '{');
  for (end = start; *end; end++)
    if (*end == '{')
      depth++;
    else if (*end == '}' && --depth == 0)
      break;
  char *profile = strndup (start, end + 1 - start);
  free (config);
  return profile;
}

static void
default_profile_keeps_its_verdicts_in_under_a_third_of_the_length (void **state)
{
  (void)state;
  char *profile = default_profile ();
  struct program original, shorter = compact_and_check (profile, &original);
  /* 1234 instructions become 328 with libseccomp 2.5.4; the JIT's time follows the length. */
  assert_true (shorter.n * 100 <= original.n * 30);
  free (original.code);
  free (shorter.code);
  free (profile);
}

/* What a container loads (seccomp_prepare, then the cache) is the rewrite, not libseccomp's
 * program: the rewrite is unused if this fails. */
static void
containers_load_the_rewrite (void **state)
{
  (void)state;
  char *config = carrel_default_config (false, 0, 0);
  char *profile = default_profile ();
  struct carrel_spec *spec = NULL;
  struct carrel_error err = { 0 };
  struct seccomp_program prepared;
  struct program original = libseccomp_program (profile, false), shorter = { 0 };
  if (carrel_spec_parse (config, strlen (config), "config.json", &spec, &err) < 0)
    fail_msg ("parse: %s", err.msg);
  assert_int_equal (0, seccomp_prepare (&spec->linux_.seccomp, NULL, 0, -1, &prepared, &err));
  assert_true (seccomp_compact (original.code, original.n, &shorter.code, &shorter.n));
  assert_int_equal (prepared.len, shorter.n * sizeof (struct sock_filter));
  assert_memory_equal (prepared.filter, shorter.code, prepared.len);
  seccomp_program_free (&prepared);
  carrel_spec_free (spec);
  free (original.code);
  free (shorter.code);
  free (profile);
  free (config);
}

/* Deterministic variety: a small linear congruential generator. */
static uint32_t
next_random (uint32_t *s)
{
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

static void
random_profiles_keep_their_verdicts (void **state)
{
  (void)state;
  static const char *names[]
      = { "read",   "write",      "openat",  "close",       "getpid",  "getppid", "mkdir",   "rmdir",
          "socket", "connect",    "clone",   "personality", "ioctl",   "fcntl",   "mmap",    "mprotect",
          "kill",   "tgkill",     "prctl",   "setns",       "unshare", "mount",   "umount2", "ptrace",
          "bpf",    "keyctl",     "uname",   "chdir",       "fchown",  "getpgid", "execve",  "wait4",
          "futex",  "epoll_wait", "accept4", "sendmsg" };
  /* Actions of libseccomp's first API level: under valgrind, which lacks seccomp(2), libseccomp
   * finds no newer one (SCMP_ACT_LOG, SCMP_ACT_KILL_PROCESS) and refuses rules that use them. */
  static const char *actions[] = { "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_TRAP" };
  static const char *ops[]
      = { "SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_MASKED_EQ" };
  static const char *arch_sets[]
      = { "", "'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86','SCMP_ARCH_X32'],",
          "'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_AARCH64'],", "'architectures':['SCMP_ARCH_X86'],",
          "'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86','SCMP_ARCH_ARM','SCMP_ARCH_PPC64LE'],"
          "'defaultErrnoRet':38," };
  uint32_t seed = 20261124;
  int rewritten = 0, built = 0;
  for (int round = 0; round < 80; round++)
    {
      char buf[16384];
      size_t len = 0;
      int n_rules = 1 + next_random (&seed) % 40;
      const char *def = actions[next_random (&seed) % 2];
      len += snprintf (buf + len, sizeof buf - len, "{'defaultAction':'%s',%s'syscalls':[", def,
                       arch_sets[next_random (&seed) % 5]);
      /* Each name in one rule only: libseccomp refuses conflicting rules. */
      size_t order[sizeof names / sizeof names[0]], used = 0, n_all = sizeof names / sizeof names[0];
      for (size_t k = 0; k < n_all; k++)
        order[k] = k;
      for (size_t k = n_all - 1; k > 0; k--)
        {
          size_t j = next_random (&seed) % (k + 1), t = order[k];
          order[k] = order[j];
          order[j] = t;
        }
      for (int r = 0; r < n_rules && used < n_all; r++)
        {
          const char *act = actions[next_random (&seed) % 4];
          size_t n_names = 1 + next_random (&seed) % 4;
          len += snprintf (buf + len, sizeof buf - len, "%s{'names':[", r ? "," : "");
          for (size_t k = 0; k < n_names && used < n_all; k++)
            len += snprintf (buf + len, sizeof buf - len, "%s'%s'", k ? "," : "", names[order[used++]]);
          len += snprintf (buf + len, sizeof buf - len, "],'action':'%s'", act);
          if (!strcmp (act, "SCMP_ACT_ERRNO"))
            len += snprintf (buf + len, sizeof buf - len, ",'errnoRet':%u", 1 + next_random (&seed) % 100);
          if (next_random (&seed) % 3 == 0)
            len += snprintf (buf + len, sizeof buf - len,
                             ",'args':[{'index':%u,'value':%u,'valueTwo':%u,'op':'%s'}]",
                             next_random (&seed) % 6, next_random (&seed) % 70000, next_random (&seed) % 4,
                             ops[next_random (&seed) % 5]);
          len += snprintf (buf + len, sizeof buf - len, "}");
        }
      snprintf (buf + len, sizeof buf - len, "]}");
      struct program original = libseccomp_program (buf, true), shorter = { 0 };
      if (original.n == 0)
        continue;
      built++;
      /* The rewrite is checked also where it is not shorter (small profiles), and so kept out. */
      if (seccomp_compact_rewrite (original.code, original.n, &shorter.code, &shorter.n))
        {
          rewritten++;
          assert_same_verdicts (&original, &shorter);
          free (shorter.code);
        }
      free (original.code);
    }
  /* Most profiles build, and most of those are rewritten (some name architectures in an order
   * libseccomp tests with JGT, which the rewrite leaves alone). */
  assert_true (built > 40);
  assert_true (rewritten > built * 3 / 4);
}

/* An instruction libseccomp never emits: the program is kept as it is. */
static void
unexpected_instructions_keep_the_program (void **state)
{
  (void)state;
  struct sock_filter with_x[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, 0),        BPF_STMT (BPF_MISC | BPF_TAX, 0),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1), BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_KILL),
  };
  /* An ordering test of the architecture: ranges over numbers cannot express it. */
  struct sock_filter arch_order[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, 4),
    BPF_JUMP (BPF_JMP | BPF_JGT | BPF_K, AUDIT_ARCH_I386, 0, 1),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_KILL),
  };
  /* A jump past the end. */
  struct sock_filter out_of_range[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, 0),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, 1, 5, 0),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_filter *out = NULL;
  size_t n = 0;
  assert_false (seccomp_compact (with_x, sizeof with_x / sizeof with_x[0], &out, &n));
  assert_false (seccomp_compact (arch_order, sizeof arch_order / sizeof arch_order[0], &out, &n));
  assert_false (seccomp_compact (out_of_range, sizeof out_of_range / sizeof out_of_range[0], &out, &n));
  assert_null (out);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (default_profile_keeps_its_verdicts_in_under_a_third_of_the_length),
    cmocka_unit_test (containers_load_the_rewrite),
    cmocka_unit_test (random_profiles_keep_their_verdicts),
    cmocka_unit_test (unexpected_instructions_keep_the_program),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
