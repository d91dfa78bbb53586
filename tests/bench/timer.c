/* tests/bench/timer.c: the timing driver of `make bench`.
 *
 *   timer [-n ITER] [-w WARMUP] [-s SEED] PLAN >>SAMPLES   run a plan, print one sample a line
 *   timer stats SAMPLES CASE LABEL VARIANT                 "n fails median min max"
 *   timer paired SAMPLES CASE LABEL A B                    "median(A/B) median(A-B) pairs"
 *
 * A plan is a case with variants (one per runtime), each a list of steps run with fork+execve (no
 * shell) and timed with CLOCK_MONOTONIC around fork..reap. Every iteration runs every variant once,
 * in a random order, so slow drifts of the machine hit all runtimes alike.
 *
 *   case NAME
 *   variant NAME [ns=/proc/PID/ns/mnt] [env=K=V]... [exclude=COMM,COMM]
 *     setup ARGV...            once before the iterations; failing disables the variant
 *     step LABEL ARGV...       timed (LABEL "-": untimed)
 *     until TEXT ARGV...       untimed: rerun every 1 ms until stdout contains TEXT (10 s)
 *     par LABEL COUNT [mem] ARGV... [;; ARGV...]
 *                              COUNT workers at once, each runs its ARGVs in sequence; times the
 *                              wall of all; with "mem" samples the memory of the runtime's processes
 *     snap LABEL               one memory reading of the runtime's processes
 *     total LABEL              sum of this iteration's timed steps
 *     teardown ARGV...         once after the iterations
 * In ARGV, {i} is the iteration, {j} the worker index, {v} the variant. ns= makes every command of
 * the variant setns() into that mount namespace after fork (its cost, a few us, is counted).
 *
 * The runtime's processes: the timer is a child subreaper, so every process a runtime leaves
 * behind (supervisors, runc/crun init waiting for start, containers) is reparented to it; they are
 * the processes under the timer, minus the timer's own workers and any process whose comm is in
 * exclude= (the container's payload, e.g. sleep). Memory is the sum of Rss and Pss from
 * /proc/PID/smaps_rollup.
 *
 * Samples: "CASE<TAB>LABEL<TAB>VARIANT<TAB>ITER<TAB>VALUE" with VALUE in ns, or KiB for labels ending
 * in _kib, or "FAIL". */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_VARIANTS 8
#define MAX_STEPS 16
#define MAX_ARGS 64
#define MAX_SEQ 4
#define MAX_ENV 8
#define MAX_WORKERS 1024
#define STEP_TIMEOUT_MS 30000
#define PAR_TIMEOUT_MS 300000
#define SAMPLE_MS 2

enum kind
{
  K_SETUP,
  K_STEP,
  K_UNTIL,
  K_PAR,
  K_SNAP,
  K_TOTAL,
  K_TEARDOWN
};

struct step
{
  enum kind kind;
  char *label;
  char *text; /* until */
  int count;  /* par */
  bool mem;   /* par */
  int nseq;   /* argv sequences: 1, or more for par */
  char **seq[MAX_SEQ];
};

struct variant
{
  char *name;
  int nsfd;
  char *env[MAX_ENV];
  int nenv;
  char *exclude; /* comma-separated comms */
  struct step steps[MAX_STEPS];
  int nsteps;
  bool disabled;
};

static char *case_name = "case";
static struct variant variants[MAX_VARIANTS];
static int nvariants;
static int sigfd = -1;
static sigset_t old_mask;

static void
die (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  fputs ("timer: ", stderr);
  vfprintf (stderr, fmt, ap);
  fputc ('\n', stderr);
  va_end (ap);
  exit (2);
}

static int64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *
xcalloc (size_t n, size_t size)
{
  void *p = calloc (n, size);
  if (!p)
    die ("out of memory");
  return p;
}

/* ------------------------------------------------------------------------------------------ */
/* Plan */

