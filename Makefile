# carrel: an OCI container runtime.
#   make            build build/carrel
#   make demo       run a real container from the bundled busybox example (installs what is missing)
#   make check      all tests: unit, integration, clients (installs what is missing)
#   make asan       build and run the unit tests with -fsanitize=address,undefined
#   make fuzz       libFuzzer harnesses of every parser (build-fuzz/), FUZZ_SECONDS each (default 60)
#   make fault-build  build-fault/carrel with fault points (-DCARREL_FAULT_INJECTION, $$CARREL_FAULT)
#   make valgrind   unit tests and a CLI lifecycle under valgrind memcheck

CC ?= cc
BUILD ?= build
PKGS := libseccomp libcap libmnl libnftnl jansson
CFLAGS ?= -O2 -g
CARREL_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wvla \
	-D_GNU_SOURCE -Iinclude -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libmnl's functions come from src/mnl.c (its header from libmnl-dev): Debian ships no libmnl.a.
LDLIBS_CARREL := $(filter-out -lmnl,$(shell pkg-config --libs $(PKGS) 2>/dev/null))
# The libraries Debian ships as archives are linked in, and with STATIC=1 (the default) libc too:
# build/carrel is one static-pie binary (still position independent: ASLR stays). A `run` then
# skips ld.so and libc.so's mappings in each of its processes: 0.6 ms of about 5.5 here
# (docs/performance.md, session 6). STATIC=0, or STATIC_LIBS= for shared libraries as well, links
# dynamically, and so does any -fsanitize build (asan, fuzz). build/carrel-shared is the same
# objects linked dynamically, for valgrind (its malloc replacement needs a shared libc).
STATIC ?= 1
STATIC_LIBS ?= seccomp cap nftnl jansson
CARREL_LINK :=
# Under -static-pie every library is an archive: no -Bstatic/-Bdynamic switching.
LDLIBS_STATIC_PIE := $(LDLIBS_CARREL)
ifneq ($(strip $(STATIC_LIBS)),)
ifeq ($(foreach l,$(STATIC_LIBS),$(wildcard $(shell $(CC) -print-file-name=lib$(l).a))),$(foreach l,$(STATIC_LIBS),$(shell $(CC) -print-file-name=lib$(l).a)))
LDLIBS_CARREL := -Wl,-Bstatic $(addprefix -l,$(STATIC_LIBS)) -Wl,-Bdynamic \
	$(filter-out $(addprefix -l,$(STATIC_LIBS)),$(LDLIBS_CARREL))
# Sanitizer runtimes need the shared libc: a -fsanitize build links dynamically whatever STATIC says.
ifeq ($(STATIC)$(findstring -fsanitize,$(CFLAGS) $(LDFLAGS)),1)
ifneq ($(wildcard $(shell $(CC) -print-file-name=libc.a)),)
CARREL_LINK := -static-pie
endif
endif
endif
endif
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
CARREL_CFLAGS += -DCARREL_VERSION='"$(VERSION)"'

