/* carrel: JSON path tracking, typed readers and error reporting for the config.json parser. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/parse.h"
#include "util.h"

/* jansson stores integers as long long. uint64 values above INT64_MAX (RLIM_INFINITY written as
 * 18446744073709551615, seccomp masks) make it fail with a numeric overflow; only then the text is
 * rewritten so that each such integer becomes a string with this prefix, which no JSON document can
 * contain without JSON_ALLOW_NUL (used only for the rewritten text). */
#define BIG_PREFIX "\0u64:"
#define BIG_PREFIX_LEN 5
#define BIG_PREFIX_JSON "\"\\u0000u64:"

void
pctx_init (struct pctx *c, const char *origin, struct carrel_error *err)
{
  c->origin = origin ? origin : "config.json";
  c->err = err;
  c->len = 0;
  c->path[0] = '\0';
}

static bool
is_identifier (const char *s)
{
  if (!(isalpha ((unsigned char)*s) || *s == '_'))
    return false;
  for (s++; *s; s++)
    if (!(isalnum ((unsigned char)*s) || *s == '_'))
      return false;
  return true;
}

/* Append n bytes of s to the path, truncating at the buffer's end. Paths are built on every member
 * read, so this avoids printf. */
static void
path_append (struct pctx *c, const char *s, size_t n)
{
  size_t room = sizeof (c->path) - 1 - c->len;
  if (n > room)
    n = room;
  memcpy (c->path + c->len, s, n);
  c->len += n;
  c->path[c->len] = '\0';
}

size_t
path_key (struct pctx *c, const char *key)
{
  size_t old = c->len;
  if (is_identifier (key))
    {
      if (c->len)
        path_append (c, ".", 1);
      path_append (c, key, strlen (key));
    }
  else
    {
      path_append (c, "[\"", 2);
      path_append (c, key, strlen (key));
      path_append (c, "\"]", 2);
    }
  return old;
}

size_t
path_index (struct pctx *c, size_t index)
{
  size_t old = c->len;
  char buf[24];
  char *p = buf + sizeof buf;
  *--p = ']';
  do
    *--p = (char)('0' + index % 10);
  while ((index /= 10) != 0);
  *--p = '[';
  path_append (c, p, (size_t)(buf + sizeof buf - p));
  return old;
}

void
path_pop (struct pctx *c, size_t len)
{
  c->len = len;
  c->path[len] = '\0';
}

static int
vpfail (struct pctx *c, const char *fmt, va_list ap)
{
  char reason[CARREL_ERROR_MSG_MAX / 2];
  vsnprintf (reason, sizeof reason, fmt, ap);
  return carrel_fail (c->err, 0, "%s: %s: %s", c->origin, c->len ? c->path : "top level", reason);
}

int
pfail (struct pctx *c, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vpfail (c, fmt, ap);
  va_end (ap);
  return -1;
}

int
pfail_key (struct pctx *c, const char *key, const char *fmt, ...)
{
  size_t m = path_key (c, key);
  va_list ap;
  va_start (ap, fmt);
  vpfail (c, fmt, ap);
  va_end (ap);
  path_pop (c, m);
  return -1;
}

static bool
is_big (const json_t *v)
{
  return json_is_string (v) && json_string_length (v) > BIG_PREFIX_LEN
         && memcmp (json_string_value (v), BIG_PREFIX, BIG_PREFIX_LEN) == 0;
}

const char *
json_kind (const json_t *v)
{
  switch (json_typeof (v))
    {
    case JSON_OBJECT:
      return "object";
    case JSON_ARRAY:
      return "array";
    case JSON_STRING:
      return is_big (v) ? "number" : "string";
    case JSON_INTEGER:
    case JSON_REAL:
      return "number";
    case JSON_TRUE:
    case JSON_FALSE:
      return "boolean";
    case JSON_NULL:
    default:
      return "null";
    }
}

