# Makefile - build, test, run and bench Keten; `make help` lists the targets.
# Plain GNU make with pkg-config. `make SANITIZE=address,undefined test`
# builds into build/san and runs every test against the sanitized binary.

PKGS := libevent_openssl libevent_pthreads libevent libcurl jansson libpq openssl

ifeq ($(SANITIZE),)
BUILD := build/default
SANFLAGS :=
else
BUILD := build/san
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

CC ?= cc
CFLAGS ?= -O2 -g

# `make fuzz` builds the library again with clang for libFuzzer, under
# ASan + UBSan, into build/fuzz.
ifeq ($(FUZZ),1)
BUILD := build/fuzz
CC := clang
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
endif
KT_CFLAGS = -std=c11 -Wall -Wextra -Werror -D_DEFAULT_SOURCE -MMD -MP \
	-Iinclude -Ibroker -include broker/base/banned.h $(SANFLAGS) \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
KT_LDLIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

LIB_SRCS := $(filter-out broker/cli/main.c,$(wildcard broker/*/*.c)) $(wildcard adapters/*.c)
GEN_OBJS := $(BUILD)/obj/gen/migrations.o $(BUILD)/obj/gen/openapi.o
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(GEN_OBJS)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(wildcard tests/fuzz/*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)

KETEN := $(BUILD)/keten
VERSION := $(shell cat VERSION)

.PHONY: all deps test test-unit test-system test-rt fuzz fuzz-run check-walls check-levels run \
	bench bench-soak bench-growth bench-report deb test-deb test-upgrade test-ha clean help \
	test-browser web-vendor

all: $(KETEN)

help:
	@echo "make              build $(KETEN)"
	@echo "make deps         install what building and testing need (apt-get, npm)"
	@echo "make test         deps, check-walls, build, unit tests, system tests (own PostgreSQL)"
	@echo "make test-unit    only the C unit tests"
	@echo "make test-system  only the system tests"
	@echo "make test-rt      the Request Tracker suite against a real RT 5 (installs Debian's"
	@echo "                  request-tracker5 and stunnel4 when missing; not part of make test)"
	@echo "make fuzz         every libFuzzer target in tests/fuzz (clang, ASan + UBSan) for"
	@echo "                  FUZZ_SECONDS each (default 240 s shared), from tests/fuzz/corpus"
	@echo "make deb          the Debian package (debhelper) in build/deb/: binary, systemd unit,"
	@echo "                  example /etc/keten/keten.conf, schemas, man page"
	@echo "make test-browser the portal in Debian's Chromium (puppeteer-core; installs chromium)"
	@echo "make web-vendor   copy the portal's pinned npm packages into web/vendor/"
	@echo "make test-deb     make deb, then install it in a clean Debian 12 chroot (mmdebstrap)"
	@echo "                  and run the service from it against a throwaway PostgreSQL"
	@echo "make test-ha      Keten on a Patroni + etcd cluster (deploy/ha/): the primary killed,"
	@echo "                  then switched over, under load: 0 lost, 0 duplicates"
	@echo "make test-upgrade the previous release (tests/upgrade/PREVIOUS) serves while this one"
	@echo "                  migrates its database; then both side by side, then this one alone"
	@echo "make check-walls  libpq only in store/, curl only in the transport, OpenSSL only in"
	@echo "                  base/crypto.c and http/tls.c (SSL types only there): file:line"
	@echo "make check-levels the store's one-way levels (row -> rule -> tx); part of check-walls"
	@echo "make run          quick start: PostgreSQL, demo chain, simulators, broker on :8443;"
	@echo "                  RT=1 adds a real Request Tracker as one more supplier"
	@echo "make bench        intake, end to end, drain, round trips, CPU and RSS, each against"
	@echo "                  a pgbench reference in the same run (BENCH_SECONDS, default 10)"
	@echo "make bench-soak   10 min at half the sustained rate: RSS, p99, outbox depth flat?"
	@echo "                  (BENCH_SOAK_SECONDS)"
	@echo "make bench-growth intake rate at 10,000 and 1,000,000 stored tickets, median of 3"
	@echo "                  (BENCH_GROWTH_ROWS)"
	@echo "make bench-report the service and supplier reports over a year of 100,000 tickets"
	@echo "                  loaded with SQL: first and median time (BENCH_REPORT_TICKETS)"
	@echo "make SANITIZE=address,undefined test   the same under ASan + UBSan"
	@echo "make clean        remove build/ and var/"

deps:
	@deploy/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(KT_CFLAGS) -c $< -o $@

$(BUILD)/gen/migrations.c: schemas/embed.sh $(wildcard schemas/migrations/*.sql)
	@mkdir -p $(dir $@)
	schemas/embed.sh migrations $@

$(BUILD)/gen/openapi.c: schemas/embed.sh schemas/openapi.json
	@mkdir -p $(dir $@)
	schemas/embed.sh file kt_openapi_json schemas/openapi.json $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(KT_CFLAGS) -c $< -o $@

$(BUILD)/libketen.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# Only main.c knows the version; it is rebuilt when VERSION changes.
$(BUILD)/obj/broker/cli/main.o: KT_CFLAGS += -DKT_VERSION='"$(VERSION)"'
$(BUILD)/obj/broker/cli/main.o: VERSION

$(KETEN): $(BUILD)/obj/broker/cli/main.o $(BUILD)/libketen.a
	$(CC) $(CFLAGS) $(SANFLAGS) $(LDFLAGS) -o $@ $^ $(KT_LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libketen.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(KT_CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libketen.a \
		$(KT_LDLIBS) -lcmocka

test: deps check-walls
	@$(MAKE) --no-print-directory test-unit test-system

check-walls: check-levels
	@tests/lint/walls.sh

test-unit: $(UNIT_BINS)
	@tests/unit/run.sh $(UNIT_BINS)

check-levels:
	@tests/lint/store-levels.sh

# The sanitizer run drives the kill -9 fault suite with fewer tickets.
FAULT_TICKETS ?= $(if $(SANITIZE),500,2000)
test-system: $(KETEN)
	@KETEN_BIN=$(abspath $(KETEN)) KETEN_TEST_FILES="$(KETEN_TEST_FILES)" \
		KETEN_FAULT_TICKETS=$(FAULT_TICKETS) tests/system/run.sh

# The RT suite: a real RT (tests/rt/setup.sh) and the adapter driven by
# tests/rt/rt-driver.c; RT is stopped whatever the tests say.
$(BUILD)/tests/rt-driver: tests/rt/rt-driver.c $(BUILD)/libketen.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(KT_CFLAGS) -o $@ $< $(BUILD)/libketen.a $(KT_LDLIBS)

test-rt: $(KETEN) $(BUILD)/tests/rt-driver
	@KETEN_BIN=$(abspath $(KETEN)) RT_DRIVER=$(abspath $(BUILD)/tests/rt-driver) \
		KETEN_TEST_FILES="$(KETEN_TEST_FILES)" tests/rt/run.sh

# Fuzzing: each tests/fuzz/<target>.c defines LLVMFuzzerTestOneInput.
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz_adapter.h $(BUILD)/libketen.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(KT_CFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/libketen.a $(KT_LDLIBS)

fuzz:
	@deploy/deps.sh fuzz
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-run

fuzz-run: $(FUZZ_BINS)
	@tests/fuzz/run.sh $(FUZZ_BINS)

deb:
	@deploy/deps.sh deb
	@deploy/deb.sh

test-deb: deb
	@tests/deb/run.sh

test-ha: $(KETEN)
	@KETEN_BIN=$(abspath $(KETEN)) tests/ha/run.sh

test-upgrade: $(KETEN)
	@KETEN_BIN=$(abspath $(KETEN)) tests/upgrade/run.sh

run: deps $(KETEN)
	@KETEN_BIN=$(abspath $(KETEN)) KETEN_DEMO_RT=$(RT) deploy/quickstart.sh

bench: deps $(KETEN)
	@KETEN_BIN=$(abspath $(KETEN)) tests/bench/run.sh bench

bench-soak: deps $(KETEN)
	@KETEN_BIN=$(abspath $(KETEN)) tests/bench/run.sh soak

bench-growth: deps $(KETEN)
	@KETEN_BIN=$(abspath $(KETEN)) tests/bench/run.sh growth

# The reports over a year of bulk-loaded tickets (tests/bench/report.sh).
bench-report: $(KETEN)
	@KETEN_BIN=$(abspath $(KETEN)) tests/bench/report.sh

# The portal (issue 15): its browser tests in Debian's Chromium through
# puppeteer-core, and the pinned npm packages its pages serve, copied from
# tests/node_modules into web/vendor/ (committed; a test checks the copies).
test-browser: $(KETEN)
	@deploy/deps.sh browser
	@KETEN_BIN=$(abspath $(KETEN)) KETEN_TEST_FILES="$(KETEN_TEST_FILES)" tests/browser/run.sh

WEB_VENDOR := uplot/dist/uPlot.esm.js uplot/dist/uPlot.min.css uplot/LICENSE
web-vendor:
	@for f in $(WEB_VENDOR); do \
		mkdir -p web/vendor/$$(dirname $$f) && cp tests/node_modules/$$f web/vendor/$$f; done

clean:
	rm -rf build var

-include $(LIB_OBJS:.o=.d) $(BUILD)/obj/broker/cli/main.d
