/* carrel: private helpers of the config.json parser (src/spec/).
 *
 * The parser walks the jansson tree once. A struct pctx carries the origin ("config.json"), the error
 * object and the JSON path of the value being read ("process.rlimits[1].type"), so that every error
 * reads "<origin>: <json path>: <reason>". Paths are pushed and popped as a stack (path_key,
 * path_index, path_pop): no allocation.
 *
 * Conventions: a property that is absent or JSON null counts as absent (unknown properties are
 * ignored); a wrong JSON type is an error. Every output struct is zeroed before parsing and its arrays
 * are counted before they are filled, so the free functions can free a half-parsed struct. */
#ifndef CARREL_SPEC_PARSE_H
#define CARREL_SPEC_PARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "carrel/spec.h"

#define PCTX_PATH_MAX 512

struct pctx
{
  const char *origin;
  struct carrel_error *err;
  size_t len;
  char path[PCTX_PATH_MAX];
};

void pctx_init (struct pctx *c, const char *origin, struct carrel_error *err);

/* Path stack: each push returns the previous length, to hand to path_pop. */
size_t path_key (struct pctx *c, const char *key);
size_t path_index (struct pctx *c, size_t index);
void path_pop (struct pctx *c, size_t len);

/* Fail with "<origin>: <path>: <reason>"; returns -1. pfail_key names a child of the current path. */
int pfail (struct pctx *c, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
int pfail_key (struct pctx *c, const char *key, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

/* Parse a whole document; integers above INT64_MAX (uint64 values) are supported. The root must be an
 * object. On failure err is filled and NULL returned. */
/* The documents parse_document returns are json_decref'd between these two (see parse_util.c). */
void json_arena_begin (void);
void json_arena_end (void);
json_t *parse_document (struct pctx *c, const char *text, size_t len);

/* "object", "array", "string", "number", "boolean", "null". */
const char *json_kind (const json_t *v);

/* obj[key], or NULL when absent or null. */
json_t *field (const json_t *obj, const char *key);

/* Value readers: the path already names v. */
int val_object (struct pctx *c, const json_t *v);
int val_array (struct pctx *c, const json_t *v);
int val_string (struct pctx *c, const json_t *v, const char **out); /* borrowed */
int val_strdup (struct pctx *c, const json_t *v, char **out);
int val_bool (struct pctx *c, const json_t *v, bool *out);
int val_i64 (struct pctx *c, const json_t *v, int64_t min, int64_t max, int64_t *out);
int val_u64 (struct pctx *c, const json_t *v, uint64_t max, uint64_t *out);

/* Field readers: obj[key], absent (or null) is fine unless required. `has` (may be NULL) tells whether
 * it was there. */
json_t *fld_object (struct pctx *c, const json_t *obj, const char *key, bool required, int *rc);
json_t *fld_array (struct pctx *c, const json_t *obj, const char *key, bool required, int *rc);
int fld_strdup (struct pctx *c, const json_t *obj, const char *key, bool required, char **out);
int fld_string (struct pctx *c, const json_t *obj, const char *key, bool required, const char **out);
int fld_bool (struct pctx *c, const json_t *obj, const char *key, bool *out, bool *has);
int fld_i64 (struct pctx *c, const json_t *obj, const char *key, bool required, int64_t min, int64_t max,
             int64_t *out, bool *has);
int fld_u64 (struct pctx *c, const json_t *obj, const char *key, bool required, uint64_t max, uint64_t *out,
             bool *has);
int fld_u32 (struct pctx *c, const json_t *obj, const char *key, bool required, uint32_t *out, bool *has);
int fld_u16 (struct pctx *c, const json_t *obj, const char *key, bool required, uint16_t *out, bool *has);
int fld_i32 (struct pctx *c, const json_t *obj, const char *key, bool required, int32_t *out, bool *has);
/* Array of strings, copied. */
int fld_strv (struct pctx *c, const json_t *obj, const char *key, char ***out, size_t *n);
/* Object of string values, copied in document order. */
int fld_kv (struct pctx *c, const json_t *obj, const char *key, struct carrel_kv **out, size_t *n);
/* Array of {containerID, hostID, size}. */
int fld_id_mappings (struct pctx *c, const json_t *obj, const char *key, struct carrel_id_mapping **out,
                     size_t *n);
/* A string that must be a name of `table`: its value goes to *value; unknown names fail with
 * `unknown <what> "<name>"`. `name` (may be NULL) receives a copy of the string. */
int val_enum (struct pctx *c, const json_t *v, const struct carrel_name_value *table, size_t n,
              const char *what, int *value, char **name);
int fld_enum (struct pctx *c, const json_t *obj, const char *key, bool required,
              const struct carrel_name_value *table, size_t n, const char *what, int *value, char **name,
              bool *has);

/* Parse obj[key] (when present and not null) with fn (c, value, out), the path naming it; 0 when absent. */
#define SUB(c, obj, key, fn, out)                                                                            \
  ({                                                                                                         \
    json_t *sub_ = field (obj, key);                                                                         \
    int sub_rc_ = 0;                                                                                         \
    if (sub_)                                                                                                \
      {                                                                                                      \
        size_t sub_m_ = path_key (c, key);                                                                   \
        sub_rc_ = fn (c, sub_, out);                                                                         \
        path_pop (c, sub_m_);                                                                                \
      }                                                                                                      \
    sub_rc_;                                                                                                 \
  })

/* Iterate over the array obj[key]: pushes the path, allocates *out with one zeroed element per entry
 * and calls fn on each. */
#define PARSE_ARRAY(c, obj, key, out, n, fn)                                                                 \
  ({                                                                                                         \
    int arr_rc_;                                                                                             \
    json_t *arr_ = fld_array (c, obj, key, false, &arr_rc_);                                                 \
    if (arr_)                                                                                                \
      {                                                                                                      \
        size_t arr_m_ = path_key (c, key);                                                                   \
        *(out) = alloc_array (json_array_size (arr_), sizeof (**(out)));                                     \
        *(n) = json_array_size (arr_);                                                                       \
        size_t arr_i_;                                                                                       \
        json_t *arr_e_;                                                                                      \
        json_array_foreach (arr_, arr_i_, arr_e_)                                                            \
        {                                                                                                    \
          size_t arr_mi_ = path_index (c, arr_i_);                                                           \
          arr_rc_ = fn (c, arr_e_, &(*(out))[arr_i_]);                                                       \
          path_pop (c, arr_mi_);                                                                             \
          if (arr_rc_ < 0)                                                                                   \
            break;                                                                                           \
        }                                                                                                    \
        path_pop (c, arr_m_);                                                                                \
      }                                                                                                      \
    arr_rc_;                                                                                                 \
  })

/* Allocate n zeroed elements (NULL when n == 0). */
void *alloc_array (size_t n, size_t size);

void free_kv (struct carrel_kv *kv, size_t n);
void free_strv_n (char **v, size_t n);

/* Sections. */
int parse_process (struct pctx *c, const json_t *v, struct carrel_process *p);
void process_clear (struct carrel_process *p);
int parse_mounts (struct pctx *c, const json_t *v, struct carrel_spec *spec);
void mounts_free (struct carrel_mount *m, size_t n);
int parse_linux (struct pctx *c, const json_t *v, struct carrel_linux *l);
void linux_clear (struct carrel_linux *l);
int parse_resources (struct pctx *c, const json_t *v, struct carrel_resources *r);
void resources_clear (struct carrel_resources *r);
int parse_seccomp (struct pctx *c, const json_t *v, struct carrel_seccomp *s);
void seccomp_clear (struct carrel_seccomp *s);

#endif