/* Copy text, turning every integer above INT64_MAX that fits in a uint64 into a BIG_PREFIX string. */
static char *
rewrite_big_integers (const char *text, size_t len, size_t *out_len)
{
  /* A rewritten token is at least 19 digits and grows by 13 bytes: at most doubles. */
  char *out = xmalloc (2 * len + 1);
  size_t o = 0;
  bool in_string = false;
  for (size_t i = 0; i < len;)
    {
      char ch = text[i];
      if (in_string)
        {
          out[o++] = ch;
          i++;
          if (ch == '\\' && i < len)
            out[o++] = text[i++];
          else if (ch == '"')
            in_string = false;
          continue;
        }
      if (ch == '"')
        {
          in_string = true;
          out[o++] = ch;
          i++;
          continue;
        }
      if (!(ch == '-' || (ch >= '0' && ch <= '9')))
        {
          out[o++] = ch;
          i++;
          continue;
        }
      size_t start = i;
      bool digits_only = true;
      while (i < len
             && (isdigit ((unsigned char)text[i]) || text[i] == '-' || text[i] == '+' || text[i] == '.'
                 || text[i] == 'e' || text[i] == 'E'))
        {
          if (!isdigit ((unsigned char)text[i]))
            digits_only = false;
          i++;
        }
      size_t tlen = i - start;
      bool big = false;
      if (digits_only && tlen >= 19 && tlen <= 20)
        {
          char buf[21];
          memcpy (buf, text + start, tlen);
          buf[tlen] = '\0';
          errno = 0;
          unsigned long long v = strtoull (buf, NULL, 10);
          big = errno == 0 && v > (unsigned long long)INT64_MAX;
        }
      if (big)
        {
          memcpy (out + o, BIG_PREFIX_JSON, strlen (BIG_PREFIX_JSON));
          o += strlen (BIG_PREFIX_JSON);
          memcpy (out + o, text + start, tlen);
          o += tlen;
          out[o++] = '"';
        }
      else
        {
          memcpy (out + o, text + start, tlen);
          o += tlen;
        }
    }
  out[o] = '\0';
  *out_len = o;
  return out;
}

/* jansson allocates every value, string and object table on its own, and a parsed document is
 * dropped as a whole once its typed struct is filled: malloc and free were 35% of a config's
 * parse, jansson's own work most of the rest. While a document lives, jansson allocates from an
 * arena that goes in one piece (the config.json of `carrel spec`: 405 -> 200 us a parse).
 * Sanitizer builds keep malloc, so that they still see jansson's use of its memory. */
#if defined(__SANITIZE_ADDRESS__)
#define JSON_ARENA 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JSON_ARENA 0
#endif
#endif
#ifndef JSON_ARENA
#define JSON_ARENA 1
#endif

struct arena_block
{
  struct arena_block *next;
  size_t used, cap;
  max_align_t data[];
};

static struct arena_block *arena;

static void *
arena_alloc (size_t n)
{
  n = (n + sizeof (max_align_t) - 1) & ~(sizeof (max_align_t) - 1);
  if (arena == NULL || arena->cap - arena->used < n)
    {
      size_t cap = n > 60000 ? n : 60000;
      struct arena_block *b = malloc (sizeof *b + cap);
      if (b == NULL)
        return NULL;
      b->next = arena;
      b->used = 0;
      b->cap = cap;
      arena = b;
    }
  void *p = (char *)arena->data + arena->used;
  arena->used += n;
  return p;
}

static void
arena_free (void *p)
{
  (void)p;
}

void
json_arena_begin (void)
{
  if (JSON_ARENA)
    json_set_alloc_funcs (arena_alloc, arena_free);
}

void
json_arena_end (void)
{
  if (!JSON_ARENA)
    return;
  json_set_alloc_funcs (malloc, free);
  while (arena)
    {
      struct arena_block *next = arena->next;
      free (arena);
      arena = next;
    }
}

