/* Unit tests of src/mnl.c, carrel's own implementation of the libmnl functions it and libnftnl
 * call. Where the shared libmnl is installed (libmnl0), each test does the same with it through
 * dlopen and compares: the bytes of built messages, what parsing sees, errno, callback results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <string.h>

/* The reference: the same functions, from the shared library. */
static struct
{
  void *dl;
  struct nlmsghdr *(*put_header) (void *);
  void *(*put_extra_header) (struct nlmsghdr *, size_t);
  void (*attr_put) (struct nlmsghdr *, uint16_t, size_t, const void *);
  void (*put_u8) (struct nlmsghdr *, uint16_t, uint8_t);
  void (*put_u16) (struct nlmsghdr *, uint16_t, uint16_t);
  void (*put_u32) (struct nlmsghdr *, uint16_t, uint32_t);
  void (*put_u64) (struct nlmsghdr *, uint16_t, uint64_t);
  void (*put_str) (struct nlmsghdr *, uint16_t, const char *);
  void (*put_strz) (struct nlmsghdr *, uint16_t, const char *);
  struct nlattr *(*nest_start) (struct nlmsghdr *, uint16_t);
  void (*nest_end) (struct nlmsghdr *, struct nlattr *);
  int (*parse) (const struct nlmsghdr *, unsigned int, mnl_attr_cb_t, void *);
  int (*parse_nested) (const struct nlattr *, mnl_attr_cb_t, void *);
  int (*validate) (const struct nlattr *, enum mnl_attr_data_type);
  int (*cb_run) (const void *, size_t, unsigned int, unsigned int, mnl_cb_t, void *);
  struct mnl_nlmsg_batch *(*batch_start) (void *, size_t);
  bool (*batch_next) (struct mnl_nlmsg_batch *);
  size_t (*batch_size) (struct mnl_nlmsg_batch *);
  void *(*batch_current) (struct mnl_nlmsg_batch *);
  void (*batch_stop) (struct mnl_nlmsg_batch *);
} ref;

static int
load_reference (void **state)
{
  (void)state;
  ref.dl = dlopen ("libmnl.so.0", RTLD_NOW | RTLD_LOCAL);
  if (ref.dl == NULL)
    return 0;
#define SYM(field, name) *(void **)&ref.field = dlsym (ref.dl, name)
  SYM (put_header, "mnl_nlmsg_put_header");
  SYM (put_extra_header, "mnl_nlmsg_put_extra_header");
  SYM (attr_put, "mnl_attr_put");
  SYM (put_u8, "mnl_attr_put_u8");
  SYM (put_u16, "mnl_attr_put_u16");
  SYM (put_u32, "mnl_attr_put_u32");
  SYM (put_u64, "mnl_attr_put_u64");
  SYM (put_str, "mnl_attr_put_str");
  SYM (put_strz, "mnl_attr_put_strz");
  SYM (nest_start, "mnl_attr_nest_start");
  SYM (nest_end, "mnl_attr_nest_end");
  SYM (parse, "mnl_attr_parse");
  SYM (parse_nested, "mnl_attr_parse_nested");
  SYM (validate, "mnl_attr_validate");
  SYM (cb_run, "mnl_cb_run");
  SYM (batch_start, "mnl_nlmsg_batch_start");
  SYM (batch_next, "mnl_nlmsg_batch_next");
  SYM (batch_size, "mnl_nlmsg_batch_size");
  SYM (batch_current, "mnl_nlmsg_batch_current");
  SYM (batch_stop, "mnl_nlmsg_batch_stop");
#undef SYM
  return 0;
}

static int
unload_reference (void **state)
{
  (void)state;
  if (ref.dl)
    dlclose (ref.dl);
  return 0;
}

#define NEED_REFERENCE()                                                                                     \
  do                                                                                                         \
    {                                                                                                        \
      if (ref.dl == NULL)                                                                                    \
        skip ();                                                                                             \
    }                                                                                                        \
  while (0)

