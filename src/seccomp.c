/* linux.seccomp compiled with libseccomp. Actions are carrel's kinds (the index in
 * carrel_seccomp_actions), operators and architectures are libseccomp's values (see tables.c). */
#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "json_span.h"
#include "seccomp_compact.h"
#include "seccomp_filter.h"
#include "util.h"

/* The kinds of carrel_seccomp_actions, in table order. */
enum
{
  ACT_KILL,
  ACT_KILL_PROCESS,
  ACT_KILL_THREAD,
  ACT_TRAP,
  ACT_ERRNO,
  ACT_TRACE,
  ACT_ALLOW,
  ACT_LOG,
  ACT_NOTIFY
};

#define MAX_SYSCALL_ARGS 6

static uint32_t
to_libseccomp (int action, bool has_errno, uint32_t errno_ret)
{
  switch (action)
    {
    case ACT_KILL:
      /* SCMP_ACT_KILL is libseccomp's (and the kernel's original) kill-the-thread, as in runc. */
      return SCMP_ACT_KILL_THREAD;
    case ACT_KILL_THREAD:
      return SCMP_ACT_KILL_THREAD;
    case ACT_KILL_PROCESS:
      return SCMP_ACT_KILL_PROCESS;
    case ACT_TRAP:
      return SCMP_ACT_TRAP;
    case ACT_ERRNO:
      return SCMP_ACT_ERRNO (has_errno ? errno_ret : EPERM);
    case ACT_TRACE:
      return SCMP_ACT_TRACE (has_errno ? errno_ret : EPERM);
    case ACT_LOG:
      return SCMP_ACT_LOG;
    case ACT_NOTIFY:
      return SCMP_ACT_NOTIFY;
    case ACT_ALLOW:
    default:
      return SCMP_ACT_ALLOW;
    }
}

bool
seccomp_uses_notify (const struct carrel_seccomp *sc)
{
  if (sc->default_action == ACT_NOTIFY)
    return true;
  for (size_t i = 0; i < sc->n_syscalls; i++)
    if (sc->syscalls[i].action == ACT_NOTIFY)
      return true;
  return false;
}

static int
set_flags (scmp_filter_ctx ctx, const struct carrel_seccomp *sc, struct carrel_error *err)
{
  int r;
  /* carrel sets no_new_privs itself from process.noNewPrivileges; libseccomp would force it. */
  r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (r < 0)
    return carrel_fail (err, -r, "linux.seccomp: clear libseccomp's no_new_privs attribute");
  /* A binary tree keeps long allowlists (the default profile) fast; older kernels ignore it. */
  seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  for (size_t i = 0; i < sc->n_flags; i++)
    {
      enum scmp_filter_attr attr;
      switch (sc->flags[i])
        {
        case 1: /* SECCOMP_FILTER_FLAG_TSYNC */
          attr = SCMP_FLTATR_CTL_TSYNC;
          break;
        case 2: /* SECCOMP_FILTER_FLAG_LOG */
          attr = SCMP_FLTATR_CTL_LOG;
          break;
        case 4: /* SECCOMP_FILTER_FLAG_SPEC_ALLOW */
          attr = SCMP_FLTATR_CTL_SSB;
          break;
        default:
          /* SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: libseccomp 2.5 does not know it; carrel loads
           * the compiled filter itself and passes it to seccomp(2) (kernel_flags). */
          continue;
        }
      r = seccomp_attr_set (ctx, attr, 1);
      if (r == -EOPNOTSUPP || r == -EINVAL)
        carrel_warn ("linux.seccomp.flags[%zu]: not supported by this kernel, ignored", i);
      else if (r < 0)
        return carrel_fail (err, -r, "linux.seccomp.flags[%zu]", i);
    }
  return 0;
}

/* One rule for one syscall. libseccomp takes one comparison per argument in a rule; when a rule
 * compares the same argument twice, each comparison becomes a rule of its own (the syscall matches
 * when any does), as runc and crun do. Otherwise the comparisons are ANDed in one rule. */