json_t *
parse_document (struct pctx *c, const char *text, size_t len)
{
  json_error_t jerr;
  json_t *root = json_loadb (text, len, 0, &jerr);
  if (root == NULL && json_error_code (&jerr) == json_error_numeric_overflow)
    {
      size_t rlen;
      char *rewritten = rewrite_big_integers (text, len, &rlen);
      root = json_loadb (rewritten, rlen, JSON_ALLOW_NUL, &jerr);
      free (rewritten);
    }
  if (root == NULL)
    {
      carrel_fail (c->err, 0, "%s: line %d column %d: invalid JSON: %s", c->origin, jerr.line, jerr.column,
                   jerr.text);
      return NULL;
    }
  if (!json_is_object (root))
    {
      pfail (c, "expected object, got %s", json_kind (root));
      json_decref (root);
      return NULL;
    }
  return root;
}

json_t *
field (const json_t *obj, const char *key)
{
  json_t *v = json_object_get (obj, key);
  return json_is_null (v) ? NULL : v;
}

int
val_object (struct pctx *c, const json_t *v)
{
  if (!json_is_object (v))
    return pfail (c, "expected object, got %s", json_kind (v));
  return 0;
}

int
val_array (struct pctx *c, const json_t *v)
{
  if (!json_is_array (v))
    return pfail (c, "expected array, got %s", json_kind (v));
  return 0;
}

int
val_string (struct pctx *c, const json_t *v, const char **out)
{
  if (!json_is_string (v) || is_big (v))
    return pfail (c, "expected string, got %s", json_kind (v));
  const char *s = json_string_value (v);
  if (strlen (s) != json_string_length (v))
    return pfail (c, "string contains a NUL character");
  *out = s;
  return 0;
}

int
val_strdup (struct pctx *c, const json_t *v, char **out)
{
  const char *s;
  if (val_string (c, v, &s) < 0)
    return -1;
  *out = xstrdup (s);
  return 0;
}

int
val_bool (struct pctx *c, const json_t *v, bool *out)
{
  if (!json_is_boolean (v))
    return pfail (c, "expected boolean, got %s", json_kind (v));
  *out = json_is_true (v);
  return 0;
}

static int
not_integer (struct pctx *c, const json_t *v)
{
  if (json_is_real (v))
    return pfail (c, "expected integer, got fractional number %g", json_real_value (v));
  return pfail (c, "expected integer, got %s", json_kind (v));
}

int
val_i64 (struct pctx *c, const json_t *v, int64_t min, int64_t max, int64_t *out)
{
  if (is_big (v))
    return pfail (c, "%s out of range (%" PRId64 "..%" PRId64 ")", json_string_value (v) + BIG_PREFIX_LEN,
                  min, max);
  if (!json_is_integer (v))
    return not_integer (c, v);
  json_int_t x = json_integer_value (v);
  if (x < min || x > max)
    return pfail (c, "%lld out of range (%" PRId64 "..%" PRId64 ")", (long long)x, min, max);
  *out = x;
  return 0;
}

int
val_u64 (struct pctx *c, const json_t *v, uint64_t max, uint64_t *out)
{
  uint64_t x;
  if (is_big (v))
    x = strtoull (json_string_value (v) + BIG_PREFIX_LEN, NULL, 10);
  else if (!json_is_integer (v))
    return not_integer (c, v);
  else if (json_integer_value (v) < 0)
    return pfail (c, "expected non-negative integer, got %lld", (long long)json_integer_value (v));
  else
    x = (uint64_t)json_integer_value (v);
  if (x > max)
    return pfail (c, "%" PRIu64 " out of range (max %" PRIu64 ")", x, max);
  *out = x;
  return 0;
}

/* obj[key] with the path pushed; NULL (path not pushed) when absent. */
static json_t *
enter (struct pctx *c, const json_t *obj, const char *key, bool required, size_t *mark, int *rc)
{
  json_t *v = field (obj, key);
  *rc = 0;
  if (v == NULL)
    {
      if (required)
        *rc = pfail_key (c, key, "required");
      return NULL;
    }
  *mark = path_key (c, key);
  return v;
}

