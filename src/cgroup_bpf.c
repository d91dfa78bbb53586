/* The v2 device controller: the allow/deny list compiled to a BPF_PROG_TYPE_CGROUP_DEVICE program,
 * loaded and attached with bpf(2) directly (no libbpf). The rules are tested last first and the first
 * match decides (so the last matching rule wins, as with the v1 lists); no match denies. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>

#include "cgroup_internal.h"
#include "util.h"

/* The program's context: struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; },
 * access_type = (access << 16) | type. */
#define CTX_ACCESS_TYPE 0
#define CTX_MAJOR 4
#define CTX_MINOR 8

enum
{
  R0,
  R1,
  R2, /* device type */
  R3, /* requested access */
  R4, /* major */
  R5, /* minor */
};

static struct cg_bpf_insn
insn (uint8_t code, int dst, int src, int16_t off, int32_t imm)
{
  return (struct cg_bpf_insn){ .code = code, .regs = (uint8_t)((src << 4) | dst), .off = off, .imm = imm };
}

#define LDX_W(dst, src, off) insn (BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define AND32_K(dst, imm) insn (BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH32_K(dst, imm) insn (BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define MOV64_X(dst, src) insn (BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_K(dst, imm) insn (BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JNE_K(dst, imm, off) insn (BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define JNE_X(dst, src, off) insn (BPF_JMP | BPF_JNE | BPF_X, dst, src, off, 0)
#define EXIT() insn (BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

int
cg_bpf_compile (const struct cg_dev_rule *rules, size_t n, struct cg_bpf_insn **prog, size_t *len)
{
  /* Prologue 6, at most 9 per rule, epilogue 2. */
  struct cg_bpf_insn *p = xcalloc (6 + 9 * n + 2, sizeof *p);
  size_t k = 0;
  p[k++] = LDX_W (R2, R1, CTX_ACCESS_TYPE);
  p[k++] = AND32_K (R2, 0xffff);
  p[k++] = LDX_W (R3, R1, CTX_ACCESS_TYPE);
  p[k++] = RSH32_K (R3, 16);
  p[k++] = LDX_W (R4, R1, CTX_MAJOR);
  p[k++] = LDX_W (R5, R1, CTX_MINOR);
  for (size_t i = n; i-- > 0;)
    {
      const struct cg_dev_rule *r = &rules[i];
      bool check_type = r->type != 'a', check_access = (r->access & CG_DEV_ALL) != CG_DEV_ALL;
      bool check_major = r->major >= 0, check_minor = r->minor >= 0;
      int16_t left;
      if ((r->access & CG_DEV_ALL) == 0)
        continue; /* grants or denies nothing */
      /* Each check jumps past the rest of this block when it fails: count what follows it. */
      left = (int16_t)((check_type ? 1 : 0) + (check_access ? 3 : 0) + (check_major ? 1 : 0)
                       + (check_minor ? 1 : 0) + 2);
      if (check_type)
        p[k++] = JNE_K (R2, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, --left);
      if (check_access)
        {
          /* Match when the request asks for nothing beyond the rule's access. */
          p[k++] = MOV64_X (R1, R3);
          p[k++] = AND32_K (R1, (int32_t)r->access);
          left -= 2;
          p[k++] = JNE_X (R1, R3, --left);
        }
      if (check_major)
        p[k++] = JNE_K (R4, (int32_t)r->major, --left);
      if (check_minor)
        p[k++] = JNE_K (R5, (int32_t)r->minor, --left);
      p[k++] = MOV64_K (R0, r->allow ? 1 : 0);
      p[k++] = EXIT ();
      if (!check_type && !check_access && !check_major && !check_minor)
        {
          /* Matches everything: what follows could never run, and the verifier rejects dead code. */
          *prog = p;
          *len = k;
          return 0;
        }
    }
  p[k++] = MOV64_K (R0, 0);
  p[k++] = EXIT ();
  *prog = p;
  *len = k;
  return 0;
}

static int
sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int)syscall (SYS_bpf, cmd, attr, sizeof *attr);
}

static int
prog_load (const struct cg_bpf_insn *prog, size_t len, struct carrel_error *err)
{
  static char log[4096];
  union bpf_attr a;
  int fd;
  _Static_assert(sizeof (struct cg_bpf_insn) == sizeof (struct bpf_insn), "bpf_insn layout");
  memset (&a, 0, sizeof a);
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insns = (uintptr_t)prog;
  a.insn_cnt = (uint32_t)len;
  a.license = (uintptr_t) "Apache-2.0";
  fd = sys_bpf (BPF_PROG_LOAD, &a);
  if (fd >= 0)
    return fd;
  /* Again with the verifier's log, to say why. */
  int e = errno;
  a.log_buf = (uintptr_t)log;
  a.log_size = sizeof log;
  a.log_level = 1;
  log[0] = '\0';
  fd = sys_bpf (BPF_PROG_LOAD, &a);
  if (fd >= 0)
    return fd;
  log[strcspn (log, "\n")] = '\0';
  return carrel_fail (err, e, "linux.resources.devices: load the device cgroup BPF program%s%s",
                      log[0] ? ": " : "", log);
}

int
cg_bpf_attach (const char *dir, const struct cg_dev_rule *rules, size_t n, struct carrel_error *err)
{
  cleanup_free struct cg_bpf_insn *prog = NULL;
  size_t len;
  uint32_t old_ids[64];
  uint32_t n_old = ARRAY_SIZE (old_ids);
  union bpf_attr a;
  cleanup_fd int dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_fd int pfd = -1;
  if (dirfd < 0)
    return carrel_fail (err, errno, "open cgroup %s", dir);
  cg_bpf_compile (rules, n, &prog, &len);
  pfd = prog_load (prog, len, err);
  if (pfd < 0)
    return -1;

  memset (&a, 0, sizeof a);
  a.query.target_fd = dirfd;
  a.query.attach_type = BPF_CGROUP_DEVICE;
  a.query.prog_ids = (uintptr_t)old_ids;
  a.query.prog_cnt = n_old;
  n_old = sys_bpf (BPF_PROG_QUERY, &a) == 0 ? a.query.prog_cnt : 0;

  memset (&a, 0, sizeof a);
  a.target_fd = dirfd;
  a.attach_bpf_fd = pfd;
  a.attach_type = BPF_CGROUP_DEVICE;
  a.attach_flags = BPF_F_ALLOW_MULTI;
  if (sys_bpf (BPF_PROG_ATTACH, &a) < 0)
    {
      /* A program attached without BPF_F_ALLOW_MULTI (by someone else) is replaced instead. */
      int e = errno;
      a.attach_flags = 0;
      if (n_old == 0 || sys_bpf (BPF_PROG_ATTACH, &a) < 0)
        return carrel_fail (err, e, "linux.resources.devices: attach the device BPF program to %s", dir);
      return 0;
    }
  /* The new program is in place: now drop the ones it replaces (an update). */
  for (uint32_t i = 0; i < n_old && i < ARRAY_SIZE (old_ids); i++)
    {
      union bpf_attr g;
      memset (&g, 0, sizeof g);
      g.prog_id = old_ids[i];
      cleanup_fd int ofd = sys_bpf (BPF_PROG_GET_FD_BY_ID, &g);
      if (ofd < 0)
        continue;
      memset (&a, 0, sizeof a);
      a.target_fd = dirfd;
      a.attach_bpf_fd = ofd;
      a.attach_type = BPF_CGROUP_DEVICE;
      sys_bpf (BPF_PROG_DETACH, &a);
    }
  return 0;
}