/* Either implementation, by flag: the same sequence of calls builds both messages. */
static size_t
build (char *buf, bool reference, int fill)
{
  static const char blob[5] = { 1, 2, 3, 4, 5 };
  struct nlmsghdr *nlh;
  struct nlattr *nest, *inner;
  memset (buf, fill, 512);
  nlh = reference ? ref.put_header (buf) : mnl_nlmsg_put_header (buf);
  nlh->nlmsg_type = RTM_NEWLINK;
  nlh->nlmsg_seq = 7;
  (reference ? ref.put_extra_header : mnl_nlmsg_put_extra_header) (nlh, 13);
  (reference ? ref.put_u8 : mnl_attr_put_u8) (nlh, 1, 0x11);
  (reference ? ref.put_u16 : mnl_attr_put_u16) (nlh, 2, 0x2222);
  (reference ? ref.put_u32 : mnl_attr_put_u32) (nlh, 3, 0x33333333);
  (reference ? ref.put_u64 : mnl_attr_put_u64) (nlh, 4, 0x4444444444444444ULL);
  (reference ? ref.put_str : mnl_attr_put_str) (nlh, 5, "odd");
  (reference ? ref.put_strz : mnl_attr_put_strz) (nlh, 6, "veth0");
  (reference ? ref.attr_put : mnl_attr_put) (nlh, 7, sizeof blob, blob);
  nest = (reference ? ref.nest_start : mnl_attr_nest_start) (nlh, 8);
  (reference ? ref.put_u32 : mnl_attr_put_u32) (nlh, 1, 9);
  inner = (reference ? ref.nest_start : mnl_attr_nest_start) (nlh, 2);
  (reference ? ref.put_strz : mnl_attr_put_strz) (nlh, 1, "x");
  (reference ? ref.nest_end : mnl_attr_nest_end) (nlh, inner);
  (reference ? ref.nest_end : mnl_attr_nest_end) (nlh, nest);
  (reference ? ref.attr_put : mnl_attr_put) (nlh, 9, 0, NULL);
  return nlh->nlmsg_len;
}

static void
messages_are_built_byte_for_byte_as_libmnl_builds_them (void **state)
{
  static char ours[512], theirs[512];
  size_t n;
  NEED_REFERENCE ();
  n = build (ours, false, 0);
  assert_int_equal (n, build (theirs, true, 0));
  assert_memory_equal (ours, theirs, n);
}

/* libmnl 1.0.4 leaves attribute padding as the buffer had it; ours zeroes it, so that no stale
 * byte of a reused buffer goes to the kernel. */
static void
attribute_padding_is_zeroed_whatever_the_buffer_held (void **state)
{
  static char dirty[512], clean[512];
  size_t n = build (dirty, false, 0xaa);
  assert_int_equal (n, build (clean, false, 0));
  assert_memory_equal (dirty, clean, n);
}

struct seen
{
  int n;
  uint16_t type[32], len[32];
  int stop_at; /* return MNL_CB_STOP at this attribute (-1: never) */
};

static int
record (const struct nlattr *attr, void *data)
{
  struct seen *s = data;
  if (s->n < 32)
    {
      s->type[s->n] = mnl_attr_get_type (attr);
      s->len[s->n] = mnl_attr_get_payload_len (attr);
    }
  return s->n++ == s->stop_at ? MNL_CB_STOP : MNL_CB_OK;
}

static void
attributes_parse_as_libmnl_parses_them (void **state)
{
  static char msg[512];
  struct nlmsghdr *nlh = (struct nlmsghdr *)msg;
  struct nlattr *nest;
  NEED_REFERENCE ();
  build (msg, false, 0);
  for (int stop_at = -1; stop_at < 9; stop_at++)
    {
      struct seen ours = { .stop_at = stop_at }, theirs = { .stop_at = stop_at };
      assert_int_equal (mnl_attr_parse (nlh, 13, record, &ours), ref.parse (nlh, 13, record, &theirs));
      assert_int_equal (ours.n, theirs.n);
      assert_memory_equal (ours.type, theirs.type, sizeof ours.type);
      assert_memory_equal (ours.len, theirs.len, sizeof ours.len);
    }
  /* The eighth attribute is the nest. */
  nest = mnl_nlmsg_get_payload_offset (nlh, 13);
  for (int i = 0; i < 7; i++)
    nest = mnl_attr_next (nest);
  assert_int_equal (mnl_attr_get_type (nest), 8);
  {
    struct seen ours = { .stop_at = -1 }, theirs = { .stop_at = -1 };
    assert_int_equal (mnl_attr_parse_nested (nest, record, &ours), ref.parse_nested (nest, record, &theirs));
    assert_int_equal (ours.n, 2);
    assert_int_equal (theirs.n, 2);
    assert_memory_equal (ours.type, theirs.type, sizeof ours.type);
  }
  /* A last attribute that claims more than the message holds is not visited. */
  {
    struct seen ours = { .stop_at = -1 }, theirs = { .stop_at = -1 };
    nlh->nlmsg_len -= 4;
    assert_int_equal (mnl_attr_parse (nlh, 13, record, &ours), ref.parse (nlh, 13, record, &theirs));
    assert_int_equal (ours.n, theirs.n);
    assert_int_equal (ours.n, 8);
  }
}

