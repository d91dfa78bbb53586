# carrel: an OCI container runtime.
#   make            build build/carrel
#   make demo       run a real container from the bundled busybox example (installs what is missing)
#   make check      all tests: unit, integration, clients (installs what is missing)
#   make asan       build and run the unit tests with -fsanitize=address,undefined

CC ?= cc
BUILD ?= build
PKGS := libseccomp libcap libmnl jansson
CFLAGS ?= -O2 -g
CARREL_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wvla \
	-D_GNU_SOURCE -Iinclude -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS_CARREL := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
CARREL_CFLAGS += -DCARREL_VERSION='"$(VERSION)"'

LIB_SRCS := $(sort $(wildcard src/*.c src/spec/*.c))
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/helpers/%)

.PHONY: all deps demo check unit integration clients asan fmt fmt-check clean install bench
all: $(BUILD)/carrel

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CARREL_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libcarrel.a: $(LIB_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BUILD)/carrel: $(CLI_OBJS) $(BUILD)/libcarrel.a
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
	$(MAKE) all $(UNIT_BINS) $(HELPER_BINS)
	@./tests/run-all.sh

integration: all $(HELPER_BINS)
	@./tests/run-all.sh --only integration

asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined" all $(UNIT_BINS:$(BUILD)/%=build-asan/%)
	@ASAN_OPTIONS=detect_leaks=1 ./tests/run-unit.sh $(UNIT_BINS:$(BUILD)/%=build-asan/%)

fmt:
	clang-format -i $$(git ls-files '*.c' '*.h')

fmt-check:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

bench: deps all
	./tests/bench/bench.sh

install: all
	install -D -m 0755 $(BUILD)/carrel $(DESTDIR)/usr/local/bin/carrel
	install -D -m 0644 -t $(DESTDIR)/usr/local/share/man/man1 man/*.1
	install -D -m 0644 config/seccomp-default.json $(DESTDIR)/usr/local/share/carrel/seccomp-default.json

clean:
	rm -rf build build-asan

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d)
