/* The VPS record (<data>/vps/<name>/vps.json), paths, names, the per-VPS lock. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "carrel/tables.h"
#include "state.h"
#include "util.h"
#include "vps.h"

static const char *signal_name (int sig);

char *
vps_base_dir (void)
{
  return xasprintf ("%s/vps", carrel_data_dir ());
}

char *
vps_dir (const char *name)
{
  return xasprintf ("%s/vps/%s", carrel_data_dir (), name);
}

char *
vps_path (const char *name, const char *file)
{
  return xasprintf ("%s/vps/%s/%s", carrel_data_dir (), name, file);
}

long long
vps_now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Lower-case letters, digits and '-', starting with a letter or digit: the name becomes part of a
 * container id, a cgroup, a hostname and a path. */
int
vps_name_validate (const char *name, struct carrel_error *err)
{
  size_t n = name ? strlen (name) : 0;
  if (n == 0 || n > CARREL_VPS_NAME_MAX)
    return carrel_fail (err, EINVAL, "VPS name \"%s\": 1 to %d characters", name ? name : "",
                        CARREL_VPS_NAME_MAX);
  for (size_t i = 0; i < n; i++)
    {
      char c = name[i];
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0)))
        return carrel_fail (err, EINVAL, "VPS name \"%s\": only a-z, 0-9 and '-' (not first)", name);
    }
  return 0;
}

int
vps_lock (const char *name, int *fd, struct carrel_error *err)
{
  cleanup_free char *path = vps_path (name, ".lock");
  cleanup_free char *dir = vps_dir (name);
  struct stat st;
  cleanup_fd int lfd = -1;
  if (stat (dir, &st) < 0)
    {
      if (errno == ENOENT)
        return carrel_fail (err, ENOENT, "VPS %s does not exist", name);
      return carrel_fail (err, errno, "VPS %s: %s", name, dir);
    }
  lfd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lfd < 0)
    return carrel_fail (err, errno, "VPS %s: lock %s", name, path);
  /* A process-owned (POSIX) lock, not flock: the supervisor that start forks would inherit a flock
   * and hold it for the VPS's whole life. */
  while (fcntl (lfd, F_SETLKW, &(struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET }) < 0)
    if (errno != EINTR)
      return carrel_fail (err, errno, "VPS %s: lock %s", name, path);
  *fd = take_fd (&lfd);
  return 0;
}

static char *
dup_or_null (json_t *v)
{
  return json_is_string (v) ? xstrdup (json_string_value (v)) : NULL;
}

int
vps_record_load (const char *name, struct vps_record *r, struct carrel_error *err)
{
  cleanup_free char *path = vps_path (name, VPS_RECORD);
  cleanup_free char *text = NULL;
  size_t len;
  json_error_t jerr;
  json_t *o;
  memset (r, 0, sizeof *r);
  if (read_file_at (AT_FDCWD, path, &text, &len, err) < 0)
    {
      if (err->errno_value == ENOENT)
        return carrel_fail (err, ENOENT, "VPS %s does not exist", name);
      return -1;
    }
  o = json_loadb (text, len, 0, &jerr);
  if (o == NULL || !json_is_object (o))
    {
      json_decref (o);
      return carrel_fail (err, EINVAL, "%s: %s", path, o ? "not an object" : jerr.text);
    }
  r->name = xstrdup (name);
  r->template_name = dup_or_null (json_object_get (o, "template"));
  r->memory = json_integer_value (json_object_get (o, "memory"));
  r->disk = json_integer_value (json_object_get (o, "disk"));
  r->cpus = json_number_value (json_object_get (o, "cpus"));
  r->pids = json_integer_value (json_object_get (o, "pids"));
  r->io_weight = json_integer_value (json_object_get (o, "io_weight"));
  r->network = dup_or_null (json_object_get (o, "network"));
  r->hostname = dup_or_null (json_object_get (o, "hostname"));
  r->id_base = json_integer_value (json_object_get (o, "id_base"));
  carrel_restart_policy_parse (json_string_value (json_object_get (o, "restart")), &r->restart);
  r->autostart = json_is_true (json_object_get (o, "autostart"));
  r->stop_signal = carrel_signal_parse (json_string_value (json_object_get (o, "stop_signal")));
  if (r->stop_signal <= 0)
    r->stop_signal = SIGTERM;
  r->stop_timeout_ms = json_integer_value (json_object_get (o, "stop_timeout_ms"));
  r->want_running = json_is_true (json_object_get (o, "want_running"));
  r->restarts = json_integer_value (json_object_get (o, "restarts"));
  r->last_start = json_integer_value (json_object_get (o, "last_start"));
  r->created = dup_or_null (json_object_get (o, "created"));
  r->console_protocol = json_integer_value (json_object_get (o, "console_protocol"));
  json_decref (o);
  if (r->template_name == NULL || r->id_base == 0)
    return carrel_fail (err, EINVAL, "%s: template and id_base are required", path);
  return 0;
}

