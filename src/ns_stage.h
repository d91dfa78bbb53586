/* The staged start of a container that gets a new user namespace and also joins namespaces by
 * path (src/namespaces.c). Namespaces owned by the host's user namespace (a netns made by the host)
 * can only be joined before the new user namespace exists. So the supervisor clones a short-lived
 * stage process without new namespaces; it joins the path namespaces, unshares the user namespace
 * and then the others, clones the real init with CLONE_PARENT (the supervisor's child, or the
 * monitor's) and exits. The CLI writes the id maps through the init's pid as usual. */
#ifndef CARREL_NS_STAGE_H
#define CARREL_NS_STAGE_H

#include <stdbool.h>
#include <sys/types.h>

#include "carrel/spec.h"

struct ns_stage
{
  bool active;
  int pipe[2]; /* stage -> supervisor: the init's pid, or an error */
  int flags;   /* CLONE_NEW* the stage unshares (CLONE_NEWUSER first) */
};

/* Before the clone: decide (a new user namespace + a non-user namespace given by path) and set
 * up. When active, clone the stage with no CLONE_NEW* flags. */
int ns_stage_begin (const struct carrel_spec *spec, int clone_flags, struct ns_stage *st,
                    struct carrel_error *err);
/* In the cloned child: when active, be the stage. Returns only in the init. */
void ns_stage_child (const struct carrel_spec *spec, struct ns_stage *st);
/* In the supervisor: the init's pid (or -1 with err); reaps the stage unless the monitor does. */
pid_t ns_stage_finish (struct ns_stage *st, pid_t stage, bool reap, struct carrel_error *err);

#endif
