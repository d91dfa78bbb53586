/* On-disk state of one container: <root>/<id>/{state.json,exit,config.json,ctl.sock}. */
#ifndef CARREL_STATE_INTERNAL_H
#define CARREL_STATE_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "carrel/container.h"
#include "carrel/error.h"

#define STATE_FILE "state.json"
#define EXIT_FILE "exit"
#define CONFIG_COPY "config.json"
#define CTL_SOCKET "ctl.sock"

/* mkdir <root>/<id> (EEXIST: "container ID already exists") and lock it; *dirfd owns the lock. */
int state_dir_create (const char *root, const char *id, int *dirfd, struct carrel_error *err);
/* Open and lock (LOCK_EX or LOCK_SH) an existing state dir; ENOENT: "container ID does not exist". */
int state_dir_open (const char *root, const char *id, int lock_op, int *dirfd, struct carrel_error *err);
int state_dir_remove (const char *root, const char *id, struct carrel_error *err);

int state_write (int dirfd, const struct carrel_state *st, struct carrel_error *err);
/* Read state.json and the exit record, then derive the live status (a dead or reused pid: stopped). */
int state_read (int dirfd, const char *id, struct carrel_state *st, struct carrel_error *err);
int state_write_exit (int dirfd, int wait_status, struct carrel_error *err);

/* Start time of pid in clock ticks since boot, 0 if it does not exist. */
unsigned long long proc_start_time (pid_t pid);
/* The process is alive and is the one recorded (not a reused pid, not a zombie). */
bool proc_is (pid_t pid, unsigned long long start);

void now_rfc3339 (char *buf, size_t len);

#endif