json_t *
fld_object (struct pctx *c, const json_t *obj, const char *key, bool required, int *rc)
{
  size_t m;
  json_t *v = enter (c, obj, key, required, &m, rc);
  if (v == NULL)
    return NULL;
  *rc = val_object (c, v);
  path_pop (c, m);
  return *rc < 0 ? NULL : v;
}

json_t *
fld_array (struct pctx *c, const json_t *obj, const char *key, bool required, int *rc)
{
  size_t m;
  json_t *v = enter (c, obj, key, required, &m, rc);
  if (v == NULL)
    return NULL;
  *rc = val_array (c, v);
  path_pop (c, m);
  return *rc < 0 ? NULL : v;
}

int
fld_string (struct pctx *c, const json_t *obj, const char *key, bool required, const char **out)
{
  size_t m;
  int rc;
  json_t *v = enter (c, obj, key, required, &m, &rc);
  if (v == NULL)
    return rc;
  rc = val_string (c, v, out);
  path_pop (c, m);
  return rc;
}

int
fld_strdup (struct pctx *c, const json_t *obj, const char *key, bool required, char **out)
{
  const char *s = NULL;
  if (fld_string (c, obj, key, required, &s) < 0)
    return -1;
  if (s)
    *out = xstrdup (s);
  return 0;
}

int
fld_bool (struct pctx *c, const json_t *obj, const char *key, bool *out, bool *has)
{
  size_t m;
  int rc;
  json_t *v = enter (c, obj, key, false, &m, &rc);
  if (v == NULL)
    return rc;
  rc = val_bool (c, v, out);
  path_pop (c, m);
  if (rc == 0 && has)
    *has = true;
  return rc;
}

int
fld_i64 (struct pctx *c, const json_t *obj, const char *key, bool required, int64_t min, int64_t max,
         int64_t *out, bool *has)
{
  size_t m;
  int rc;
  json_t *v = enter (c, obj, key, required, &m, &rc);
  if (v == NULL)
    return rc;
  rc = val_i64 (c, v, min, max, out);
  path_pop (c, m);
  if (rc == 0 && has)
    *has = true;
  return rc;
}

int
fld_u64 (struct pctx *c, const json_t *obj, const char *key, bool required, uint64_t max, uint64_t *out,
         bool *has)
{
  size_t m;
  int rc;
  json_t *v = enter (c, obj, key, required, &m, &rc);
  if (v == NULL)
    return rc;
  rc = val_u64 (c, v, max, out);
  path_pop (c, m);
  if (rc == 0 && has)
    *has = true;
  return rc;
}

int
fld_u32 (struct pctx *c, const json_t *obj, const char *key, bool required, uint32_t *out, bool *has)
{
  uint64_t x;
  bool got = false;
  if (fld_u64 (c, obj, key, required, UINT32_MAX, &x, &got) < 0)
    return -1;
  if (got)
    {
      *out = (uint32_t)x;
      if (has)
        *has = true;
    }
  return 0;
}

int
fld_u16 (struct pctx *c, const json_t *obj, const char *key, bool required, uint16_t *out, bool *has)
{
  uint64_t x;
  bool got = false;
  if (fld_u64 (c, obj, key, required, UINT16_MAX, &x, &got) < 0)
    return -1;
  if (got)
    {
      *out = (uint16_t)x;
      if (has)
        *has = true;
    }
  return 0;
}

int
fld_i32 (struct pctx *c, const json_t *obj, const char *key, bool required, int32_t *out, bool *has)
{
  int64_t x;
  bool got = false;
  if (fld_i64 (c, obj, key, required, INT32_MIN, INT32_MAX, &x, &got) < 0)
    return -1;
  if (got)
    {
      *out = (int32_t)x;
      if (has)
        *has = true;
    }
  return 0;
}

void *
alloc_array (size_t n, size_t size)
{
  return n ? xcalloc (n, size) : NULL;
}

