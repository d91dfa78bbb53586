/* carrel: generated documents: the default config.json of `spec`, the features of `features`. */
#ifndef CARREL_DEFAULTS_H
#define CARREL_DEFAULTS_H

#include <stdbool.h>

/* A config.json like `runc spec` writes (pretty JSON, caller frees). rootless adds a user
 * namespace mapping the caller's uid/gid to root and drops what needs privileges. */
char *carrel_default_config (bool rootless, unsigned uid, unsigned gid);
/* The runtime-spec features document, built from the same tables the parser uses. */
char *carrel_features_json (void);

#endif
