/* A shorter seccomp program with the same verdicts as the one libseccomp exported.
 *
 * The kernel JIT-compiles a filter when a container loads it, at a cost that grows with its
 * length: about 0.2 µs an instruction on the bench machine, 245 µs for the 1234 instructions of
 * `carrel spec`'s default profile, the largest single step of a container's start. libseccomp
 * emits a comparison (and often a return) per syscall and architecture. But for most syscalls the
 * verdict depends on the architecture and the syscall number alone, and the numbers that share a
 * verdict lie in runs: 282 runs for that profile's x86_64, x32 and i386. So the program becomes,
 * per architecture, a binary search over the runs whose leaves are the verdicts; the syscalls
 * whose verdict depends on their arguments (or the instruction pointer) jump into a copy of
 * libseccomp's own code for them. That makes 328 instructions and about 90 µs for the default
 * profile. Only constant loads, comparisons and returns are emitted, so the kernel's action cache
 * still proves every always-allowed syscall allowed.
 *
 * The rewrite is checked before it is used: both programs are run, on an interpreter here, for
 * every architecture and every range of syscall numbers with three sets of arguments, and they
 * must agree. Anything unexpected (an instruction libseccomp does not emit, a comparison of the
 * architecture other than equality) keeps libseccomp's program as it is. */
#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_compact.h"
#include "util.h"

/* The seccomp_data words the classification reads; any other load is an argument's. */
#define DATA_NR 0
#define DATA_ARCH 4
#define DATA_WORDS 16 /* nr, arch, instruction_pointer, args[6]: 64 bytes */

#define OP_LD (BPF_LD | BPF_W | BPF_ABS)
#define OP_AND (BPF_ALU | BPF_AND | BPF_K)
#define OP_JA (BPF_JMP | BPF_JA)
#define OP_JEQ (BPF_JMP | BPF_JEQ | BPF_K)
#define OP_JGT (BPF_JMP | BPF_JGT | BPF_K)
#define OP_JGE (BPF_JMP | BPF_JGE | BPF_K)
#define OP_JSET (BPF_JMP | BPF_JSET | BPF_K)
#define OP_RET (BPF_RET | BPF_K)

#define MAX_JUMP 255 /* jt and jf are 8 bits */

static bool
is_cond_jump (uint16_t code)
{
  return code == OP_JEQ || code == OP_JGT || code == OP_JGE || code == OP_JSET;
}

/* Only what libseccomp emits, with every jump inside the program. */
static bool
supported (const struct sock_filter *p, size_t n)
{
  if (n == 0 || n > BPF_MAXINSNS)
    return false;
  for (size_t pc = 0; pc < n; pc++)
    {
      const struct sock_filter *f = &p[pc];
      switch (f->code)
        {
        case OP_LD:
          if (f->k % 4 != 0 || f->k / 4 >= DATA_WORDS || pc + 1 >= n)
            return false;
          break;
        case OP_AND:
          if (pc + 1 >= n)
            return false;
          break;
        case OP_JA:
          if (f->k >= n - pc - 1)
            return false;
          break;
        case OP_JEQ:
        case OP_JGT:
        case OP_JGE:
        case OP_JSET:
          if (f->jt >= n - pc - 1 || f->jf >= n - pc - 1)
            return false;
          break;
        case OP_RET:
          break;
        default:
          return false;
        }
    }
  return true;
}

static bool
jump_taken (const struct sock_filter *f, uint32_t a)
{
  switch (f->code)
    {
    case OP_JEQ:
      return a == f->k;
    case OP_JGT:
      return a > f->k;
    case OP_JGE:
      return a >= f->k;
    default:
      return (a & f->k) != 0;
    }
}

/* What a syscall gets: a return value, or (when classifying) the instruction where the program
 * first loads something other than the number and the architecture. */
struct verdict
{
  bool dynamic;
  uint32_t value; /* the RET's k, or the entry's pc */
};

