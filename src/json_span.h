/* Where a member's value lies in a JSON text, without parsing the text (exec uses it to leave out
 * the seccomp profile it does not need: see exec.c). */
#ifndef CARREL_JSON_SPAN_H
#define CARREL_JSON_SPAN_H

#include <stdbool.h>
#include <stddef.h>

/* The value of member `inner` of the object that is member `outer` of the top-level object:
 * [*start, *end) of text. False when there is none, or the text is not well-formed where it was
 * read, or a key on the way is written with escapes (the caller then parses the whole text). */
bool json_member_span (const char *text, size_t len, const char *outer, const char *inner, size_t *start,
                       size_t *end);

#endif