static int
add_rule (scmp_filter_ctx ctx, uint32_t act, int nr, const struct carrel_seccomp_rule *rule, size_t idx,
          const char *name, struct carrel_error *err)
{
  struct scmp_arg_cmp cmp[MAX_SYSCALL_ARGS];
  unsigned count[MAX_SYSCALL_ARGS] = { 0 };
  bool same_index = false;
  int r;

  for (size_t a = 0; a < rule->n_args; a++)
    {
      const struct carrel_seccomp_arg *arg = &rule->args[a];
      if (arg->index >= MAX_SYSCALL_ARGS)
        return carrel_fail (err, EINVAL, "linux.seccomp.syscalls[%zu].args[%zu].index: must be 0-5", idx, a);
      if (++count[arg->index] > 1)
        same_index = true;
    }
  if (rule->n_args == 0)
    r = seccomp_rule_add_array (ctx, act, nr, 0, NULL);
  else if (!same_index)
    {
      for (size_t a = 0; a < rule->n_args; a++)
        cmp[a] = (struct scmp_arg_cmp){ .arg = rule->args[a].index,
                                        .op = rule->args[a].op,
                                        .datum_a = rule->args[a].value,
                                        .datum_b = rule->args[a].value_two };
      r = seccomp_rule_add_array (ctx, act, nr, rule->n_args, cmp);
    }
  else
    {
      r = 0;
      for (size_t a = 0; a < rule->n_args && r == 0; a++)
        {
          cmp[0] = (struct scmp_arg_cmp){ .arg = rule->args[a].index,
                                          .op = rule->args[a].op,
                                          .datum_a = rule->args[a].value,
                                          .datum_b = rule->args[a].value_two };
          r = seccomp_rule_add_array (ctx, act, nr, 1, cmp);
        }
    }
  if (r < 0)
    return carrel_fail (err, -r, "linux.seccomp.syscalls[%zu]: add the rule for %s", idx, name);
  return 0;
}

