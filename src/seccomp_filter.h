/* linux.seccomp compiled with libseccomp, loaded as late as the kernel allows before execve, and
 * the SCMP_ACT_NOTIFY listener fd handed to the agent at linux.seccomp.listenerPath. */
#ifndef CARREL_SECCOMP_FILTER_H
#define CARREL_SECCOMP_FILTER_H

#include <seccomp.h>
#include <stdbool.h>
#include <sys/types.h>

#include "carrel/spec.h"
#include "runtime.h"

/* A message on the init's start socket (same header as src/sync.h, a type outside enum sync_type):
 * the init loaded a filter with SCMP_ACT_NOTIFY rules; the next packet carries the listener fd
 * (SCM_RIGHTS). The supervisor answers SYNC_OK or SYNC_ERROR. */

/* Compile the filter without loading it. Unknown syscall names for the architecture are skipped;
 * errors name the JSON path ("linux.seccomp.syscalls[3]: ..."). */
int seccomp_build (const struct carrel_seccomp *sc, scmp_filter_ctx *out, struct carrel_error *err);

/* Compile and load. When the profile has SCMP_ACT_NOTIFY rules, the listener fd goes to the
 * supervisor over notify_sock (which forwards it to listenerPath) and is closed here. */
int seccomp_load_filter (const struct carrel_seccomp *sc, int notify_sock, struct carrel_error *err);
/* The same for the container's init: notify_sock is cfg->start_sock. */
int seccomp_apply (const struct carrel_seccomp *sc, const struct init_config *cfg, struct carrel_error *err);

bool seccomp_uses_notify (const struct carrel_seccomp *sc);

/* Compile the filter in the runtime, before the container exists, into the kernel's form.
 * libseccomp's compilation is most of what a container start costs otherwise, so with the
 * profile's JSON text and a cache (seccomp_cache_open; -1: none) a filter compiled earlier for
 * the same text is reused (seccomp.c tells how the cache is keyed and checked). */
int seccomp_prepare (const struct carrel_seccomp *sc, const char *text, size_t text_len, int cache_fd,
                     struct seccomp_program *out, struct carrel_error *err);
/* Parse a config.json text. Its seccomp profile is most of a default config's text: when the cache
 * of `root` holds the filter compiled from this very profile text, the profile is left out of the
 * parse (null in its place reads as absent; has_seccomp stays true) and *prog is that filter;
 * otherwise *prog stays empty. *profile: the profile's text (for seccomp_prepare), NULL when not
 * found. The cache is opened into *cache_fd (when -1) only for a config with a profile. */
int seccomp_parse_config (const char *text, size_t len, const char *what, const char *root, int *cache_fd,
                          struct carrel_spec **spec, struct seccomp_program *prog, char **profile,
                          struct carrel_error *err);
/* <root>/.seccomp-cache, made if missing; -1 when it cannot be. */
int seccomp_cache_open (const char *root);
#define SECCOMP_CACHE_NAME_MAX 64
/* The cache entry of a profile text. */
void seccomp_cache_name (const char *text, size_t len, char name[SECCOMP_CACHE_NAME_MAX]);
/* The filter cached for exactly this profile text: 0, or -1 when there is none. */
int seccomp_cache_load (int dirfd, const char *name, const char *text, size_t len,
                        struct seccomp_program *out);
void seccomp_program_free (struct seccomp_program *p);

/* Without noNewPrivileges, loading a filter needs CAP_SYS_ADMIN: true when the process will not
 * have it in its effective set after the uid change and process.capabilities, so the filter must
 * be loaded before them (as runc does). */
bool seccomp_load_before_identity (const struct carrel_process *proc);

/* seccomp_notify.c: init side: send notify_fd and wait for the supervisor's answer. */
int seccomp_notify_handoff (int sock, int notify_fd, struct carrel_error *err);
/* Supervisor side, after it received SYNC_SECCOMP_NOTIFY on init_sock: take the fd, connect to
 * linux.seccomp.listenerPath and send the container process state (config-linux.md) with the fd,
 * then answer the init. state_json is the container's state (the start message's). */
void seccomp_notify_forward (int init_sock, const struct carrel_spec *spec, const char *state_json,
                             pid_t pid);

#endif