static void
parse_plan (const char *path)
{
  FILE *f = fopen (path, "re");
  char *line = NULL;
  size_t cap = 0;
  int lineno = 0;
  if (!f)
    die ("open %s: %s", path, strerror (errno));
  while (getline (&line, &cap, f) > 0)
    {
      char *tok[MAX_ARGS * MAX_SEQ + 8];
      int ntok = 0;
      lineno++;
      for (char *s = strtok (line, " \t\n"); s && ntok < (int)(sizeof tok / sizeof *tok) - 1;
           s = strtok (NULL, " \t\n"))
        tok[ntok++] = strdup (s);
      tok[ntok] = NULL;
      if (ntok == 0 || tok[0][0] == '#')
        continue;
      if (strcmp (tok[0], "case") == 0 && ntok == 2)
        {
          case_name = tok[1];
          continue;
        }
      if (strcmp (tok[0], "variant") == 0 && ntok >= 2)
        {
          if (nvariants == MAX_VARIANTS)
            die ("%s:%d: too many variants", path, lineno);
          struct variant *v = &variants[nvariants++];
          v->name = tok[1];
          v->nsfd = -1;
          for (int k = 2; k < ntok; k++)
            if (strncmp (tok[k], "ns=", 3) == 0)
              {
                v->nsfd = open (tok[k] + 3, O_RDONLY | O_CLOEXEC);
                if (v->nsfd < 0)
                  die ("%s:%d: open %s: %s", path, lineno, tok[k] + 3, strerror (errno));
              }
            else if (strncmp (tok[k], "env=", 4) == 0 && v->nenv < MAX_ENV)
              v->env[v->nenv++] = tok[k] + 4;
            else if (strncmp (tok[k], "exclude=", 8) == 0)
              v->exclude = tok[k] + 8;
            else
              die ("%s:%d: unknown variant option %s", path, lineno, tok[k]);
          continue;
        }
      if (nvariants == 0)
        die ("%s:%d: step before any variant", path, lineno);
      struct variant *v = &variants[nvariants - 1];
      if (v->nsteps == MAX_STEPS)
        die ("%s:%d: too many steps", path, lineno);
      struct step *st = &v->steps[v->nsteps++];
      int first = 1;
      if (strcmp (tok[0], "setup") == 0)
        st->kind = K_SETUP;
      else if (strcmp (tok[0], "teardown") == 0)
        st->kind = K_TEARDOWN;
      else if (strcmp (tok[0], "step") == 0 && ntok >= 3)
        st->kind = K_STEP, st->label = tok[1], first = 2;
      else if (strcmp (tok[0], "until") == 0 && ntok >= 3)
        st->kind = K_UNTIL, st->text = tok[1], first = 2;
      else if (strcmp (tok[0], "par") == 0 && ntok >= 4)
        {
          st->kind = K_PAR, st->label = tok[1], st->count = atoi (tok[2]), first = 3;
          if (st->count < 1 || st->count > MAX_WORKERS)
            die ("%s:%d: par COUNT out of range", path, lineno);
          if (strcmp (tok[3], "mem") == 0)
            st->mem = true, first = 4;
        }
      else if (strcmp (tok[0], "snap") == 0 && ntok == 2)
        {
          st->kind = K_SNAP, st->label = tok[1];
          continue;
        }
      else if (strcmp (tok[0], "total") == 0 && ntok == 2)
        {
          st->kind = K_TOTAL, st->label = tok[1];
          continue;
        }
      else
        die ("%s:%d: cannot parse: %s", path, lineno, tok[0]);
      /* Split the rest at ";;" into argv sequences. */
      st->seq[0] = xcalloc (MAX_ARGS + 1, sizeof (char *));
      st->nseq = 1;
      int na = 0;
      for (int k = first; k < ntok; k++)
        {
          if (strcmp (tok[k], ";;") == 0)
            {
              if (st->nseq == MAX_SEQ)
                die ("%s:%d: too many ;; sequences", path, lineno);
              st->seq[st->nseq++] = xcalloc (MAX_ARGS + 1, sizeof (char *));
              na = 0;
              continue;
            }
          if (na == MAX_ARGS)
            die ("%s:%d: too many arguments", path, lineno);
          st->seq[st->nseq - 1][na++] = tok[k];
        }
      for (int q = 0; q < st->nseq; q++)
        if (!st->seq[q][0])
          die ("%s:%d: empty command", path, lineno);
    }
  free (line);
  fclose (f);
}