int
seccomp_build (const struct carrel_seccomp *sc, scmp_filter_ctx *out, struct carrel_error *err)
{
  uint32_t def = to_libseccomp (sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret);
  scmp_filter_ctx ctx;
  int r;

  if (seccomp_uses_notify (sc) && sc->listener_path == NULL)
    return carrel_fail (err, EINVAL, "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY");
  if (sc->default_action == ACT_NOTIFY)
    /* The agent would have to answer every syscall, the runtime's own included. */
    return carrel_fail (err, EINVAL, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default");
  ctx = seccomp_init (def);
  if (ctx == NULL)
    return carrel_fail (err, EINVAL, "linux.seccomp: libseccomp refused the default action");
  if (set_flags (ctx, sc, err) < 0)
    goto fail;
  for (size_t i = 0; i < sc->n_architectures; i++)
    {
      r = seccomp_arch_add (ctx, sc->architectures[i]);
      if (r < 0 && r != -EEXIST)
        {
          carrel_fail (err, -r, "linux.seccomp.architectures[%zu]", i);
          goto fail;
        }
    }
  for (size_t i = 0; i < sc->n_syscalls; i++)
    {
      const struct carrel_seccomp_rule *rule = &sc->syscalls[i];
      uint32_t act = to_libseccomp (rule->action, rule->has_errno_ret, rule->errno_ret);
      /* libseccomp refuses a rule whose action is the default: it would change nothing anyway. */
      if (act == def)
        continue;
      for (size_t n = 0; n < rule->n_names; n++)
        {
          int nr = seccomp_syscall_resolve_name (rule->names[n]);
          if (nr == __NR_SCMP_ERROR)
            {
              carrel_debug ("linux.seccomp.syscalls[%zu]: %s is unknown on this architecture, skipped", i,
                            rule->names[n]);
              continue;
            }
          if (add_rule (ctx, act, nr, rule, i, rule->names[n], err) < 0)
            goto fail;
        }
    }
  *out = ctx;
  return 0;
fail:
  seccomp_release (ctx);
  return -1;
}

int
seccomp_load_filter (const struct carrel_seccomp *sc, int notify_sock, struct carrel_error *err)
{
  scmp_filter_ctx ctx = NULL;
  int r, fd;
  if (seccomp_build (sc, &ctx, err) < 0)
    return -1;
  r = seccomp_load (ctx);
  if (r < 0)
    {
      seccomp_release (ctx);
      if (r == -EACCES)
        return carrel_fail (err, EACCES,
                            "linux.seccomp: load the filter (needs noNewPrivileges or CAP_SYS_ADMIN)");
      return carrel_fail (err, -r, "linux.seccomp: load the filter");
    }
  if (!seccomp_uses_notify (sc))
    {
      seccomp_release (ctx);
      return 0;
    }
  fd = seccomp_notify_fd (ctx);
  seccomp_release (ctx);
  if (fd < 0)
    return carrel_fail (err, -fd, "linux.seccomp: get the notification fd");
  /* The container must not keep it: it could answer its own syscalls. */
  r = seccomp_notify_handoff (notify_sock, fd, err);
  close (fd);
  return r;
}

/* FNV-1a over everything that shapes the compiled filter. */
struct hasher
{
  uint64_t h;
};

static void
hash_bytes (struct hasher *hs, const void *p, size_t n)
{
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    hs->h = (hs->h ^ b[i]) * 1099511628211ULL;
}

static void
hash_str (struct hasher *hs, const char *s)
{
  hash_bytes (hs, s ? s : "", (s ? strlen (s) : 0) + 1);
}

#define HASH_VAL(hs, v)                                                                                      \
  do                                                                                                         \
    {                                                                                                        \
      __typeof__ (v) _v = (v);                                                                               \
      hash_bytes ((hs), &_v, sizeof _v);                                                                     \
    }                                                                                                        \
  while (0)

/* What shapes the compiled filter besides the profile: libseccomp's version, the kernel, and
 * the revision of carrel's own rewrite (seccomp_compact.c), so that a new one replaces old entries. */
#define COMPACT_REVISION 1

static void
hash_platform (struct hasher *hs)
{
  struct utsname u;
  const struct scmp_version *v = seccomp_version ();
  HASH_VAL (hs, COMPACT_REVISION);
  HASH_VAL (hs, v->major);
  HASH_VAL (hs, v->minor);
  HASH_VAL (hs, v->micro);
  if (uname (&u) == 0)
    {
      hash_str (hs, u.release);
      hash_str (hs, u.machine);
    }
}

static unsigned int
kernel_flags (const struct carrel_seccomp *sc)
{
  unsigned int f = 0;
  for (size_t i = 0; i < sc->n_flags; i++)
    if (sc->flags[i] == SECCOMP_FILTER_FLAG_TSYNC || sc->flags[i] == SECCOMP_FILTER_FLAG_LOG
        || sc->flags[i] == SECCOMP_FILTER_FLAG_SPEC_ALLOW)
      f |= sc->flags[i];
  if (seccomp_uses_notify (sc))
    f |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
  for (size_t i = 0; i < sc->n_flags; i++)
    if (sc->flags[i] == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
      {
        /* The kernel takes it only with a listener. */
        if (f & SECCOMP_FILTER_FLAG_NEW_LISTENER)
          f |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
        else
          carrel_warn ("linux.seccomp.flags[%zu]: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV applies only with "
                       "SCMP_ACT_NOTIFY rules, ignored",
                       i);
      }
  return f;
}

static int
compile_to_memory (const struct carrel_seccomp *sc, struct seccomp_program *out, struct carrel_error *err)
{
  scmp_filter_ctx ctx = NULL;
  cleanup_fd int fd = -1;
  off_t size;
  int r;
  if (seccomp_build (sc, &ctx, err) < 0)
    return -1;
  fd = memfd_create ("carrel-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    {
      seccomp_release (ctx);
      return carrel_fail (err, errno, "linux.seccomp: memfd");
    }
  r = seccomp_export_bpf (ctx, fd);
  seccomp_release (ctx);
  if (r < 0)
    return carrel_fail (err, -r, "linux.seccomp: export the filter");
  size = lseek (fd, 0, SEEK_END);
  if (size <= 0 || size % sizeof (struct sock_filter) != 0)
    return carrel_fail (err, EINVAL, "linux.seccomp: the compiled filter has an odd size (%lld)",
                        (long long)size);
  out->filter = xmalloc (size);
  out->len = size;
  if (pread (fd, out->filter, size, 0) != size)
    {
      free (out->filter);
      out->filter = NULL;
      return carrel_fail (err, errno, "linux.seccomp: read the compiled filter");
    }
  /* The kernel JIT-compiles the filter at every container's start: shorter is faster. */
  {
    struct sock_filter *shorter;
    size_t n;
    if (seccomp_compact (out->filter, size / sizeof (struct sock_filter), &shorter, &n))
      {
        free (out->filter);
        out->filter = shorter;
        out->len = n * sizeof (struct sock_filter);
      }
  }
  return 0;
}

/* The cache, <root>/.seccomp-cache: one file per profile text, "t<hash>.bpf", holding a header,
 * the profile's JSON text and the BPF compiled from it. The hash (FNV-1a over libseccomp's
 * version, the kernel and the text) only names the file: the stored text must equal the
 * profile's byte for byte, so two profiles whose hashes collide never share a filter. Profiles
 * that notify are not cached: their users need the parsed profile anyway. */
struct cache_header
{
  char magic[4]; /* "CBF1" */
  uint32_t flags;
  uint32_t text_len;
  uint32_t bpf_len;
};

void
seccomp_cache_name (const char *text, size_t len, char name[SECCOMP_CACHE_NAME_MAX])
{
  struct hasher hs = { 14695981039346656037ULL };
  hash_platform (&hs);
  hash_bytes (&hs, text, len);
  snprintf (name, SECCOMP_CACHE_NAME_MAX, "t%016llx.bpf", (unsigned long long)hs.h);
}

int
seccomp_cache_load (int dirfd, const char *name, const char *text, size_t len, struct seccomp_program *out)
{
  struct carrel_error ignored;
  cleanup_free char *data = NULL;
  size_t n;
  struct cache_header h;
  memset (out, 0, sizeof *out);
  if (dirfd < 0 || strchr (name, '/') || read_file_at (dirfd, name, &data, &n, &ignored) < 0 || n < sizeof h)
    return -1;
  memcpy (&h, data, sizeof h);
  if (memcmp (h.magic, "CBF1", 4) != 0 || h.text_len != len || h.bpf_len == 0
      || h.bpf_len % sizeof (struct sock_filter) != 0 || n != sizeof h + (size_t)h.text_len + h.bpf_len
      || memcmp (data + sizeof h, text, len) != 0)
    return -1;
  out->filter = xmalloc (h.bpf_len);
  memcpy (out->filter, data + sizeof h + len, h.bpf_len);
  out->len = h.bpf_len;
  out->flags = h.flags;
  return 0;
}

static void
cache_store (int dirfd, const char *name, const char *text, size_t len, const struct seccomp_program *p)
{
  struct carrel_error ignored;
  struct cache_header h = { .magic = "CBF1", .flags = p->flags, .text_len = len, .bpf_len = p->len };
  cleanup_free char *data = xmalloc (sizeof h + len + p->len);
  memcpy (data, &h, sizeof h);
  memcpy (data + sizeof h, text, len);
  memcpy (data + sizeof h + len, p->filter, p->len);
  /* Best effort: a cache that cannot be written only costs the next create a compile. */
  write_file_atomic (dirfd, name, data, sizeof h + len + p->len, 0600, &ignored);
}

int
seccomp_parse_config (const char *text, size_t len, const char *what, const char *root, int *cache_fd,
                      struct carrel_spec **spec, struct seccomp_program *prog, char **profile,
                      struct carrel_error *err)
{
  size_t start, end;
  char name[SECCOMP_CACHE_NAME_MAX];
  memset (prog, 0, sizeof *prog);
  *profile = NULL;
  if (memchr (text, '\0', len) == NULL && json_member_span (text, len, "linux", "seccomp", &start, &end))
    {
      *profile = xasprintf ("%.*s", (int)(end - start), text + start);
      seccomp_cache_name (*profile, end - start, name);
      if (*cache_fd < 0)
        *cache_fd = seccomp_cache_open (root);
      if (seccomp_cache_load (*cache_fd, name, *profile, end - start, prog) == 0)
        {
          struct carrel_error ignored;
          cleanup_free char *lean = xasprintf ("%.*snull%s", (int)start, text, text + end);
          if (carrel_spec_parse (lean, strlen (lean), what, spec, &ignored) == 0
              && !(*spec)->linux_.has_seccomp)
            {
              (*spec)->linux_.has_seccomp = true; /* its filter is *prog */
              return 0;
            }
          carrel_spec_free (*spec);
          *spec = NULL;
          seccomp_program_free (prog);
        }
    }
  return carrel_spec_parse (text, len, what, spec, err);
}

int
seccomp_cache_open (const char *root)
{
  cleanup_free char *dir = xasprintf ("%s/.seccomp-cache", root);
  int fd = open (dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && mkdir (dir, 0700) == 0)
    fd = open (dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  return fd;
}

int
seccomp_prepare (const struct carrel_seccomp *sc, const char *text, size_t text_len, int cache_fd,
                 struct seccomp_program *out, struct carrel_error *err)
{
  char name[SECCOMP_CACHE_NAME_MAX];
  bool cacheable = text && cache_fd >= 0 && !seccomp_uses_notify (sc);
  if (cacheable)
    {
      seccomp_cache_name (text, text_len, name);
      if (seccomp_cache_load (cache_fd, name, text, text_len, out) == 0)
        return 0;
    }
  memset (out, 0, sizeof *out);
  out->flags = kernel_flags (sc);
  if (compile_to_memory (sc, out, err) < 0)
    return -1;
  if (cacheable)
    cache_store (cache_fd, name, text, text_len, out);
  return 0;
}

void
seccomp_program_free (struct seccomp_program *p)
{
  free (p->filter);
  p->filter = NULL;
  p->len = 0;
}

static int
load_program (const struct seccomp_program *p, bool notify, int notify_sock, struct carrel_error *err)
{
  struct sock_fprog prog = { .len = p->len / sizeof (struct sock_filter), .filter = p->filter };
  int r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &prog);
  if (r < 0)
    {
      if (errno == EACCES)
        return carrel_fail (err, EACCES,
                            "linux.seccomp: load the filter (needs noNewPrivileges or CAP_SYS_ADMIN)");
      return carrel_fail (err, errno, "linux.seccomp: load the filter");
    }
  if (!notify)
    return 0;
  /* With SECCOMP_FILTER_FLAG_NEW_LISTENER the syscall returned the listener. The container must
   * not keep it: it could answer its own syscalls. */
  {
    int fd = r;
    r = seccomp_notify_handoff (notify_sock, fd, err);
    close (fd);
    return r;
  }
}

int
seccomp_apply (const struct carrel_seccomp *sc, const struct init_config *cfg, struct carrel_error *err)
{
  if (cfg->seccomp_prog && cfg->seccomp_prog->filter)
    return load_program (cfg->seccomp_prog, seccomp_uses_notify (sc), cfg->start_sock, err);
  return seccomp_load_filter (sc, cfg->start_sock, err);
}

bool
seccomp_load_before_identity (const struct carrel_process *proc)
{
  const struct carrel_capabilities *c = &proc->capabilities;
  if (proc->no_new_privileges)
    return false;
  if (!proc->has_capabilities)
    return proc->user.uid != 0; /* root keeps its capabilities; others lose them at setuid */
  for (size_t i = 0; i < c->n_effective; i++)
    if (c->effective[i] == CAP_SYS_ADMIN)
      return false;
  return true;
}