struct classifier
{
  uint32_t *archs; /* every value the architecture is compared with for equality */
  size_t n_archs;
};

static void
add_arch (struct classifier *c, uint32_t arch)
{
  for (size_t i = 0; i < c->n_archs; i++)
    if (c->archs[i] == arch)
      return;
  c->archs[c->n_archs++] = arch; /* at most one per instruction: sized by the caller */
}

/* Runs a supported program (its jumps go forward, so it ends) on data. Classifying (c set), it
 * stops at the first load of an argument or the instruction pointer, records the architectures
 * compared, and fails on what runs of numbers cannot express: an ALU operation on the number or
 * the architecture, or an ordering or bit test of the architecture. */
static bool
interpret (const struct sock_filter *p, const uint32_t data[DATA_WORDS], struct classifier *c,
           struct verdict *v)
{
  enum
  {
    SRC_NONE,
    SRC_NR,
    SRC_ARCH
  } src
      = SRC_NONE;
  uint32_t a = 0;
  size_t pc = 0;
  for (;;)
    {
      const struct sock_filter *f = &p[pc];
      switch (f->code)
        {
        case OP_LD:
          if (c && f->k != DATA_NR && f->k != DATA_ARCH)
            {
              *v = (struct verdict){ .dynamic = true, .value = pc };
              return true;
            }
          src = f->k == DATA_NR ? SRC_NR : f->k == DATA_ARCH ? SRC_ARCH : SRC_NONE;
          a = data[f->k / 4];
          pc++;
          break;
        case OP_AND:
          if (c)
            return false;
          a &= f->k;
          pc++;
          break;
        case OP_JA:
          pc += 1 + f->k;
          break;
        case OP_RET:
          *v = (struct verdict){ .dynamic = false, .value = f->k };
          return true;
        default:
          if (c && src == SRC_ARCH)
            {
              if (f->code != OP_JEQ)
                return false;
              add_arch (c, f->k);
            }
          else if (c && src == SRC_NR && f->code == OP_JSET)
            return false;
          pc += 1 + (jump_taken (f, a) ? f->jt : f->jf);
        }
    }
}

static bool
classify (const struct sock_filter *p, struct classifier *c, uint32_t arch, uint32_t nr, struct verdict *v)
{
  uint32_t data[DATA_WORDS] = { [DATA_NR / 4] = nr, [DATA_ARCH / 4] = arch };
  return interpret (p, data, c, v);
}

static uint32_t
run (const struct sock_filter *p, const uint32_t data[DATA_WORDS])
{
  struct verdict v;
  interpret (p, data, NULL, &v);
  return v.value;
}

static int
cmp_u32 (const void *x, const void *y)
{
  uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
  return a < b ? -1 : a > b;
}

/* Where the verdict may change with the number: each compared constant and the one after it. */
static size_t
breakpoints (const struct sock_filter *p, size_t n, uint32_t *out)
{
  size_t k = 0, m = 0;
  out[k++] = 0;
  for (size_t pc = 0; pc < n; pc++)
    if (p[pc].code == OP_JEQ || p[pc].code == OP_JGT || p[pc].code == OP_JGE)
      {
        out[k++] = p[pc].k;
        out[k++] = p[pc].k + 1; /* wraps to 0 for UINT32_MAX, which is there */
      }
  qsort (out, k, sizeof *out, cmp_u32);
  for (size_t i = 0; i < k; i++)
    if (m == 0 || out[m - 1] != out[i])
      out[m++] = out[i];
  return m;
}

/* One run of numbers, from lo up to the next run's lo. */
struct run
{
  uint32_t lo;
  struct verdict v;
};

static bool
same_verdict (struct verdict a, struct verdict b)
{
  return a.dynamic == b.dynamic && a.value == b.value;
}