/* {i}, {j}, {v} expanded into a fresh argv (leaked: the child execs or exits). */
static char **
expand (char **argv, const struct variant *v, int iter, int worker)
{
  int n = 0;
  while (argv[n])
    n++;
  char **out = xcalloc (n + 1, sizeof (char *));
  for (int k = 0; k < n; k++)
    {
      char buf[4096];
      size_t o = 0;
      for (const char *s = argv[k]; *s && o < sizeof buf - 32; s++)
        {
          if (s[0] == '{' && s[1] && s[2] == '}')
            {
              if (s[1] == 'i')
                {
                  o += snprintf (buf + o, sizeof buf - o, "%d", iter < 0 ? 1000 - iter : iter);
                  s += 2;
                  continue;
                }
              if (s[1] == 'j')
                {
                  o += snprintf (buf + o, sizeof buf - o, "%d", worker);
                  s += 2;
                  continue;
                }
              if (s[1] == 'v')
                {
                  o += snprintf (buf + o, sizeof buf - o, "%s", v->name);
                  s += 2;
                  continue;
                }
            }
          buf[o++] = *s;
        }
      buf[o] = '\0';
      out[k] = strdup (buf);
    }
  return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Processes */

/* In a fresh child: the variant's namespace and environment, stdio, then exec. */
static void
child_exec (const struct variant *v, char **argv, int out_fd)
{
  sigprocmask (SIG_SETMASK, &old_mask, NULL);
  if (v->nsfd >= 0 && setns (v->nsfd, CLONE_NEWNS) < 0)
    {
      fprintf (stderr, "timer: setns: %s\n", strerror (errno));
      _exit (127);
    }
  for (int k = 0; k < v->nenv; k++)
    putenv (v->env[k]);
  int null = open ("/dev/null", O_RDWR);
  dup2 (null, 0);
  dup2 (out_fd >= 0 ? out_fd : null, 1);
  execvp (argv[0], argv);
  fprintf (stderr, "timer: exec %s: %s\n", argv[0], strerror (errno));
  _exit (127);
}

static pid_t
spawn (const struct variant *v, char **argv, int out_fd)
{
  pid_t pid = fork ();
  if (pid < 0)
    die ("fork: %s", strerror (errno));
  if (pid == 0)
    child_exec (v, argv, out_fd);
  return pid;
}

struct waited
{
  pid_t pid;
  int status;
  bool done;
};

static void sample_mem (const struct variant *v, struct waited *skip, int nskip, long *rss, long *pss,
                        int *nproc);

/* Reap every exited child (also adopted orphans); mark those in W. Returns how many of W are
 * still running. With mem, samples every SAMPLE_MS and keeps the peaks. */
static int
wait_all (struct waited *w, int n, int timeout_ms, const struct variant *v, long *peak_rss, long *peak_pss)
{
  int64_t deadline = now_ns () + (int64_t)timeout_ms * 1000000;
  int left = 0;
  for (int k = 0; k < n; k++)
    left += !w[k].done;
  while (left > 0)
    {
      int status;
      pid_t pid;
      while ((pid = waitpid (-1, &status, WNOHANG)) > 0)
        for (int k = 0; k < n; k++)
          if (w[k].pid == pid && !w[k].done)
            {
              w[k].done = true;
              w[k].status = status;
              left--;
            }
      if (left == 0)
        break;
      int64_t now = now_ns ();
      if (now >= deadline)
        {
          for (int k = 0; k < n; k++)
            if (!w[k].done)
              kill (w[k].pid, SIGKILL);
          return left;
        }
      if (peak_rss)
        {
          long rss, pss;
          int np;
          sample_mem (v, w, n, &rss, &pss, &np);
          if (rss > *peak_rss)
            *peak_rss = rss;
          if (pss > *peak_pss)
            *peak_pss = pss;
        }
      struct pollfd p = { .fd = sigfd, .events = POLLIN };
      int ms = peak_rss ? SAMPLE_MS : (int)((deadline - now) / 1000000 + 1);
      if (poll (&p, 1, ms) > 0)
        {
          struct signalfd_siginfo si;
          while (read (sigfd, &si, sizeof si) == sizeof si)
            ;
        }
    }
  return 0;
}

/* Reap what is already dead (adopted orphans), without waiting. */
static void
reap_orphans (void)
{
  int status;
  while (waitpid (-1, &status, WNOHANG) > 0)
    ;
}

static bool
ok_status (int status)
{
  return WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

/* Runs ARGV to its end; returns its duration in ns, or -1 when it failed. */
static int64_t
run_timed (const struct variant *v, char **argv)
{
  struct waited w = { 0 };
  int64_t t0 = now_ns ();
  w.pid = spawn (v, argv, -1);
  if (wait_all (&w, 1, STEP_TIMEOUT_MS, v, NULL, NULL) > 0)
    {
      fprintf (stderr, "timer: %s: %s timed out\n", v->name, argv[0]);
      wait_all (&w, 1, STEP_TIMEOUT_MS, v, NULL, NULL);
      return -1;
    }
  int64_t t = now_ns () - t0;
  if (!ok_status (w.status))
    {
      fprintf (stderr, "timer: %s: %s %s ... failed (status 0x%x)\n", v->name, argv[0],
               argv[1] ? argv[1] : "", w.status);
      return -1;
    }
  return t;
}

static bool
run_until (const struct variant *v, char **argv, const char *text)
{
  int64_t deadline = now_ns () + 10000000000LL;
  while (now_ns () < deadline)
    {
      int pfd[2];
      char buf[8192];
      size_t len = 0;
      if (pipe2 (pfd, O_CLOEXEC) < 0)
        die ("pipe: %s", strerror (errno));
      struct waited w = { 0 };
      w.pid = spawn (v, argv, pfd[1]);
      close (pfd[1]);
      ssize_t r;
      while ((r = read (pfd[0], buf + len, sizeof buf - 1 - len)) > 0 && len < sizeof buf - 1)
        len += r;
      close (pfd[0]);
      buf[len] = '\0';
      wait_all (&w, 1, STEP_TIMEOUT_MS, v, NULL, NULL);
      if (strstr (buf, text))
        return true;
      usleep (1000);
    }
  fprintf (stderr, "timer: %s: %s never printed %s\n", v->name, argv[0], text);
  return false;
}

/* A worker runs its sequences one after the other, stops at the first failure. */
static void
worker (const struct variant *v, const struct step *st, int iter, int j)
{
  for (int q = 0; q < st->nseq; q++)
    {
      pid_t pid = spawn (v, expand (st->seq[q], v, iter, j), -1);
      int status;
      while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
      if (!ok_status (status))
        _exit (1);
    }
  _exit (0);
}

static int64_t
run_par (const struct variant *v, const struct step *st, int iter, long *peak_rss, long *peak_pss)
{
  struct waited *w = xcalloc (st->count, sizeof *w);
  int64_t t0 = now_ns ();
  for (int j = 0; j < st->count; j++)
    {
      w[j].pid = fork ();
      if (w[j].pid < 0)
        die ("fork: %s", strerror (errno));
      if (w[j].pid == 0)
        {
          sigprocmask (SIG_SETMASK, &old_mask, NULL);
          worker (v, st, iter, j);
        }
    }
  int left = wait_all (w, st->count, PAR_TIMEOUT_MS, v, st->mem ? peak_rss : NULL, st->mem ? peak_pss : NULL);
  int64_t t = now_ns () - t0;
  int failed = left;
  if (left)
    wait_all (w, st->count, PAR_TIMEOUT_MS, v, NULL, NULL);
  for (int j = 0; j < st->count; j++)
    failed += w[j].done && !ok_status (w[j].status);
  free (w);
  if (failed)
    {
      fprintf (stderr, "timer: %s: %s: %d of %d workers failed\n", v->name, st->label, failed, st->count);
      return -1;
    }
  return t;
}

/* ------------------------------------------------------------------------------------------ */
/* Memory of the runtime's processes */

static bool
excluded (const struct variant *v, const char *comm)
{
  if (!v->exclude)
    return false;
  size_t n = strlen (comm);
  for (const char *s = v->exclude; *s;)
    {
      const char *e = strchrnul (s, ',');
      if ((size_t)(e - s) == n && strncmp (s, comm, n) == 0)
        return true;
      s = *e ? e + 1 : e;
    }
  return false;
}

struct pinfo
{
  pid_t pid, ppid;
  char comm[32];
};

static int
read_stat (pid_t pid, struct pinfo *p)
{
  char path[64], buf[512];
  snprintf (path, sizeof path, "/proc/%d/stat", pid);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  char *l = strchr (buf, '('), *r = strrchr (buf, ')');
  if (!l || !r || r[1] != ' ')
    return -1;
  size_t cl = (size_t)(r - l - 1) < sizeof p->comm - 1 ? (size_t)(r - l - 1) : sizeof p->comm - 1;
  memcpy (p->comm, l + 1, cl);
  p->comm[cl] = '\0';
  p->pid = pid;
  p->ppid = atoi (r + 4); /* ") S PPID" */
  return 0;
}

static void
read_rollup (pid_t pid, long *rss, long *pss)
{
  char path[64], line[256];
  snprintf (path, sizeof path, "/proc/%d/smaps_rollup", pid);
  FILE *f = fopen (path, "re");
  if (!f)
    return;
  while (fgets (line, sizeof line, f))
    if (strncmp (line, "Rss:", 4) == 0)
      *rss += atol (line + 4);
    else if (strncmp (line, "Pss:", 4) == 0)
      *pss += atol (line + 4);
  fclose (f);
}

static void
sample_mem (const struct variant *v, struct waited *skip, int nskip, long *rss, long *pss, int *nproc)
{
  static struct pinfo *ps;
  static size_t cap;
  size_t n = 0;
  static struct pinfo me;
  static const char *self_comm;
  pid_t self = getpid ();
  if (!self_comm)
    {
      read_stat (self, &me); /* forks of the timer not yet exec-ed are not the runtime */
      self_comm = me.comm;
    }
  DIR *d = opendir ("/proc");
  struct dirent *de;
  *rss = *pss = 0;
  *nproc = 0;
  if (!d)
    return;
  while ((de = readdir (d)))
    {
      if (!isdigit ((unsigned char)de->d_name[0]))
        continue;
      if (n == cap)
        {
          cap = cap ? cap * 2 : 1024;
          ps = realloc (ps, cap * sizeof *ps);
          if (!ps)
            die ("out of memory");
        }
      if (read_stat (atoi (de->d_name), &ps[n]) == 0)
        n++;
    }
  closedir (d);
  for (size_t k = 0; k < n; k++)
    {
      bool skipped = ps[k].pid == self || strcmp (ps[k].comm, self_comm) == 0;
      for (int s = 0; s < nskip && !skipped; s++)
        skipped = skip[s].pid == ps[k].pid;
      if (skipped || excluded (v, ps[k].comm))
        continue;
      /* Under the timer? Walk up the parents (bounded: pid reuse could make a loop). */
      pid_t p = ps[k].ppid;
      bool mine = false;
      for (int depth = 0; depth < 16 && p > 1 && !mine; depth++)
        {
          if (p == self)
            {
              mine = true;
              break;
            }
          size_t q;
          for (q = 0; q < n && ps[q].pid != p; q++)
            ;
          p = q < n ? ps[q].ppid : 0;
        }
      if (!mine)
        continue;
      read_rollup (ps[k].pid, rss, pss);
      (*nproc)++;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Running a plan */

static void
emit (const char *label, const struct variant *v, int iter, int64_t value)
{
  if (iter < 0)
    return; /* warm-up */
  if (value < 0)
    printf ("%s\t%s\t%s\t%d\tFAIL\n", case_name, label, v->name, iter);
  else
    printf ("%s\t%s\t%s\t%d\t%lld\n", case_name, label, v->name, iter, (long long)value);
  fflush (stdout);
}

static void
run_variant_once (struct variant *v, int iter)
{
  int64_t total = 0;
  bool total_ok = true;
  for (int k = 0; k < v->nsteps; k++)
    {
      struct step *st = &v->steps[k];
      char label[128];
      switch (st->kind)
        {
        case K_SETUP:
        case K_TEARDOWN:
          break;
        case K_STEP:
          {
            int64_t t = run_timed (v, expand (st->seq[0], v, iter, 0));
            if (strcmp (st->label, "-") != 0)
              {
                emit (st->label, v, iter, t);
                if (t < 0)
                  total_ok = false;
                else
                  total += t;
              }
            break;
          }
        case K_UNTIL:
          run_until (v, expand (st->seq[0], v, iter, 0), st->text);
          break;
        case K_PAR:
          {
            long peak_rss = 0, peak_pss = 0;
            int64_t t = run_par (v, st, iter, &peak_rss, &peak_pss);
            if (strcmp (st->label, "-") != 0)
              emit (st->label, v, iter, t);
            if (st->mem)
              {
                snprintf (label, sizeof label, "%s.peak_rss_kib", st->label);
                emit (label, v, iter, peak_rss);
                snprintf (label, sizeof label, "%s.peak_pss_kib", st->label);
                emit (label, v, iter, peak_pss);
              }
            break;
          }
        case K_SNAP:
          {
            long rss, pss;
            int np;
            /* Let the last runtime helpers exit, and the processes that stay settle: carrel's
             * supervisors give back what they paged in after a second without events. */
            usleep (1500000);
            reap_orphans ();
            sample_mem (v, NULL, 0, &rss, &pss, &np);
            snprintf (label, sizeof label, "%s.rss_kib", st->label);
            emit (label, v, iter, rss);
            snprintf (label, sizeof label, "%s.pss_kib", st->label);
            emit (label, v, iter, pss);
            snprintf (label, sizeof label, "%s.nproc", st->label);
            emit (label, v, iter, np);
            break;
          }
        case K_TOTAL:
          emit (st->label, v, iter, total_ok ? total : -1);
          break;
        }
      reap_orphans ();
    }
}

static void
run_once_steps (struct variant *v, enum kind kind)
{
  for (int k = 0; k < v->nsteps; k++)
    if (v->steps[k].kind == kind && run_timed (v, expand (v->steps[k].seq[0], v, 0, 0)) < 0
        && kind == K_SETUP)
      {
        fprintf (stderr, "timer: %s: setup failed, variant skipped\n", v->name);
        v->disabled = true;
        return;
      }
}

static int
cmd_run (int argc, char **argv)
{
  int iters = 10, warmup = 1, opt;
  unsigned seed = (unsigned)time (NULL);
  while ((opt = getopt (argc, argv, "n:w:s:")) != -1)
    switch (opt)
      {
      case 'n':
        iters = atoi (optarg);
        break;
      case 'w':
        warmup = atoi (optarg);
        break;
      case 's':
        seed = (unsigned)strtoul (optarg, NULL, 10);
        break;
      default:
        die ("usage: timer [-n ITER] [-w WARMUP] [-s SEED] PLAN");
      }
  if (optind != argc - 1)
    die ("usage: timer [-n ITER] [-w WARMUP] [-s SEED] PLAN");
  parse_plan (argv[optind]);
  srand (seed);

  /* Orphans (supervisors, waiting inits) come to us: counted, and reaped promptly. */
  if (prctl (PR_SET_CHILD_SUBREAPER, 1) < 0)
    die ("PR_SET_CHILD_SUBREAPER: %s", strerror (errno));
  sigset_t chld;
  sigemptyset (&chld);
  sigaddset (&chld, SIGCHLD);
  sigprocmask (SIG_BLOCK, &chld, &old_mask);
  sigfd = signalfd (-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0)
    die ("signalfd: %s", strerror (errno));

  for (int k = 0; k < nvariants; k++)
    run_once_steps (&variants[k], K_SETUP);
  int order[MAX_VARIANTS];
  for (int iter = -warmup; iter < iters; iter++)
    {
      for (int k = 0; k < nvariants; k++)
        order[k] = k;
      for (int k = nvariants - 1; k > 0; k--)
        {
          int r = rand () % (k + 1), t = order[k];
          order[k] = order[r];
          order[r] = t;
        }
      for (int k = 0; k < nvariants; k++)
        if (!variants[order[k]].disabled)
          run_variant_once (&variants[order[k]], iter);
    }
  for (int k = 0; k < nvariants; k++)
    run_once_steps (&variants[k], K_TEARDOWN);
  reap_orphans ();
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Statistics */

struct sample
{
  char *key; /* "CASE\tLABEL\tVARIANT" */
  int iter;
  double value;
  bool fail;
};

static struct sample *samples;
static size_t nsamples;

static void
load (const char *path)
{
  FILE *f = fopen (path, "re");
  char *line = NULL;
  size_t cap = 0, alloc = 0;
  if (!f)
    die ("open %s: %s", path, strerror (errno));
  while (getline (&line, &cap, f) > 0)
    {
      char *field[5];
      int nf = 0;
      for (char *s = strtok (line, "\t\n"); s && nf < 5; s = strtok (NULL, "\t\n"))
        field[nf++] = s;
      if (nf != 5)
        continue;
      if (nsamples == alloc)
        {
          alloc = alloc ? alloc * 2 : 1024;
          samples = realloc (samples, alloc * sizeof *samples);
          if (!samples)
            die ("out of memory");
        }
      struct sample *s = &samples[nsamples++];
      if (asprintf (&s->key, "%s\t%s\t%s", field[0], field[1], field[2]) < 0)
        die ("out of memory");
      s->iter = atoi (field[3]);
      s->fail = strcmp (field[4], "FAIL") == 0;
      s->value = s->fail ? 0 : strtod (field[4], NULL);
    }
  free (line);
  fclose (f);
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double
median (double *v, size_t n)
{
  qsort (v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int
cmd_stats (int argc, char **argv)
{
  if (argc != 5)
    die ("usage: timer stats SAMPLES CASE LABEL VARIANT");
  load (argv[1]);
  char *key;
  if (asprintf (&key, "%s\t%s\t%s", argv[2], argv[3], argv[4]) < 0)
    die ("out of memory");
  double *v = xcalloc (nsamples + 1, sizeof *v);
  size_t n = 0, fails = 0;
  for (size_t k = 0; k < nsamples; k++)
    if (strcmp (samples[k].key, key) == 0)
      {
        if (samples[k].fail)
          fails++;
        else
          v[n++] = samples[k].value;
      }
  if (n == 0)
    {
      printf ("0 %zu - - -\n", fails);
      return 0;
    }
  double med = median (v, n);
  printf ("%zu %zu %.0f %.0f %.0f\n", n, fails, med, v[0], v[n - 1]);
  return 0;
}

static int
cmd_paired (int argc, char **argv)
{
  if (argc != 6)
    die ("usage: timer paired SAMPLES CASE LABEL A B");
  load (argv[1]);
  char *ka, *kb;
  if (asprintf (&ka, "%s\t%s\t%s", argv[2], argv[3], argv[4]) < 0
      || asprintf (&kb, "%s\t%s\t%s", argv[2], argv[3], argv[5]) < 0)
    die ("out of memory");
  double *ratio = xcalloc (nsamples + 1, sizeof *ratio), *diff = xcalloc (nsamples + 1, sizeof *diff);
  size_t n = 0;
  for (size_t a = 0; a < nsamples; a++)
    {
      if (samples[a].fail || strcmp (samples[a].key, ka) != 0)
        continue;
      for (size_t b = 0; b < nsamples; b++)
        if (!samples[b].fail && samples[b].iter == samples[a].iter && strcmp (samples[b].key, kb) == 0
            && samples[b].value > 0)
          {
            ratio[n] = samples[a].value / samples[b].value;
            diff[n] = samples[a].value - samples[b].value;
            n++;
            break;
          }
    }
  if (n == 0)
    {
      printf ("- - 0\n");
      return 0;
    }
  double r = median (ratio, n), d = median (diff, n);
  printf ("%.3f %.0f %zu\n", r, d, n);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc > 1 && strcmp (argv[1], "stats") == 0)
    return cmd_stats (argc - 1, argv + 1);
  if (argc > 1 && strcmp (argv[1], "paired") == 0)
    return cmd_paired (argc - 1, argv + 1);
  return cmd_run (argc, argv);
}
