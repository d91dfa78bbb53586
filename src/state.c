/* State directories: creation, locking, the state file and the exit record. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "carrel/tables.h"
#include "cgroup.h"
#include "state.h"
#include "util.h"

const char *
carrel_status_name (enum carrel_status s)
{
  static const char *const names[] = { "creating", "created", "running", "stopped", "paused" };
  return names[s];
}

static int
status_from_name (const char *name)
{
  for (int i = 0; i <= CARREL_STATUS_PAUSED; i++)
    if (strcmp (carrel_status_name (i), name) == 0)
      return i;
  return -1;
}

void
now_rfc3339 (char *buf, size_t len)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  format_rfc3339 (buf, len, ts.tv_sec, ts.tv_nsec);
}

const char *
carrel_data_dir (void)
{
  const char *d = getenv ("CARREL_DATA_DIR");
  return d && *d ? d : "/var/lib/carrel";
}

int
carrel_id_validate (const char *id, struct carrel_error *err)
{
  size_t n = id ? strlen (id) : 0;
  if (n == 0)
    return carrel_fail (err, EINVAL, "container id must not be empty");
  if (n > 1024)
    return carrel_fail (err, EINVAL, "container id is longer than 1024 characters");
  if (strcmp (id, ".") == 0 || strcmp (id, "..") == 0)
    return carrel_fail (err, EINVAL, "invalid container id \"%s\"", id);
  for (const char *p = id; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'
          || *p == '-' || *p == '.' || *p == '+'))
      return carrel_fail (err, EINVAL,
                          "invalid container id \"%s\": only letters, digits and _ - . + are allowed", id);
  return 0;
}

int
state_dir_create (const char *root, const char *id, int *dirfd, struct carrel_error *err)
{
  cleanup_fd int rootfd = -1;
  cleanup_fd int fd = -1;
  if (mkdir_p (root, 0711, err) < 0)
    return carrel_wrap (err, "state root");
  rootfd = open (root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (rootfd < 0)
    return carrel_fail (err, errno, "open state root %s", root);
  if (mkdirat (rootfd, id, 0700) < 0)
    {
      if (errno == EEXIST)
        return carrel_fail (err, EEXIST, "container \"%s\" already exists", id);
      return carrel_fail (err, errno, "create state directory %s/%s", root, id);
    }
  fd = openat (rootfd, id, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (fd < 0 || flock (fd, LOCK_EX) < 0)
    {
      int e = errno;
      unlinkat (rootfd, id, AT_REMOVEDIR);
      return carrel_fail (err, e, "lock state directory %s/%s", root, id);
    }
  *dirfd = take_fd (&fd);
  return 0;
}

int
state_dir_open (const char *root, const char *id, int lock_op, int *dirfd, struct carrel_error *err)
{
  cleanup_free char *path = NULL;
  cleanup_fd int fd = -1;
  if (carrel_id_validate (id, err) < 0)
    return -1;
  path = xasprintf ("%s/%s", root, id);
  fd = open (path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return carrel_fail (err, ENOENT, "container \"%s\" does not exist", id);
      return carrel_fail (err, errno, "open state directory %s", path);
    }
  if (lock_op && flock (fd, lock_op) < 0)
    return carrel_fail (err, errno, "lock state directory %s", path);
  /* A delete may have removed the directory while we waited for the lock. */
  if (lock_op && faccessat (fd, ".", F_OK, 0) == 0)
    {
      struct stat st;
      if (fstat (fd, &st) == 0 && st.st_nlink == 0)
        return carrel_fail (err, ENOENT, "container \"%s\" does not exist", id);
    }
  *dirfd = take_fd (&fd);
  return 0;
}

/* One pass: unlink every entry, then rmdir. */
static int
remove_dir_once (const char *path, struct carrel_error *err)
{
  DIR *d = opendir (path);
  struct dirent *de;
  if (d == NULL)
    {
      if (errno == ENOENT)
        return 0;
      return carrel_fail (err, errno, "open state directory %s", path);
    }
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (unlinkat (dirfd (d), de->d_name, 0) < 0 && errno != ENOENT)
        {
          int e = errno;
          closedir (d);
          return carrel_fail (err, e, "remove %s/%s", path, de->d_name);
        }
    }
  closedir (d);
  if (rmdir (path) < 0 && errno != ENOENT)
    return carrel_fail (err, errno, "remove state directory %s", path);
  return 0;
}

int
state_dir_remove (const char *root, const char *id, struct carrel_error *err)
{
  cleanup_free char *path = xasprintf ("%s/%s", root, id);
  /* A dying supervisor may still drop its last record in: a few passes, not forever. */
  for (int pass = 0;; pass++)
    {
      if (remove_dir_once (path, err) == 0)
        return 0;
      if (err->errno_value != ENOTEMPTY || pass == 2)
        return -1;
    }
}