static void
validation_agrees_with_libmnl_for_every_type_and_length (void **state)
{
  static char msg[256];
  NEED_REFERENCE ();
  for (int type = 0; type <= MNL_TYPE_MAX; type++)
    for (size_t len = 0; len <= 10; len++)
      for (int nul = 0; nul < 2; nul++)
        {
          struct nlmsghdr *nlh = mnl_nlmsg_put_header (msg);
          struct nlattr *attr;
          char payload[16];
          int r1, r2, e1, e2;
          memset (payload, 'a', sizeof payload);
          if (nul && len)
            payload[len - 1] = '\0';
          mnl_attr_put (nlh, 1, len, payload);
          attr = mnl_nlmsg_get_payload (nlh);
          errno = 0;
          r1 = mnl_attr_validate (attr, type);
          e1 = errno;
          errno = 0;
          r2 = ref.validate (attr, type);
          e2 = errno;
          if (r1 != r2 || (r1 < 0 && e1 != e2))
            fail_msg ("type %d, %zu bytes%s: ours %d (errno %d), libmnl's %d (errno %d)", type, len,
                      nul ? " ending in NUL" : "", r1, e1, r2, e2);
        }
}

/* Replies: data messages (type 16), then what ends them. */
static size_t
reply (char *buf, const uint16_t *types, const int *errors, int n, uint32_t seq, uint32_t portid)
{
  size_t off = 0;
  for (int i = 0; i < n; i++)
    {
      struct nlmsghdr *nlh = mnl_nlmsg_put_header (buf + off);
      nlh->nlmsg_type = types[i];
      nlh->nlmsg_seq = seq;
      nlh->nlmsg_pid = portid;
      if (types[i] == NLMSG_ERROR)
        {
          struct nlmsgerr *e = mnl_nlmsg_put_extra_header (nlh, sizeof *e);
          e->error = errors[i];
        }
      else
        mnl_attr_put_u32 (nlh, 1, i);
      off += MNL_ALIGN (nlh->nlmsg_len);
    }
  return off;
}

static int
count_data (const struct nlmsghdr *nlh, void *data)
{
  int *n = data;
  (void)nlh;
  return ++*n == 3 ? MNL_CB_STOP : MNL_CB_OK; /* the third data message stops the walk */
}

static void
replies_run_callbacks_as_libmnl_runs_them (void **state)
{
  static const struct
  {
    const char *what;
    uint16_t types[4];
    int errors[4];
    int n;
    uint32_t seq, portid;
  } cases[] = {
    { "data then ACK", { 16, 16, NLMSG_ERROR }, { 0, 0, 0 }, 3, 7, 99 },
    { "data then an error", { 16, NLMSG_ERROR }, { 0, -EEXIST }, 2, 7, 99 },
    { "a positive error", { NLMSG_ERROR }, { ENODEV }, 1, 7, 99 },
    { "dump end", { 16, 16, NLMSG_DONE }, { 0 }, 3, 7, 99 },
    { "noop, overrun", { NLMSG_NOOP, 16, NLMSG_OVERRUN }, { 0 }, 3, 7, 99 },
    { "a callback that stops", { 16, 16, 16, 16 }, { 0 }, 4, 7, 99 },
    { "another sequence", { 16 }, { 0 }, 1, 8, 99 },
    { "another port", { 16 }, { 0 }, 1, 7, 98 },
    { "kernel notifications (seq 0, port 0)", { 16, 16 }, { 0 }, 2, 0, 0 },
  };
  static char buf[1024];
  NEED_REFERENCE ();
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      size_t len = reply (buf, cases[i].types, cases[i].errors, cases[i].n, cases[i].seq, cases[i].portid);
      int n1 = 0, n2 = 0, r1, r2, e1, e2;
      errno = 0;
      r1 = mnl_cb_run (buf, len, 7, 99, count_data, &n1);
      e1 = errno;
      errno = 0;
      r2 = ref.cb_run (buf, len, 7, 99, count_data, &n2);
      e2 = errno;
      if (r1 != r2 || n1 != n2 || (r1 <= MNL_CB_STOP && e1 != e2))
        fail_msg ("%s: ours %d (errno %d, %d calls), libmnl's %d (errno %d, %d calls)", cases[i].what, r1, e1,
                  n1, r2, e2, n2);
    }
}