int
vps_record_save (const struct vps_record *r, struct carrel_error *err)
{
  cleanup_free char *dir = vps_dir (r->name);
  cleanup_fd int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_free char *text = NULL;
  json_t *o;
  if (dfd < 0)
    return carrel_fail (err, errno, "VPS %s: %s", r->name, dir);
  o = json_pack ("{s:s, s:s, s:I, s:f, s:I, s:i, s:I, s:s, s:I, s:s, s:b, s:s, s:I, s:b, s:i, s:I}", "name",
                 r->name, "template", r->template_name, "memory", (json_int_t)r->memory, "cpus", r->cpus,
                 "pids", (json_int_t)r->pids, "io_weight", (int)r->io_weight, "disk", (json_int_t)r->disk,
                 "hostname", r->hostname, "id_base", (json_int_t)r->id_base, "restart",
                 carrel_restart_policy_name (r->restart), "autostart", r->autostart, "stop_signal",
                 signal_name (r->stop_signal) ? signal_name (r->stop_signal) : "SIGTERM", "stop_timeout_ms",
                 (json_int_t)r->stop_timeout_ms, "want_running", r->want_running, "restarts",
                 (int)r->restarts, "last_start", (json_int_t)r->last_start);
  json_object_set_new (o, "network", r->network ? json_string (r->network) : json_null ());
  json_object_set_new (o, "created", json_string (r->created ? r->created : ""));
  if (r->console_protocol)
    json_object_set_new (o, "console_protocol", json_integer (r->console_protocol));
  text = json_dumps (o, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
  json_decref (o);
  return write_file_atomic (dfd, VPS_RECORD, text, strlen (text), 0600, err);
}

void
vps_record_free (struct vps_record *r)
{
  free (r->name);
  free (r->template_name);
  free (r->network);
  free (r->hostname);
  free (r->created);
  memset (r, 0, sizeof *r);
}

void
vps_pidfile_write (const char *name, const char *file)
{
  cleanup_free char *path = vps_path (name, file);
  cleanup_free char *text = xasprintf ("%d %llu\n", getpid (), proc_start_time (getpid ()));
  cleanup_fd int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0)
    write_all (fd, text, strlen (text));
}

/* The pid the file names if that process still runs (and is not us), else 0. */
static pid_t
pidfile_read (const char *path)
{
  cleanup_free char *text = NULL;
  struct carrel_error ignored;
  size_t len;
  int pid = 0;
  unsigned long long start = 0;
  if (read_file_at (AT_FDCWD, path, &text, &len, &ignored) < 0)
    return 0;
  if (sscanf (text, "%d %llu", &pid, &start) == 2 && pid != getpid () && proc_is (pid, start))
    return pid;
  return 0;
}

bool
vps_pidfile_alive (const char *name, const char *file)
{
  cleanup_free char *path = vps_path (name, file);
  return pidfile_read (path) > 0;
}

void
vps_pidfile_kill (const char *name, const char *file)
{
  cleanup_free char *path = vps_path (name, file);
  pid_t pid = pidfile_read (path);
  if (pid > 0)
    kill (pid, SIGKILL);
  unlink (path);
}

void
vps_log (const char *name, const char *level, const char *fmt, ...)
{
  cleanup_free char *path = vps_path (name, VPS_LOG);
  cleanup_file FILE *f = fopen (path, "ae");
  char when[64];
  struct timespec ts;
  struct tm tm;
  va_list ap;
  if (f == NULL)
    return;
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  fprintf (f, "%s.%09ldZ %s: ", when, ts.tv_nsec, level);
  va_start (ap, fmt);
  vfprintf (f, fmt, ap);
  va_end (ap);
  fputc ('\n', f);
}

static int
remove_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)ftw;
  if (flag == FTW_DP ? rmdir (path) : unlink (path))
    return errno == ENOENT ? 0 : -1;
  return 0;
}

int
vps_remove_tree (const char *path, struct carrel_error *err)
{
  /* FTW_MOUNT: a mount left on rootfs/ is never walked into (its files are the tenant's). */
  if (nftw (path, remove_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
    return carrel_fail (err, errno, "remove %s", path);
  return 0;
}

/* "SIGUSR2" for 12; NULL if unknown. */
static const char *
signal_name (int sig)
{
  static char buf[32];
  for (size_t i = 0; i < carrel_n_signals; i++)
    if (carrel_signals[i].value == sig)
      {
        const char *n = carrel_signals[i].name;
        snprintf (buf, sizeof buf, "%s%s", strncmp (n, "SIG", 3) == 0 ? "" : "SIG", n);
        return buf;
      }
  return NULL;
}

const char *
carrel_restart_policy_name (enum carrel_restart_policy p)
{
  static const char *const names[] = {
    [CARREL_RESTART_NO] = "no", [CARREL_RESTART_ON_FAILURE] = "on-failure", [CARREL_RESTART_ALWAYS] = "always"
  };
  return (unsigned)p < ARRAY_SIZE (names) ? names[p] : "no";
}

int
carrel_restart_policy_parse (const char *s, enum carrel_restart_policy *out)
{
  for (int p = CARREL_RESTART_NO; p <= CARREL_RESTART_ALWAYS; p++)
    if (s && strcmp (s, carrel_restart_policy_name (p)) == 0)
      {
        *out = p;
        return 0;
      }
  *out = CARREL_RESTART_NO;
  return -1;
}

int
carrel_parse_size (const char *s, uint64_t *out)
{
  static const char units[] = "KMGT";
  char *end;
  unsigned long long v;
  if (s == NULL || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  v = strtoull (s, &end, 10);
  if (errno)
    return -1;
  if (*end)
    {
      const char *u = strchr (units, end[0] & ~0x20);
      if (u == NULL || end[0] == '\0'
          || (end[1] && !((end[1] == 'B' || end[1] == 'b') && end[2] == '\0')
              && !((end[1] == 'i') && (end[2] == 'B' || end[2] == 'b') && !end[3])))
        return -1;
      for (int i = 0; i <= u - units; i++)
        {
          if (v > UINT64_MAX / 1024)
            return -1;
          v *= 1024;
        }
    }
  *out = v;
  return 0;
}
