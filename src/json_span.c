/* A JSON scanner that only skips: it finds a member's value by its bounds. */
#include <string.h>

#include "json_span.h"

struct scan
{
  const char *s;
  size_t len, i;
};

static void
skip_ws (struct scan *sc)
{
  while (sc->i < sc->len && strchr (" \t\r\n", sc->s[sc->i]) && sc->s[sc->i])
    sc->i++;
}

/* At a '"': past the closing one. *escaped tells whether a backslash was seen. */
static bool
skip_string (struct scan *sc, bool *escaped)
{
  *escaped = false;
  for (sc->i++; sc->i < sc->len; sc->i++)
    {
      char ch = sc->s[sc->i];
      if (ch == '\\')
        {
          *escaped = true;
          sc->i++;
        }
      else if (ch == '"')
        {
          sc->i++;
          return true;
        }
    }
  return false;
}

/* Past one value of any kind. */
static bool
skip_value (struct scan *sc)
{
  size_t depth = 0;
  bool escaped;
  skip_ws (sc);
  for (;;)
    {
      if (sc->i >= sc->len)
        return false;
      char ch = sc->s[sc->i];
      if (ch == '"')
        {
          if (!skip_string (sc, &escaped))
            return false;
          if (depth == 0)
            return true;
          continue;
        }
      if (ch == '{' || ch == '[')
        depth++;
      else if (ch == '}' || ch == ']')
        {
          if (depth == 0)
            return false;
          if (--depth == 0)
            {
              sc->i++;
              return true;
            }
        }
      else if (depth == 0)
        {
          /* A number, true, false or null: up to the next delimiter. */
          while (sc->i < sc->len && !strchr (",}] \t\r\n", sc->s[sc->i]))
            sc->i++;
          return true;
        }
      sc->i++;
    }
}

/* At an object: find member `key`, leave sc at its value. */
static bool
find_member (struct scan *sc, const char *key)
{
  size_t key_len = strlen (key);
  skip_ws (sc);
  if (sc->i >= sc->len || sc->s[sc->i] != '{')
    return false;
  sc->i++;
  for (;;)
    {
      bool escaped, found;
      size_t k;
      skip_ws (sc);
      if (sc->i >= sc->len || sc->s[sc->i] != '"')
        return false;
      k = sc->i + 1;
      if (!skip_string (sc, &escaped) || escaped)
        return false;
      found = sc->i - 1 - k == key_len && memcmp (sc->s + k, key, key_len) == 0;
      skip_ws (sc);
      if (sc->i >= sc->len || sc->s[sc->i] != ':')
        return false;
      sc->i++;
      skip_ws (sc);
      if (found)
        return true;
      if (!skip_value (sc))
        return false;
      skip_ws (sc);
      if (sc->i >= sc->len || sc->s[sc->i] != ',')
        return false;
      sc->i++;
    }
}

bool
json_member_span (const char *text, size_t len, const char *outer, const char *inner, size_t *start,
                  size_t *end)
{
  struct scan sc = { .s = text, .len = len, .i = 0 };
  if (!find_member (&sc, outer) || !find_member (&sc, inner))
    return false;
  *start = sc.i;
  if (!skip_value (&sc))
    return false;
  *end = sc.i;
  return true;
}
