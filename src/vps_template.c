/* VPS templates: config/templates/<name>.json says how to build the rootfs (a builder script that
 * makes an OCI bundle in a directory), the init to boot, its stop signal, default limits and the
 * files every VPS of the template gets. Built rootfses are cached (<data>/vps/templates/<name>, or
 * $CARREL_VPS_TEMPLATE_CACHE/<name>). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "carrel/tables.h"
#include "util.h"
#include "vps.h"

/* $CARREL_TEMPLATE_DIR, else config/templates next to the binary's build tree, else the installed
 * /usr/local/share/carrel/templates. */
static char *
template_dir (void)
{
  const char *env = getenv ("CARREL_TEMPLATE_DIR");
  char exe[PATH_MAX];
  ssize_t n;
  if (env && *env)
    return xstrdup (env);
  n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0)
    {
      cleanup_free char *cand = NULL;
      exe[n] = '\0';
      cand = xasprintf ("%s/../config/templates", dirname (exe));
      if (access (cand, R_OK) == 0)
        return realpath (cand, NULL);
    }
  return xstrdup ("/usr/local/share/carrel/templates");
}

static char **
strv_from_json (json_t *a)
{
  size_t n = json_array_size (a);
  char **v = xcalloc (n + 1, sizeof (char *));
  for (size_t i = 0; i < n; i++)
    v[i] = xstrdup (json_string_value (json_array_get (a, i)) ? json_string_value (json_array_get (a, i))
                                                              : "");
  return v;
}

static int
json_size (json_t *v, uint64_t *out)
{
  if (json_is_integer (v))
    {
      *out = json_integer_value (v);
      return 0;
    }
  return json_is_string (v) ? carrel_parse_size (json_string_value (v), out) : -1;
}

int
vps_template_load (const char *name, struct vps_template *t, struct carrel_error *err)
{
  cleanup_free char *dir = template_dir ();
  cleanup_free char *path = NULL;
  cleanup_free char *text = NULL;
  size_t len;
  json_error_t jerr;
  json_t *o, *defs;
  memset (t, 0, sizeof *t);
  if (name == NULL || strchr (name, '/') || name[0] == '.' || name[0] == '\0')
    return carrel_fail (err, EINVAL, "template \"%s\": not a template name", name ? name : "");
  path = xasprintf ("%s/%s.json", dir, name);
  if (read_file_at (AT_FDCWD, path, &text, &len, err) < 0)
    {
      if (err->errno_value == ENOENT)
        return carrel_fail (err, ENOENT, "template %s: no %s (templates: $CARREL_TEMPLATE_DIR)", name, path);
      return -1;
    }
  o = json_loadb (text, len, 0, &jerr);
  if (!json_is_object (o))
    {
      json_decref (o);
      return carrel_fail (err, EINVAL, "template %s: %s: %s", name, path, jerr.text);
    }
  t->name = xstrdup (name);
  t->dir = xstrdup (dir);
  t->builder = strv_from_json (json_object_get (o, "builder"));
  t->init = strv_from_json (json_object_get (o, "init"));
  t->stop_signal = carrel_signal_parse (json_string_value (json_object_get (o, "stop_signal")));
  t->stop_timeout_ms = 1000
                       * (json_is_integer (json_object_get (o, "stop_timeout"))
                              ? json_integer_value (json_object_get (o, "stop_timeout"))
                              : 10);
  defs = json_object_get (o, "defaults");
  if (json_size (json_object_get (defs, "memory"), &t->memory) < 0)
    t->memory = 0;
  if (json_size (json_object_get (defs, "disk"), &t->disk) < 0)
    t->disk = 64 << 20;
  t->cpus = json_number_value (json_object_get (defs, "cpus"));
  t->pids = json_integer_value (json_object_get (defs, "pids"));
  t->files = json_incref (json_object_get (o, "files"));
  t->host_files = json_incref (json_object_get (o, "host_files"));
  json_decref (o);
  if (t->builder[0] == NULL || t->init[0] == NULL)
    return carrel_fail (err, EINVAL, "template %s: %s: \"builder\" and \"init\" are required", name, path);
  if (t->stop_signal <= 0)
    t->stop_signal = SIGTERM;
  return 0;
}

void
vps_template_free (struct vps_template *t)
{
  free (t->name);
  free (t->dir);
  free_strv (t->builder);
  free_strv (t->init);
  json_decref (t->files);
  json_decref (t->host_files);
  memset (t, 0, sizeof *t);
}

