/* pause, resume, update and events: commands on a container's cgroup, found through its state. */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cgroup.h"
#include "runtime.h"
#include "state.h"
#include "util.h"

/* Open the state and check that the container has a cgroup and is in one of the wanted states. */
static int
open_container (const char *root, const char *id, const char *cmd, int lock, unsigned wanted, int *dirfd,
                struct carrel_state *st, struct carrel_error *err)
{
  if (state_dir_open (root, id, lock, dirfd, err) < 0)
    return carrel_wrap (err, "%s", cmd);
  if (state_read (*dirfd, id, st, err) < 0)
    {
      close (*dirfd);
      *dirfd = -1;
      return carrel_wrap (err, "%s", cmd);
    }
  if (!(wanted & (1u << st->status)))
    {
      carrel_fail (err, EINVAL, "%s %s: the container is %s", cmd, id, carrel_status_name (st->status));
      goto fail;
    }
  if (st->cgroup_path == NULL)
    {
      carrel_fail (err, ENOTSUP, "%s %s: the container has no cgroup (rootless without a delegated cgroup?)",
                   cmd, id);
      goto fail;
    }
  return 0;
fail:
  carrel_state_free (st);
  close (*dirfd);
  *dirfd = -1;
  return -1;
}

#define ST(s) (1u << CARREL_STATUS_##s)

int
carrel_container_pause (const char *root, const char *id, struct carrel_error *err)
{
  cleanup_fd int dirfd = -1;
  struct carrel_state st;
  int r;
  if (open_container (root, id, "pause", LOCK_EX, ST (RUNNING), &dirfd, &st, err) < 0)
    return -1;
  r = cgroup_freeze (st.cgroup_path, true, err);
  if (r < 0)
    carrel_wrap (err, "pause %s", id);
  carrel_state_free (&st);
  return r;
}

int
carrel_container_resume (const char *root, const char *id, struct carrel_error *err)
{
  cleanup_fd int dirfd = -1;
  struct carrel_state st;
  int r;
  if (open_container (root, id, "resume", LOCK_EX, ST (PAUSED), &dirfd, &st, err) < 0)
    return -1;
  r = cgroup_freeze (st.cgroup_path, false, err);
  if (r < 0)
    carrel_wrap (err, "resume %s", id);
  carrel_state_free (&st);
  return r;
}

int
carrel_container_update (const char *root, const char *id, const struct carrel_resources *res,
                         struct carrel_error *err)
{
  cleanup_fd int dirfd = -1;
  struct carrel_state st;
  struct carrel_spec *spec = NULL;
  struct carrel_resources r = *res;
  int rc = -1;
  if (open_container (root, id, "update", LOCK_EX, ST (CREATED) | ST (RUNNING) | ST (PAUSED), &dirfd, &st,
                      err)
      < 0)
    return -1;
  /* The config's device list and checkBeforeUpdate still hold for an update. */
  if (load_state_spec (dirfd, &spec, err) < 0)
    {
      carrel_wrap (err, "update %s", id);
      goto out;
    }
  if (spec->linux_.has_resources && spec->linux_.resources.has_memory
      && spec->linux_.resources.memory.check_before_update)
    r.memory.check_before_update = true;
  if (cgroup_update_devices (st.cgroup_path, &r, spec->linux_.devices, spec->linux_.n_devices, err) < 0)
    {
      carrel_wrap (err, "update %s", id);
      goto out;
    }
  rc = 0;
out:
  carrel_spec_free (spec);
  carrel_state_free (&st);
  return rc;
}

static char *
event_json (const char *type, const char *id, const char *data)
{
  json_t *o = json_pack ("{s:s, s:s}", "type", type, "id", id);
  char *s;
  if (data)
    json_object_set_new (o, "data", json_loads (data, 0, NULL));
  s = json_dumps (o, JSON_COMPACT);
  json_decref (o);
  return s;
}