unsigned long long
proc_start_time (pid_t pid)
{
  char path[64], buf[1024];
  cleanup_fd int fd = -1;
  ssize_t n;
  char *p;
  unsigned long long start = 0;
  char state;
  snprintf (path, sizeof path, "/proc/%d/stat", pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  n = read_all (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  /* comm may hold spaces and parentheses: fields resume after the last ')'. */
  p = strrchr (buf, ')');
  if (p == NULL)
    return 0;
  if (sscanf (p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
              &state, &start)
      != 2)
    return 0;
  if (state == 'Z' || state == 'X')
    return 0;
  return start;
}

bool
proc_is (pid_t pid, unsigned long long start)
{
  return pid > 0 && start != 0 && proc_start_time (pid) == start;
}

int
state_write (int dirfd, const struct carrel_state *st, struct carrel_error *err)
{
  json_t *o = json_object ();
  json_t *ann = NULL;
  cleanup_free char *text = NULL;
  int r;
  json_object_set_new (o, "id", json_string (st->id));
  json_object_set_new (o, "status", json_string (carrel_status_name (st->status)));
  json_object_set_new (o, "pid", json_integer (st->pid));
  json_object_set_new (o, "pidStart", json_integer ((json_int_t)st->pid_start));
  json_object_set_new (o, "supervisorPid", json_integer (st->supervisor_pid));
  json_object_set_new (o, "supervisorStart", json_integer ((json_int_t)st->supervisor_start));
  json_object_set_new (o, "bundle", json_string (st->bundle ? st->bundle : ""));
  json_object_set_new (o, "created", json_string (st->created ? st->created : ""));
  json_object_set_new (o, "owner", json_string (st->owner ? st->owner : ""));
  if (st->cgroup_path)
    {
      json_object_set_new (o, "cgroupPath", json_string (st->cgroup_path));
      json_object_set_new (o, "cgroupOwned", json_boolean (st->cgroup_owned));
    }
  if (st->annotations_json)
    ann = json_loads (st->annotations_json, 0, NULL);
  json_object_set_new (o, "annotations", ann ? ann : json_object ());
  text = json_dumps (o, JSON_COMPACT);
  json_decref (o);
  r = write_file_atomic (dirfd, STATE_FILE, text, strlen (text), 0600, err);
  return r < 0 ? carrel_wrap (err, "write state") : 0;
}

int
state_write_exit (int dirfd, int wait_status, struct carrel_error *err)
{
  char buf[256], when[64];
  now_rfc3339 (when, sizeof when);
  if (WIFSIGNALED (wait_status))
    snprintf (buf, sizeof buf, "{\"exitCode\":%d,\"signal\":%d,\"finished\":\"%s\"}",
              128 + WTERMSIG (wait_status), WTERMSIG (wait_status), when);
  else
    snprintf (buf, sizeof buf, "{\"exitCode\":%d,\"signal\":0,\"finished\":\"%s\"}",
              WEXITSTATUS (wait_status), when);
  return write_file_atomic (dirfd, EXIT_FILE, buf, strlen (buf), 0600, err);
}

static char *
dup_json_string (json_t *o, const char *key)
{
  json_t *v = json_object_get (o, key);
  return json_is_string (v) ? xstrdup (json_string_value (v)) : NULL;
}

int
state_read (int dirfd, const char *id, struct carrel_state *st, struct carrel_error *err)
{
  cleanup_free char *text = NULL;
  json_t *o, *v;
  json_error_t jerr;
  int status;
  memset (st, 0, sizeof *st);
  if (read_file_at (dirfd, STATE_FILE, &text, NULL, err) < 0)
    {
      if (err->errno_value == ENOENT)
        {
          /* The creator died before writing anything: nothing runs, delete may remove it. */
          st->id = xstrdup (id);
          st->status = CARREL_STATUS_STOPPED;
          st->annotations_json = xstrdup ("{}");
          carrel_error_clear (err);
          return 0;
        }
      return carrel_wrap (err, "container \"%s\": read state", id);
    }
  o = json_loads (text, 0, &jerr);
  if (!json_is_object (o))
    {
      json_decref (o);
      return carrel_fail (err, EINVAL, "container \"%s\": state file is corrupt (%s)", id,
                          jerr.text[0] ? jerr.text : "not an object");
    }
  st->id = xstrdup (id);
  st->bundle = dup_json_string (o, "bundle");
  st->created = dup_json_string (o, "created");
  st->owner = dup_json_string (o, "owner");
  st->cgroup_path = dup_json_string (o, "cgroupPath");
  st->cgroup_owned = json_is_true (json_object_get (o, "cgroupOwned"));
  st->pid = json_integer_value (json_object_get (o, "pid"));
  st->pid_start = json_integer_value (json_object_get (o, "pidStart"));
  st->supervisor_pid = json_integer_value (json_object_get (o, "supervisorPid"));
  st->supervisor_start = json_integer_value (json_object_get (o, "supervisorStart"));
  v = json_object_get (o, "annotations");
  st->annotations_json = json_is_object (v) ? json_dumps (v, JSON_COMPACT) : xstrdup ("{}");
  v = json_object_get (o, "status");
  status = json_is_string (v) ? status_from_name (json_string_value (v)) : -1;
  json_decref (o);
  if (status < 0)
    {
      /* Callers free nothing on failure. */
      carrel_state_free (st);
      return carrel_fail (err, EINVAL, "container \"%s\": state file has no valid status", id);
    }
  st->status = status;

  {
    cleanup_free char *exit_text = NULL;
    struct carrel_error ignored;
    if (read_file_at (dirfd, EXIT_FILE, &exit_text, NULL, &ignored) == 0)
      {
        json_t *e = json_loads (exit_text, 0, NULL);
        if (json_is_object (e))
          {
            st->has_exit = true;
            st->exit_code = json_integer_value (json_object_get (e, "exitCode"));
            st->exit_signal = json_integer_value (json_object_get (e, "signal"));
            st->finished = dup_json_string (e, "finished");
          }
        json_decref (e);
      }
  }
  st->supervisor_alive = proc_is (st->supervisor_pid, st->supervisor_start);
  /* The truth is the process: a recorded exit, or a pid that is gone or reused, means stopped. */
  if (st->status != CARREL_STATUS_CREATING && (st->has_exit || !proc_is (st->pid, st->pid_start)))
    st->status = CARREL_STATUS_STOPPED;
  else if (st->status == CARREL_STATUS_CREATING && !st->supervisor_alive && !proc_is (st->pid, st->pid_start))
    st->status = CARREL_STATUS_STOPPED;
  else if (st->status == CARREL_STATUS_RUNNING && st->cgroup_path)
    {
      /* Paused is the freezer's state, not a recorded one: pause/resume write no state. */
      bool frozen = false;
      struct carrel_error ignored;
      if (cgroup_is_frozen (st->cgroup_path, &frozen, &ignored) == 0 && frozen)
        st->status = CARREL_STATUS_PAUSED;
    }
  return 0;
}

static char *
dup_or_null (const char *s)
{
  return s ? xstrdup (s) : NULL;
}

void
carrel_state_copy (struct carrel_state *to, const struct carrel_state *from)
{
  *to = *from;
  to->id = dup_or_null (from->id);
  to->bundle = dup_or_null (from->bundle);
  to->created = dup_or_null (from->created);
  to->owner = dup_or_null (from->owner);
  to->annotations_json = dup_or_null (from->annotations_json);
  to->cgroup_path = dup_or_null (from->cgroup_path);
  to->finished = dup_or_null (from->finished);
}

void
carrel_state_free (struct carrel_state *st)
{
  free (st->id);
  free (st->bundle);
  free (st->created);
  free (st->owner);
  free (st->annotations_json);
  free (st->cgroup_path);
  free (st->finished);
  memset (st, 0, sizeof *st);
}

char *
carrel_state_to_json (const struct carrel_state *st, bool pretty)
{
  json_t *o = json_object ();
  json_t *ann = st->annotations_json ? json_loads (st->annotations_json, 0, NULL) : NULL;
  char *text;
  json_object_set_new (o, "ociVersion", json_string (CARREL_OCI_VERSION));
  json_object_set_new (o, "id", json_string (st->id));
  json_object_set_new (o, "status", json_string (carrel_status_name (st->status)));
  if (st->status != CARREL_STATUS_STOPPED && st->pid > 0)
    json_object_set_new (o, "pid", json_integer (st->pid));
  else
    json_object_set_new (o, "pid", json_integer (0));
  json_object_set_new (o, "bundle", json_string (st->bundle ? st->bundle : ""));
  json_object_set_new (o, "annotations", ann ? ann : json_object ());
  if (st->created && st->created[0])
    json_object_set_new (o, "created", json_string (st->created));
  if (st->owner)
    json_object_set_new (o, "owner", json_string (st->owner));
  if (st->has_exit)
    {
      json_object_set_new (o, "exitCode", json_integer (st->exit_code));
      if (st->exit_signal)
        json_object_set_new (o, "exitSignal", json_integer (st->exit_signal));
      if (st->finished)
        json_object_set_new (o, "finished", json_string (st->finished));
    }
  json_object_set_new (o, "supervisorPid", json_integer (st->supervisor_alive ? st->supervisor_pid : 0));
  text = json_dumps (o, pretty ? JSON_INDENT (2) : JSON_COMPACT);
  json_decref (o);
  return text;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

int
carrel_container_list (const char *root, char ***ids, size_t *n, struct carrel_error *err)
{
  DIR *d = opendir (root);
  struct dirent *de;
  char **v = NULL;
  size_t count = 0;
  if (d == NULL)
    {
      if (errno == ENOENT)
        {
          *ids = xcalloc (1, sizeof (char *));
          *n = 0;
          return 0;
        }
      return carrel_fail (err, errno, "open state root %s", root);
    }
  while ((de = readdir (d)))
    {
      if (de->d_name[0] == '.' || de->d_type != DT_DIR)
        continue;
      v = xrealloc (v, (count + 2) * sizeof (char *));
      v[count++] = xstrdup (de->d_name);
    }
  closedir (d);
  if (v == NULL)
    v = xcalloc (1, sizeof (char *));
  v[count] = NULL;
  qsort (v, count, sizeof (char *), cmp_str);
  *ids = v;
  *n = count;
  return 0;
}