static void
an_interrupted_dump_or_a_short_error_fails_as_in_libmnl (void **state)
{
  static char buf[256];
  static const uint16_t types[] = { 16, NLMSG_ERROR };
  static const int errors[] = { 0, 0 };
  size_t len = reply (buf, types, errors, 2, 7, 99);
  struct nlmsghdr *first = (struct nlmsghdr *)buf, *second;
  int n = 0;
  first->nlmsg_flags |= NLM_F_DUMP_INTR;
  errno = 0;
  assert_int_equal (mnl_cb_run (buf, len, 7, 99, count_data, &n), -1);
  assert_int_equal (errno, EINTR);
  first->nlmsg_flags &= ~NLM_F_DUMP_INTR;
  second = (struct nlmsghdr *)(buf + MNL_ALIGN (first->nlmsg_len));
  second->nlmsg_len = MNL_NLMSG_HDRLEN + 2; /* shorter than a struct nlmsgerr */
  len = MNL_ALIGN (first->nlmsg_len) + second->nlmsg_len;
  errno = 0;
  assert_int_equal (mnl_cb_run (buf, len, 7, 99, count_data, &n), MNL_CB_ERROR);
  assert_int_equal (errno, EBADMSG);
  if (ref.dl)
    {
      errno = 0;
      assert_int_equal (ref.cb_run (buf, len, 7, 99, count_data, &n), MNL_CB_ERROR);
      assert_int_equal (errno, EBADMSG);
    }
}

/* Messages go in while they fit; the one that does not is refused, and stays refused. */
static void
batches_fill_and_refuse_as_in_libmnl (void **state)
{
  static char ours_buf[200], theirs_buf[200];
  struct mnl_nlmsg_batch *ours, *theirs;
  int refused = 0;
  NEED_REFERENCE ();
  ours = mnl_nlmsg_batch_start (ours_buf, 100);
  theirs = ref.batch_start (theirs_buf, 100);
  for (int i = 0; i < 6; i++)
    {
      struct nlmsghdr *a = mnl_nlmsg_put_header (mnl_nlmsg_batch_current (ours));
      struct nlmsghdr *b = ref.put_header (ref.batch_current (theirs));
      bool fit_ours, fit_theirs;
      mnl_attr_put_u64 (a, 1, i);
      mnl_attr_put_u64 (b, 1, i);
      fit_ours = mnl_nlmsg_batch_next (ours);
      fit_theirs = ref.batch_next (theirs);
      assert_int_equal (fit_ours, fit_theirs);
      refused += !fit_ours;
      assert_int_equal (mnl_nlmsg_batch_size (ours), ref.batch_size (theirs));
      assert_int_equal ((char *)mnl_nlmsg_batch_current (ours) - ours_buf,
                        (char *)ref.batch_current (theirs) - theirs_buf);
    }
  assert_int_equal (refused, 3); /* 28-byte messages: three fit in 100 bytes */
  assert_memory_equal (ours_buf, theirs_buf, mnl_nlmsg_batch_size (ours));
  assert_false (mnl_nlmsg_batch_is_empty (ours));
  mnl_nlmsg_batch_stop (ours);
  ref.batch_stop (theirs);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (messages_are_built_byte_for_byte_as_libmnl_builds_them),
    cmocka_unit_test (attribute_padding_is_zeroed_whatever_the_buffer_held),
    cmocka_unit_test (attributes_parse_as_libmnl_parses_them),
    cmocka_unit_test (validation_agrees_with_libmnl_for_every_type_and_length),
    cmocka_unit_test (replies_run_callbacks_as_libmnl_runs_them),
    cmocka_unit_test (an_interrupted_dump_or_a_short_error_fails_as_in_libmnl),
    cmocka_unit_test (batches_fill_and_refuse_as_in_libmnl),
  };
  return cmocka_run_group_tests_name ("test_mnl", tests, load_reference, unload_reference);
}