int
vps_template_rootfs (const struct vps_template *t, char **rootfs, struct carrel_error *err)
{
  const char *env = getenv ("CARREL_VPS_TEMPLATE_CACHE");
  cleanup_free char *cache = env && *env ? xstrdup (env) : xasprintf ("%s/vps/templates", carrel_data_dir ());
  cleanup_free char *bundle = xasprintf ("%s/%s", cache, t->name);
  cleanup_free char *builder = NULL;
  size_t n = 0;
  char **argv;
  int r;
  if (mkdir_p (cache, 0700, err) < 0)
    return carrel_wrap (err, "template cache");
  /* The builders are idempotent and quick when the rootfs is there: always ask them. */
  while (t->builder[n])
    n++;
  argv = xcalloc (n + 2, sizeof (char *));
  builder = t->builder[0][0] == '/' ? xstrdup (t->builder[0]) : xasprintf ("%s/%s", t->dir, t->builder[0]);
  argv[0] = builder;
  for (size_t i = 1; i < n; i++)
    argv[i] = t->builder[i];
  argv[n] = bundle;
  {
    char *env_add[] = { "CARREL_BUNDLE_CONFIG=template", NULL };
    r = vps_run (argv, env_add, false, err);
  }
  free (argv);
  if (r < 0)
    return carrel_wrap (err, "template %s: build the rootfs", t->name);
  *rootfs = xasprintf ("%s/rootfs", bundle);
  return 0;
}

/* Open the parent directory of path inside rootfs (creating it), refusing symlinks on the way: the
 * image is the tenant's, and create writes as root on the host. */
static int
open_parent (int rootfd, const char *path, char **leaf, struct carrel_error *err)
{
  cleanup_free char *copy = xstrdup (path);
  char *save = NULL, *part, *next;
  int dfd = dup (rootfd);
  if (dfd < 0)
    return carrel_fail (err, errno, "dup");
  part = strtok_r (copy, "/", &save);
  while (part && (next = strtok_r (NULL, "/", &save)))
    {
      int nfd;
      if (strcmp (part, "..") == 0)
        {
          close (dfd);
          return carrel_fail (err, EINVAL, "%s: \"..\" is not allowed", path);
        }
      mkdirat (dfd, part, 0755);
      nfd = openat (dfd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      close (dfd);
      if (nfd < 0)
        return carrel_fail (err, errno, "open %s in the rootfs", path);
      dfd = nfd;
      part = next;
    }
  if (part == NULL)
    {
      close (dfd);
      return carrel_fail (err, EINVAL, "%s: no file name", path);
    }
  *leaf = xstrdup (part);
  return dfd;
}

static int
put_file (int rootfd, const char *path, const char *data, size_t len, mode_t mode, struct carrel_error *err)
{
  cleanup_free char *leaf = NULL;
  cleanup_fd int dfd = open_parent (rootfd, path, &leaf, err);
  cleanup_fd int fd = -1;
  if (dfd < 0)
    return -1;
  unlinkat (dfd, leaf, 0);
  fd = openat (dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0 || write_all (fd, data, len) < 0 || fchmod (fd, mode) < 0)
    return carrel_fail (err, errno, "write %s in the rootfs", path);
  return 0;
}

int
vps_template_install (const struct vps_template *t, const struct vps_record *r, const char *rootfs,
                      const char *ssh_key, struct carrel_error *err)
{
  cleanup_fd int rootfd = open (rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const char *path;
  json_t *v;
  if (rootfd < 0)
    return carrel_fail (err, errno, "open %s", rootfs);
  json_object_foreach (t->files, path, v)
  {
    const char *content
        = json_is_string (v) ? json_string_value (v) : json_string_value (json_object_get (v, "content"));
    const char *mode = json_string_value (json_object_get (v, "mode"));
    if (content == NULL)
      return carrel_fail (err, EINVAL, "template %s: files[\"%s\"]: no content", t->name, path);
    if (put_file (rootfd, path, content, strlen (content), mode ? strtoul (mode, NULL, 8) : 0644, err) < 0)
      return carrel_wrap (err, "template %s", t->name);
  }
  json_object_foreach (t->host_files, path, v)
  {
    cleanup_free char *data = NULL;
    size_t len;
    struct stat st;
    const char *src = json_string_value (v);
    if (src == NULL || stat (src, &st) < 0 || read_file_at (AT_FDCWD, src, &data, &len, err) < 0)
      return carrel_fail (err, errno ? errno : EINVAL, "template %s: host file %s", t->name, src ? src : "?");
    if (put_file (rootfd, path, data, len, st.st_mode & 07777, err) < 0)
      return carrel_wrap (err, "template %s", t->name);
  }
  {
    cleanup_free char *host = xasprintf ("%s\n", r->hostname);
    cleanup_free char *hosts
        = xasprintf ("127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost\n", r->hostname);
    if (put_file (rootfd, "/etc/hostname", host, strlen (host), 0644, err) < 0
        || put_file (rootfd, "/etc/hosts", hosts, strlen (hosts), 0644, err) < 0)
      return -1;
  }
  if (ssh_key)
    {
      cleanup_free char *key = NULL;
      size_t len;
      cleanup_fd int sshfd = -1;
      if (read_file_at (AT_FDCWD, ssh_key, &key, &len, err) < 0)
        return carrel_wrap (err, "--ssh-key");
      if (put_file (rootfd, "/root/.ssh/authorized_keys", key, len, 0600, err) < 0)
        return -1;
      sshfd = openat (rootfd, "root/.ssh", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sshfd >= 0)
        fchmod (sshfd, 0700);
    }
  return 0;
}