static int
stats_of (const char *id, const char *path, char **json, struct carrel_error *err)
{
  cleanup_free char *data = NULL;
  if (cgroup_stats_json (path, &data, err) < 0)
    return carrel_wrap (err, "events %s", id);
  *json = event_json ("stats", id, data);
  return 0;
}

int
carrel_container_stats (const char *root, const char *id, char **json, struct carrel_error *err)
{
  cleanup_fd int dirfd = -1;
  struct carrel_state st;
  int r;
  if (open_container (root, id, "events", 0, ST (CREATED) | ST (RUNNING) | ST (PAUSED), &dirfd, &st, err) < 0)
    return -1;
  r = stats_of (id, st.cgroup_path, json, err);
  carrel_state_free (&st);
  return r;
}

static bool
still_there (int dirfd, const char *id, const char *path)
{
  struct carrel_state st;
  struct carrel_error ignored;
  bool alive;
  if (state_read (dirfd, id, &st, &ignored) < 0)
    return false;
  alive = st.status != CARREL_STATUS_STOPPED && cgroup_exists (path);
  carrel_state_free (&st);
  return alive;
}

int
carrel_container_events (const char *root, const char *id, int interval_ms, carrel_event_fn emit, void *arg,
                         struct carrel_error *err)
{
  cleanup_fd int dirfd = -1;
  cleanup_fd int oomfd = -1;
  struct carrel_state st;
  long long next, ooms, recheck_until = 0;
  int r = -1;
  if (open_container (root, id, "events", 0, ST (CREATED) | ST (RUNNING) | ST (PAUSED), &dirfd, &st, err) < 0)
    return -1;
  if (cgroup_oom_fd (st.cgroup_path, &oomfd, err) < 0)
    {
      /* No memory controller: stats only. */
      carrel_error_clear (err);
      oomfd = -1;
    }
  ooms = cgroup_oom_count (st.cgroup_path);
  next = now_ms ();
  for (;;)
    {
      long long now = now_ms ();
      if (now >= next)
        {
          cleanup_free char *line = NULL;
          if (!still_there (dirfd, id, st.cgroup_path))
            {
              r = 0;
              break;
            }
          if (stats_of (id, st.cgroup_path, &line, err) < 0)
            break;
          if (emit (line, arg) < 0)
            {
              r = 0;
              break;
            }
          next = now + interval_ms;
          continue;
        }
      struct pollfd p = { .fd = oomfd, .events = POLLIN };
      /* After a wakeup the kill may not be counted yet: look again for a moment. */
      int wait_ms = (int)(next - now);
      if (recheck_until > now && wait_ms > 20)
        wait_ms = 20;
      int n = poll (&p, oomfd >= 0 ? 1 : 0, wait_ms);
      if (n < 0 && errno != EINTR)
        {
          carrel_fail (err, errno, "events %s: poll", id);
          break;
        }
      if (n > 0 && (p.revents & POLLIN))
        {
          char buf[4096];
          /* Rearm: eventfd (v1) or inotify (v2, non-blocking). */
          if (read (oomfd, buf, sizeof buf) < 0 && errno != EAGAIN)
            carrel_debug ("events: read the OOM fd: %s", strerror (errno));
          recheck_until = now_ms () + 1000;
          /* The v1 eventfd also fires when the cgroup goes away. */
          if (!cgroup_exists (st.cgroup_path))
            {
              r = 0;
              break;
            }
        }
      if (recheck_until > now_ms () || (n > 0 && (p.revents & POLLIN)))
        {
          /* Count kills, not wakeups. */
          for (long long now_ooms = cgroup_oom_count (st.cgroup_path); now_ooms > ooms; ooms++)
            {
              cleanup_free char *line = event_json ("oom", id, NULL);
              if (emit (line, arg) < 0)
                {
                  r = 0;
                  goto out;
                }
            }
        }
    }
out:
  carrel_state_free (&st);
  return r;
}
