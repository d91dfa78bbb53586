/* VPSes: the internal parts behind include/carrel/vps.h, one file per concern:
 *   vps_store.c     the record (vps.json), paths, names, the per-VPS lock, removal
 *   vps_template.c  templates (config/templates/<t>.json): load, build the rootfs, install files
 *   vps_idrange.c   the persistent allocator of 65536-id ranges (<data>/vps/idranges.json)
 *   vps_disk.c      the disk image: mkfs, loop device, (id-mapped) mount, unmount
 *   vps_spec.c      config.json from the record and the template
 *   vps.c           create, start, stop, destroy, list, stats
 *   vps_console.c   the console client
 *   vps_watch.c     the watcher that carries out the restart policy when the supervisor is gone */
#ifndef CARREL_VPS_INTERNAL_H
#define CARREL_VPS_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "carrel/container.h"
#include "carrel/error.h"
#include "carrel/vps.h"

struct vps_template
{
  char *name;
  char *dir;      /* of the template file: builder paths are relative to it */
  char **builder; /* argv; the cache dir is appended */
  char **init;    /* the VPS's process.args */
  int stop_signal;
  unsigned stop_timeout_ms;
  uint64_t memory, disk;
  double cpus;
  int64_t pids;
  json_t *files;      /* {"/etc/inittab": "text" | {"mode": "0755", "content": "text"}} */
  json_t *host_files; /* {"/path/in/vps": "/host/path"}: copied at create */
};

int vps_template_load (const char *name, struct vps_template *t, struct carrel_error *err);
void vps_template_free (struct vps_template *t);
/* The template's rootfs, built by its builder into the cache when missing. */
int vps_template_rootfs (const struct vps_template *t, char **rootfs, struct carrel_error *err);

struct vps_record
{
  char *name;
  char *template_name;
  uint64_t memory, disk;
  double cpus;
  int64_t pids;
  unsigned io_weight;
  char *network; /* NET[,ip=ADDR] or NULL */
  char *hostname;
  unsigned long id_base;
  enum carrel_restart_policy restart;
  bool autostart;
  int stop_signal;
  unsigned stop_timeout_ms;
  bool want_running;    /* cleared by stop: a pending restart then does nothing */
  unsigned restarts;    /* consecutive quick restarts, for the backoff */
  long long last_start; /* ms since the epoch */
  char *created;
  unsigned console_protocol; /* SUP_CONSOLE_PROTOCOL of the supervisor start made; 0: raw only */
};

#define VPS_RECORD "vps.json"
#define VPS_CONFIG "config.json"
#define VPS_DISK "disk.img"
#define VPS_ROOTFS "rootfs"
#define VPS_CONSOLE_LOG "console.log"
#define VPS_LOG "vps.log"
#define VPS_RESTARTER "restarter.pid"
#define VPS_WATCHER "watcher.pid"

/* <data>/vps, <data>/vps/<name>, <data>/vps/<name>/<file>. */
char *vps_base_dir (void);
char *vps_dir (const char *name);
char *vps_path (const char *name, const char *file);
int vps_name_validate (const char *name, struct carrel_error *err);
/* A POSIX write lock on <dir>/.lock (not inherited by the supervisor); ENOENT names the VPS. */
int vps_lock (const char *name, int *fd, struct carrel_error *err);
int vps_record_load (const char *name, struct vps_record *r, struct carrel_error *err);
int vps_record_save (const struct vps_record *r, struct carrel_error *err);
void vps_record_free (struct vps_record *r);
/* rm -rf that never crosses into a mount. */
int vps_remove_tree (const char *path, struct carrel_error *err);
long long vps_now_ms (void);
/* "<pid> <start time>" files of the helpers stop must end (restarter.pid, watcher.pid). */
void vps_pidfile_write (const char *name, const char *file);
bool vps_pidfile_alive (const char *name, const char *file);
/* SIGKILL the process the file names (if it is still that process and not us), remove the file. */
void vps_pidfile_kill (const char *name, const char *file);
/* Append a line to <dir>/vps.log in the format of carrel's --log. */
void vps_log (const char *name, const char *level, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* Run argv (PATH search) with env_add before our environment; capture: its output goes into the
 * error message when it fails, else it goes to our stderr. */
int vps_run (char *const argv[], char *const env_add[], bool capture, struct carrel_error *err);

int vps_idrange_alloc (const char *name, unsigned long *base, struct carrel_error *err);
int vps_idrange_release (const char *name, struct carrel_error *err);

/* A sparse image of size bytes, ext4, filled with the files of rootfs (owners as they are). */
int vps_disk_create (const char *image, uint64_t size, const char *rootfs, struct carrel_error *err);
/* Attach image to a loop device (auto-clearing: it goes when unmounted) and mount it on target;
 * id_base != ~0UL: id-mapped, on-disk id N shows as id_base + N. */
int vps_disk_mount (const char *image, const char *target, unsigned long id_base, struct carrel_error *err);
#define VPS_NO_IDMAP (~0UL)
int vps_disk_umount (const char *target, struct carrel_error *err);
bool vps_disk_mounted (const char *target);

/* Write files (template files, hostname, ssh key) into a mounted, unmapped rootfs. */
int vps_template_install (const struct vps_template *t, const struct vps_record *r, const char *rootfs,
                          const char *ssh_key, struct carrel_error *err);

int vps_spec_write (const struct vps_record *r, const struct vps_template *t, const char *path,
                    struct carrel_error *err);
/* Make and remove a cgroup with the limits of config (config.json): a limit this host cannot
 * apply (no I/O weight file, say) fails at create, naming its create flag, not at every start. */
int vps_spec_probe_limits (const char *name, const char *config, struct carrel_error *err);

/* The delay before the next automatic restart after `restarts` quick ones (the backoff). */
unsigned vps_restart_delay_ms (unsigned restarts);
/* argv of `carrel vps start --restarted --delay-ms D NAME` (absolute paths; free_strv). */
char **vps_restart_argv (const char *root, const char *name, unsigned delay_ms);

/* The init of a started VPS runs but its supervisor is gone: leave a watcher (new session,
 * pidfd on the init, checked against st's start time) that carries out the restart policy when
 * the init ends. 1: watching; 0: the init is gone already (start it anew); < 0: error (EBUSY:
 * a watcher is there already). Called with the VPS's lock held. */
int vps_watch_adopt (const char *root, const char *name, const struct carrel_state *st,
                     struct carrel_error *err);

#endif