/* The output, with the jumps to libseccomp's argument code resolved at the end. */
struct emitter
{
  struct sock_filter *code;
  size_t len, cap;
  size_t *slice_jumps; /* indexes of JA instructions whose k is, until resolved, an entry pc */
  size_t n_slice_jumps, cap_slice_jumps;
};

static size_t
emit (struct emitter *e, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
  if (e->len == e->cap)
    {
      e->cap = e->cap ? 2 * e->cap : 256;
      e->code = xrealloc (e->code, e->cap * sizeof *e->code);
    }
  e->code[e->len] = (struct sock_filter){ .code = code, .jt = jt, .jf = jf, .k = k };
  return e->len++;
}

static void
emit_leaf (struct emitter *e, struct verdict v)
{
  if (!v.dynamic)
    {
      emit (e, OP_RET, 0, 0, v.value);
      return;
    }
  if (e->n_slice_jumps == e->cap_slice_jumps)
    {
      e->cap_slice_jumps = e->cap_slice_jumps ? 2 * e->cap_slice_jumps : 16;
      e->slice_jumps = xrealloc (e->slice_jumps, e->cap_slice_jumps * sizeof *e->slice_jumps);
    }
  e->slice_jumps[e->n_slice_jumps++] = emit (e, OP_JA, 0, 0, v.value);
}

/* A target of a comparison inside a chunk: the first instruction of a subtree, or a leaf. */
struct target
{
  bool leaf;
  size_t at; /* the subtree's node, or the leaf's index in the chunk's verdicts */
};

static struct target
chunk_node (struct emitter *e, const struct run *runs, size_t n, const struct verdict *leaves,
            size_t n_leaves, struct target *jt, struct target *jf, size_t base)
{
  if (n == 1)
    {
      size_t i = 0;
      while (i + 1 < n_leaves && !same_verdict (leaves[i], runs[0].v))
        i++;
      return (struct target){ .leaf = true, .at = i }; /* leaves holds every verdict of runs */
    }
  size_t mid = n / 2;
  size_t node = emit (e, OP_JGE, 0, 0, runs[mid].lo);
  jf[node - base] = chunk_node (e, runs, mid, leaves, n_leaves, jt, jf, base);
  jt[node - base] = chunk_node (e, runs + mid, n - mid, leaves, n_leaves, jt, jf, base);
  return (struct target){ .leaf = false, .at = node };
}

static size_t
distinct_verdicts (const struct run *runs, size_t n, struct verdict *out)
{
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    {
      size_t j = 0;
      while (j < k && !same_verdict (out[j], runs[i].v))
        j++;
      if (j == k)
        out[k++] = runs[i].v;
    }
  return k;
}

/* A subtree small enough for 8-bit jumps: its comparisons, then one instruction per verdict,
 * which every comparison reaches directly. */
static void
emit_chunk (struct emitter *e, const struct run *runs, size_t n, const struct verdict *leaves,
            size_t n_leaves)
{
  size_t base = e->len;
  cleanup_free struct target *jt = xcalloc (n, sizeof *jt);
  cleanup_free struct target *jf = xcalloc (n, sizeof *jf);
  size_t leaf_base;
  chunk_node (e, runs, n, leaves, n_leaves, jt, jf, base);
  leaf_base = e->len;
  for (size_t node = base; node < leaf_base; node++)
    {
      size_t t = jt[node - base].leaf ? leaf_base + jt[node - base].at : jt[node - base].at;
      size_t f = jf[node - base].leaf ? leaf_base + jf[node - base].at : jf[node - base].at;
      e->code[node].jt = t - node - 1;
      e->code[node].jf = f - node - 1;
    }
  for (size_t i = 0; i < n_leaves; i++)
    emit_leaf (e, leaves[i]);
}

