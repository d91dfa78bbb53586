/* The allocator of VPS id ranges: <data>/vps/idranges.json, changed under flock(idranges.lock).
 * Range k is [VPS_ID_BASE + k * 65536, + 65536); a range overlapping an /etc/subuid or /etc/subgid
 * entry (another user's subordinate ids) is never handed out. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/file.h>

#include "util.h"
#include "vps.h"

#define VPS_ID_BASE 1000000UL
#define VPS_ID_MAX 4294967294UL
#define IDRANGES "idranges.json"

struct sub_range
{
  unsigned long start, count;
};

/* "name:start:count" lines of /etc/subuid and /etc/subgid. */
static size_t
read_subids (struct sub_range **out)
{
  static const char *const files[] = { "/etc/subuid", "/etc/subgid" };
  struct sub_range *v = NULL;
  size_t n = 0;
  for (size_t f = 0; f < ARRAY_SIZE (files); f++)
    {
      cleanup_file FILE *fp = fopen (files[f], "re");
      char line[512];
      while (fp && fgets (line, sizeof line, fp))
        {
          char *c1 = strchr (line, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
          if (c2 == NULL)
            continue;
          v = xrealloc (v, (n + 1) * sizeof *v);
          v[n].start = strtoul (c1 + 1, NULL, 10);
          v[n].count = strtoul (c2 + 1, NULL, 10);
          n++;
        }
    }
  *out = v;
  return n;
}

static bool
overlaps (unsigned long a, unsigned long an, unsigned long b, unsigned long bn)
{
  return a < b + bn && b < a + an;
}

static int
open_locked (int *dirfd, int *lockfd, struct carrel_error *err)
{
  cleanup_free char *dir = vps_base_dir ();
  cleanup_fd int dfd = -1;
  cleanup_fd int lfd = -1;
  if (mkdir_p (dir, 0711, err) < 0)
    return -1;
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return carrel_fail (err, errno, "open %s", dir);
  lfd = openat (dfd, "idranges.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lfd < 0)
    return carrel_fail (err, errno, "open %s/idranges.lock", dir);
  while (flock (lfd, LOCK_EX) < 0)
    if (errno != EINTR)
      return carrel_fail (err, errno, "lock %s/idranges.lock", dir);
  *dirfd = take_fd (&dfd);
  *lockfd = take_fd (&lfd);
  return 0;
}

static json_t *
load (int dirfd, struct carrel_error *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  json_t *doc;
  if (read_file_at (dirfd, IDRANGES, &text, &len, err) < 0)
    {
      if (err->errno_value != ENOENT)
        return NULL;
      carrel_error_clear (err);
      return json_pack ("{s:I, s:I, s:{}}", "base", (json_int_t)VPS_ID_BASE, "size",
                        (json_int_t)CARREL_VPS_ID_RANGE, "ranges");
    }
  doc = json_loadb (text, len, 0, NULL);
  if (!json_is_object (json_object_get (doc, "ranges")))
    {
      json_decref (doc);
      carrel_fail (err, EINVAL, "%s/vps/%s: not an id range table", carrel_data_dir (), IDRANGES);
      return NULL;
    }
  return doc;
}

static int
save (int dirfd, json_t *doc, struct carrel_error *err)
{
  cleanup_free char *text = json_dumps (doc, JSON_INDENT (2) | JSON_SORT_KEYS);
  return write_file_atomic (dirfd, IDRANGES, text, strlen (text), 0600, err);
}

int
vps_idrange_alloc (const char *name, unsigned long *base, struct carrel_error *err)
{
  cleanup_fd int dirfd = -1;
  cleanup_fd int lockfd = -1;
  cleanup_free struct sub_range *subs = NULL;
  size_t n_subs;
  json_t *doc, *ranges, *v;
  const char *key;
  int r = -1;
  if (open_locked (&dirfd, &lockfd, err) < 0)
    return -1;
  doc = load (dirfd, err);
  if (doc == NULL)
    return -1;
  ranges = json_object_get (doc, "ranges");
  n_subs = read_subids (&subs);
  for (unsigned long start = VPS_ID_BASE; start <= VPS_ID_MAX - CARREL_VPS_ID_RANGE;
       start += CARREL_VPS_ID_RANGE)
    {
      bool taken = false;
      json_object_foreach (ranges, key, v) taken
          = taken || overlaps (start, CARREL_VPS_ID_RANGE, json_integer_value (v), CARREL_VPS_ID_RANGE);
      for (size_t i = 0; i < n_subs && !taken; i++)
        taken = overlaps (start, CARREL_VPS_ID_RANGE, subs[i].start, subs[i].count);
      if (taken)
        continue;
      json_object_set_new (ranges, name, json_integer (start));
      if (save (dirfd, doc, err) == 0)
        {
          *base = start;
          r = 0;
        }
      goto out;
    }
  carrel_fail (err, ENOSPC, "no free id range of %u ids left", CARREL_VPS_ID_RANGE);
out:
  json_decref (doc);
  return r;
}

int
vps_idrange_release (const char *name, struct carrel_error *err)
{
  cleanup_fd int dirfd = -1;
  cleanup_fd int lockfd = -1;
  json_t *doc;
  int r = 0;
  if (open_locked (&dirfd, &lockfd, err) < 0)
    return -1;
  doc = load (dirfd, err);
  if (doc == NULL)
    return -1;
  if (json_object_del (json_object_get (doc, "ranges"), name) == 0)
    r = save (dirfd, doc, err);
  json_decref (doc);
  return r;
}