LIB_SRCS := $(sort $(wildcard src/*.c src/spec/*.c))
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/seccomp_default.o
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/helpers/%)

.PHONY: all deps demo check unit integration clients asan fmt fmt-check clean install bench fuzz fuzz-build \
	fault-build valgrind
all: $(BUILD)/carrel

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CARREL_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The default seccomp profile, embedded as a NUL-terminated string (`carrel spec` writes it).
$(BUILD)/gen/seccomp_default.c: config/seccomp-default.json
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@{ echo '/* Generated from $< by the Makefile: do not edit. */'; \
	  echo 'const char carrel_default_seccomp_json[] = {'; \
	  od -An -v -tx1 $< | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0x00 };'; } >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/seccomp_default.o: $(BUILD)/gen/seccomp_default.c
	@$(CC) $(CARREL_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libcarrel.a: $(LIB_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BUILD)/carrel: $(CLI_OBJS) $(BUILD)/libcarrel.a
	$(CC) $(CFLAGS) $(LDFLAGS) $(CARREL_LINK) -o $@ $(CLI_OBJS) $(BUILD)/libcarrel.a \
	  $(if $(CARREL_LINK),$(LDLIBS_STATIC_PIE),$(LDLIBS_CARREL))

$(BUILD)/carrel-shared: $(CLI_OBJS) $(BUILD)/libcarrel.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libcarrel.a $(LDLIBS_CARREL)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libcarrel.a
	@mkdir -p $(dir $@)
	$(CC) $(CARREL_CFLAGS) $(CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libcarrel.a $(LDLIBS_CARREL) -lcmocka

$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -static -o $@ $< 2>/dev/null || \
	  $(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -o $@ $<

# Installs the Debian packages that are missing (root, Debian 12).
deps:
	@./tests/install-deps.sh

demo: deps
	$(MAKE) all
	./rootfs-examples/demo.sh

unit: $(UNIT_BINS)
	@./tests/run-unit.sh $(UNIT_BINS)

check: deps
	$(MAKE) all $(BUILD)/carrel-shared $(UNIT_BINS) $(HELPER_BINS)
	$(MAKE) fault-build
	@./tests/run-all.sh

integration: all $(HELPER_BINS)
	$(MAKE) fault-build
	@./tests/run-all.sh --only integration

asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined" all $(UNIT_BINS:$(BUILD)/%=build-asan/%)
	@ASAN_OPTIONS=detect_leaks=1 ./tests/run-unit.sh $(UNIT_BINS:$(BUILD)/%=build-asan/%)

# Fuzzing: clang libFuzzer with ASan+UBSan, objects in build-fuzz/ (see docs/reliability.md).
FUZZ_SECONDS ?= 60
SOAK_RUNS ?= 10000
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined -Wno-error
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))

# The compiler's harness counts libseccomp contexts made and released (a lost one is a leak of ours).
build-fuzz/fuzz_seccomp_compile: FUZZ_LDFLAGS := -Wl,--wrap=seccomp_init,--wrap=seccomp_release
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) build-fuzz/libcarrel.a
	$(CC) $(CARREL_CFLAGS) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(FUZZ_LDFLAGS) -o $@ $< \
	  build-fuzz/libcarrel.a $(LDLIBS_CARREL)

fuzz-build:
	@./tests/install-deps.sh clang libclang-rt-14-dev
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS="$(FUZZ_CFLAGS)" $(FUZZ_BINS)

fuzz: fuzz-build
	./tests/fuzz/run.sh $(FUZZ_SECONDS)

# Fault injection: the same runtime with fault points compiled in (src/fault.h), in build-fault/.
fault-build:
	$(MAKE) BUILD=build-fault CFLAGS="$(CFLAGS) -DCARREL_FAULT_INJECTION" build-fault/carrel

valgrind: deps
	$(MAKE) all $(BUILD)/carrel-shared $(UNIT_BINS)
	./tests/clients/valgrind.sh

fmt:
	clang-format -i $$(git ls-files '*.c' '*.h')

fmt-check:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

# Timing driver of `make bench`: a standalone program, not linked with the library.
$(BUILD)/bench/timer: tests/bench/timer.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wvla -O2 -o $@ $<

bench: deps all $(BUILD)/bench/timer
	BUILD=$(BUILD) ./tests/bench/bench.sh
	CARREL_BIN=$(BUILD)/carrel ./tests/bench/soak.sh $(SOAK_RUNS)
	CARREL_BIN=$(BUILD)/carrel ./tests/bench/vps-density.sh $${VPS_DENSITY_N:-500}

install: all
	install -D -m 0755 $(BUILD)/carrel $(DESTDIR)/usr/local/bin/carrel
	install -D -m 0644 -t $(DESTDIR)/usr/local/share/man/man1 man/*.1
	install -D -m 0644 -t $(DESTDIR)/usr/local/share/man/man7 man/*.7
	install -D -m 0644 config/seccomp-default.json $(DESTDIR)/usr/local/share/carrel/seccomp-default.json
	install -d $(DESTDIR)/usr/local/share/carrel/templates
	for t in config/templates/*.json; do \
	  sed 's|\.\./\.\./rootfs-examples/|../rootfs-examples/|' $$t > $(DESTDIR)/usr/local/share/carrel/templates/$$(basename $$t); done
	install -D -m 0755 -t $(DESTDIR)/usr/local/share/carrel/rootfs-examples rootfs-examples/*.sh
	install -D -m 0644 config/carrel-vps.service $(DESTDIR)/etc/systemd/system/carrel-vps.service

clean:
	rm -rf build build-asan

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d)