static void
emit_search (struct emitter *e, const struct run *runs, size_t n)
{
  struct verdict leaves[MAX_JUMP + 1];
  /* A chunk's farthest jump: from its first comparison to its last leaf. */
  if (n <= MAX_JUMP + 1)
    {
      size_t n_leaves = distinct_verdicts (runs, n, leaves);
      if (n - 1 + n_leaves <= MAX_JUMP + 1)
        {
          emit_chunk (e, runs, n, leaves, n_leaves);
          return;
        }
    }
  /* A larger one: the comparison skips a JA over the lower half when the number is in the upper. */
  size_t mid = n / 2;
  emit (e, OP_JGE, 0, 1, runs[mid].lo);
  size_t over = emit (e, OP_JA, 0, 0, 0);
  emit_search (e, runs, mid);
  e->code[over].k = e->len - over - 1;
  emit_search (e, runs + mid, n - mid);
}

/* The verdicts of one architecture, merged into runs. */
static bool
runs_of (const struct sock_filter *p, struct classifier *c, uint32_t arch, const uint32_t *bps, size_t n_bps,
         struct run *out, size_t *n_out)
{
  size_t k = 0;
  for (size_t i = 0; i < n_bps; i++)
    {
      struct verdict v;
      if (!classify (p, c, arch, bps[i], &v))
        return false;
      if (k > 0 && same_verdict (out[k - 1].v, v))
        continue;
      out[k++] = (struct run){ .lo = bps[i], .v = v };
    }
  *n_out = k;
  return true;
}

/* Every instruction reachable from the argument code's entries (marked in keep). */
static void
mark_slices (const struct sock_filter *p, size_t n, bool *keep)
{
  /* Jumps go forward: one pass in order sees every instruction after all that reach it. */
  for (size_t pc = 0; pc < n; pc++)
    {
      if (!keep[pc])
        continue;
      const struct sock_filter *f = &p[pc];
      if (f->code == OP_RET)
        continue;
      if (f->code == OP_JA)
        keep[pc + 1 + f->k] = true;
      else if (is_cond_jump (f->code))
        {
          keep[pc + 1 + f->jt] = true;
          keep[pc + 1 + f->jf] = true;
        }
      else
        keep[pc + 1] = true;
    }
}

static bool
agree (const struct sock_filter *a, const struct sock_filter *b, const uint32_t *archs, size_t n_archs,
       uint32_t other_arch, const uint32_t *bps, size_t n_bps)
{
  static const uint32_t patterns[][2] = { { 0, 0 }, { UINT32_MAX, UINT32_MAX }, { 0x9e3779b9, 0x7f4a7c15 } };
  uint32_t data[DATA_WORDS];
  for (size_t ai = 0; ai <= n_archs; ai++)
    for (size_t pi = 0; pi < sizeof patterns / sizeof patterns[0]; pi++)
      {
        for (size_t w = 2; w < DATA_WORDS; w++)
          data[w] = patterns[pi][w % 2] ^ (pi == 2 ? (uint32_t)w * 0x01000193 : 0);
        data[1] = ai < n_archs ? archs[ai] : other_arch;
        for (size_t i = 0; i < n_bps; i++)
          {
            data[0] = bps[i];
            if (run (a, data) != run (b, data))
              return false;
          }
      }
  return true;
}

