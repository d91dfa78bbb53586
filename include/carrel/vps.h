/* carrel: VPSes, long-lived system containers (`carrel vps`).
 *
 * A VPS is a persistent bundle under <data dir>/vps/<name>/ (vps.json, config.json, disk.img,
 * rootfs/, console.log) made from a template (config/templates/<t>.json). Its container is
 * "vps-<name>" under the state root; its root filesystem is an ext4 image on a loop device,
 * mounted id-mapped onto rootfs/ while it runs; root inside is an unprivileged id range of its
 * own outside. See docs/vps.md. */
#ifndef CARREL_PUBLIC_VPS_H
#define CARREL_PUBLIC_VPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "carrel/container.h"
#include "carrel/error.h"

#define CARREL_VPS_NAME_MAX 40
#define CARREL_VPS_ID_RANGE 65536u

struct carrel_vps_config
{
  const char *name;
  const char *template_name; /* "busybox", "debian" */
  uint64_t memory;           /* bytes; 0: the template's default */
  double cpus;               /* 0: the template's default */
  int64_t pids;              /* 0: the template's default */
  unsigned io_weight;        /* 0: none */
  uint64_t disk;             /* bytes; 0: the template's default */
  const char *network;       /* NET[,ip=ADDR], NULL: no network (loopback only) */
  const char *hostname;      /* NULL: the name */
  const char *ssh_key;       /* a public key file for /root/.ssh/authorized_keys, or NULL */
  enum carrel_restart_policy restart;
  bool autostart;
};

struct carrel_vps_info
{
  char *name;
  char *template_name;
  char *status; /* "running", "stopped", "created", ... */
  pid_t pid;
  char *address; /* NULL: none (or not known while stopped) */
  uint64_t memory, disk;
  double cpus;
  int64_t pids;
  unsigned io_weight;
  unsigned long id_base;
  enum carrel_restart_policy restart;
  bool autostart;
};

int carrel_vps_create (const char *root, const struct carrel_vps_config *cfg, struct carrel_error *err);
/* restarted: run by a supervisor whose VPS ended and whose policy asks for a restart: wait
 * delay_ms first, and do nothing if the VPS was stopped (or started) meanwhile.
 * Returns 0 when started, 1 when the VPS was running without its supervisor (killed, or carrel
 * upgraded) and is now adopted: a watcher carries out its restart policy when its init ends. */
int carrel_vps_start (const char *root, const char *name, bool restarted, unsigned delay_ms,
                      struct carrel_error *err);
/* Graceful: the template's stop signal to the init, SIGKILL after timeout_ms (0: the template's). */
int carrel_vps_stop (const char *root, const char *name, unsigned timeout_ms, struct carrel_error *err);
int carrel_vps_destroy (const char *root, const char *name, struct carrel_error *err);
int carrel_vps_list (const char *root, struct carrel_vps_info **out, size_t *n, struct carrel_error *err);
int carrel_vps_info (const char *root, const char *name, struct carrel_vps_info *out,
                     struct carrel_error *err);
void carrel_vps_info_clear (struct carrel_vps_info *v);
void carrel_vps_list_free (struct carrel_vps_info *v, size_t n);
/* {"name":..,"cpu_ns":..,"memory_bytes":..,"memory_limit":..,"pids":..,"io_read_bytes":..,
 *  "io_write_bytes":..,"net_rx_bytes":..,"net_tx_bytes":..} */
int carrel_vps_stats_json (const char *root, const char *name, char **json, struct carrel_error *err);
/* The container id of a VPS ("vps-<name>") in buf. */
const char *carrel_vps_container_id (const char *name, char *buf, size_t len);
/* Names of the VPSes marked autostart. */
int carrel_vps_autostart_names (char ***names, size_t *n, struct carrel_error *err);

/* The console: attach to the supervisor's console socket. Interactive when stdin is a terminal
 * (raw mode, Ctrl-] detaches); otherwise stdin is sent and output copied until stdin ended and
 * the console was quiet for linger_ms. replay: first print what the ring buffer holds. */
int carrel_vps_console (const char *root, const char *name, bool replay, unsigned linger_ms,
                        struct carrel_error *err);

/* Parse "512M", "1G", "65536" (bytes, K/M/G/T, powers of 1024). */
int carrel_parse_size (const char *s, uint64_t *out);
const char *carrel_restart_policy_name (enum carrel_restart_policy p);
int carrel_restart_policy_parse (const char *s, enum carrel_restart_policy *out);

#endif