int
fld_strv (struct pctx *c, const json_t *obj, const char *key, char ***out, size_t *n)
{
  size_t m;
  int rc;
  json_t *v = enter (c, obj, key, false, &m, &rc);
  if (v == NULL)
    return rc;
  if (!json_is_array (v))
    {
      pfail (c, "expected array of strings, got %s", json_kind (v));
      path_pop (c, m);
      return -1;
    }
  size_t count = json_array_size (v);
  *out = alloc_array (count, sizeof (char *));
  *n = count;
  size_t i;
  json_t *e;
  json_array_foreach (v, i, e)
  {
    size_t mi = path_index (c, i);
    rc = val_strdup (c, e, &(*out)[i]);
    path_pop (c, mi);
    if (rc < 0)
      break;
  }
  path_pop (c, m);
  return rc;
}

int
fld_kv (struct pctx *c, const json_t *obj, const char *key, struct carrel_kv **out, size_t *n)
{
  size_t m;
  int rc;
  json_t *v = enter (c, obj, key, false, &m, &rc);
  if (v == NULL)
    return rc;
  if (!json_is_object (v))
    {
      pfail (c, "expected object of strings, got %s", json_kind (v));
      path_pop (c, m);
      return -1;
    }
  *out = alloc_array (json_object_size (v), sizeof (struct carrel_kv));
  *n = json_object_size (v);
  size_t i = 0;
  const char *k;
  json_t *e;
  json_object_foreach ((json_t *)v, k, e)
  {
    size_t mk = path_key (c, k);
    rc = val_strdup (c, e, &(*out)[i].value);
    path_pop (c, mk);
    if (rc < 0)
      break;
    (*out)[i++].key = xstrdup (k);
  }
  path_pop (c, m);
  return rc;
}

int
fld_id_mappings (struct pctx *c, const json_t *obj, const char *key, struct carrel_id_mapping **out,
                 size_t *n)
{
  size_t m;
  int rc;
  json_t *v = enter (c, obj, key, false, &m, &rc);
  if (v == NULL)
    return rc;
  if (val_array (c, v) < 0)
    {
      path_pop (c, m);
      return -1;
    }
  *out = alloc_array (json_array_size (v), sizeof (struct carrel_id_mapping));
  *n = json_array_size (v);
  size_t i;
  json_t *e;
  json_array_foreach (v, i, e)
  {
    size_t mi = path_index (c, i);
    struct carrel_id_mapping *map = &(*out)[i];
    rc = val_object (c, e);
    if (rc == 0)
      rc = fld_u32 (c, e, "containerID", true, &map->container_id, NULL);
    if (rc == 0)
      rc = fld_u32 (c, e, "hostID", true, &map->host_id, NULL);
    if (rc == 0)
      rc = fld_u32 (c, e, "size", true, &map->size, NULL);
    path_pop (c, mi);
    if (rc < 0)
      break;
  }
  path_pop (c, m);
  return rc;
}

int
val_enum (struct pctx *c, const json_t *v, const struct carrel_name_value *table, size_t n, const char *what,
          int *value, char **name)
{
  const char *s;
  if (val_string (c, v, &s) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (strcmp (table[i].name, s) == 0)
      {
        *value = table[i].value;
        if (name)
          *name = xstrdup (s);
        return 0;
      }
  return pfail (c, "unknown %s \"%s\"", what, s);
}

int
fld_enum (struct pctx *c, const json_t *obj, const char *key, bool required,
          const struct carrel_name_value *table, size_t n, const char *what, int *value, char **name,
          bool *has)
{
  size_t m;
  int rc;
  json_t *v = enter (c, obj, key, required, &m, &rc);
  if (v == NULL)
    return rc;
  rc = val_enum (c, v, table, n, what, value, name);
  path_pop (c, m);
  if (rc == 0 && has)
    *has = true;
  return rc;
}

void
free_kv (struct carrel_kv *kv, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (kv[i].key);
      free (kv[i].value);
    }
  free (kv);
}

void
free_strv_n (char **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free (v[i]);
  free (v);
}