bool
seccomp_compact_rewrite (const struct sock_filter *in, size_t n, struct sock_filter **out, size_t *out_n)
{
  struct emitter e = { 0 };
  struct classifier c = { 0 };
  cleanup_free uint32_t *bps = NULL;
  cleanup_free uint32_t *archs = NULL;
  cleanup_free struct run *runs = NULL;
  cleanup_free bool *keep = NULL;
  cleanup_free size_t *new_pc = NULL;
  cleanup_free size_t *arch_jumps = NULL;
  size_t n_bps, n_runs, slice_base, n_known;
  uint32_t other_arch = 0;
  bool ok = false;

  if (!supported (in, n))
    return false;
  bps = xcalloc (2 * n + 1, sizeof *bps);
  n_bps = breakpoints (in, n, bps);
  archs = xcalloc (n, sizeof *archs);
  c.archs = archs;
  runs = xcalloc (n_bps, sizeof *runs);
  keep = xcalloc (n, sizeof *keep);

  /* An architecture the program does not name: none of its equality tests holds for it. */
  for (;; other_arch++)
    {
      size_t pc = 0;
      while (pc < n && in[pc].k != other_arch)
        pc++;
      if (pc == n)
        break;
    }
  /* Find the architectures (each run may meet new ones), then the runs of each. */
  if (!runs_of (in, &c, other_arch, bps, n_bps, runs, &n_runs))
    return false;
  for (size_t i = 0; i < c.n_archs; i++)
    if (!runs_of (in, &c, c.archs[i], bps, n_bps, runs, &n_runs))
      return false;
  n_known = c.n_archs;
  arch_jumps = xcalloc (n_known + 1, sizeof *arch_jumps);

  emit (&e, OP_LD, 0, 0, DATA_ARCH);
  for (size_t i = 0; i < n_known; i++)
    {
      emit (&e, OP_JEQ, 0, 1, archs[i]);
      arch_jumps[i] = emit (&e, OP_JA, 0, 0, 0);
    }
  /* The other architectures' block first: the JEQs fall through to it. */
  for (size_t j = 0; j <= n_known; j++)
    {
      size_t i = j == 0 ? n_known : j - 1;
      uint32_t arch = i < n_known ? archs[i] : other_arch;
      runs_of (in, &c, arch, bps, n_bps, runs, &n_runs);
      if (i < n_known)
        e.code[arch_jumps[i]].k = e.len - arch_jumps[i] - 1;
      for (size_t r = 0; r < n_runs; r++)
        if (runs[r].v.dynamic)
          keep[runs[r].v.value] = true;
      if (n_runs > 1)
        emit (&e, OP_LD, 0, 0, DATA_NR);
      emit_search (&e, runs, n_runs);
    }

  /* libseccomp's argument code, copied in order: its jumps only get shorter. */
  mark_slices (in, n, keep);
  new_pc = xcalloc (n, sizeof *new_pc);
  slice_base = e.len;
  for (size_t pc = 0, k = slice_base; pc < n; pc++)
    if (keep[pc])
      new_pc[pc] = k++;
  for (size_t pc = 0; pc < n; pc++)
    {
      if (!keep[pc])
        continue;
      struct sock_filter f = in[pc];
      size_t at = new_pc[pc];
      if (f.code == OP_JA)
        f.k = new_pc[pc + 1 + f.k] - at - 1;
      else if (is_cond_jump (f.code))
        {
          f.jt = new_pc[pc + 1 + f.jt] - at - 1;
          f.jf = new_pc[pc + 1 + f.jf] - at - 1;
        }
      emit (&e, f.code, f.jt, f.jf, f.k);
    }
  for (size_t i = 0; i < e.n_slice_jumps; i++)
    {
      size_t at = e.slice_jumps[i];
      e.code[at].k = new_pc[e.code[at].k] - at - 1;
    }

  ok = e.len <= BPF_MAXINSNS && supported (e.code, e.len)
       && agree (in, e.code, archs, n_known, other_arch, bps, n_bps);
  free (e.slice_jumps);
  if (!ok)
    {
      free (e.code);
      return false;
    }
  *out = e.code;
  *out_n = e.len;
  return true;
}

bool
seccomp_compact (const struct sock_filter *in, size_t n, struct sock_filter **out, size_t *out_n)
{
  struct sock_filter *rewritten;
  size_t len;
  if (!seccomp_compact_rewrite (in, n, &rewritten, &len))
    return false;
  /* Small profiles gain nothing: the argument code is copied, and each run costs a comparison. */
  if (len >= n)
    {
      free (rewritten);
      return false;
    }
  *out = rewritten;
  *out_n = len;
  return true;
}
