# jiuye: build, run and test the suite.
#
#   make            build everything into build/ (services, jiuyectl, libjiuye)
#   make run        build, start PostgreSQL, migrate, run the four services until Ctrl-C
#   make demo       the same, publish ops/samples/, print what staff received, stop
#   make test       unit, integration, end-to-end and compose suites (sanitized build); last line "N passed, N failed"
#   make compose-test  docker-compose.yml built and run with podman (tests/compose/compose_e2e.sh; also in make test)
#   make deps       install the Debian packages (ops/install-deps.sh)
#
# Generated protobuf-c code goes to build/proto; nothing generated enters the tree.
# SAN=1 builds with AddressSanitizer and UBSan into build/san (what make test uses).

SAN ?= 0
ifeq ($(SAN),1)
B ?= build/san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT = -O1
else
B ?= build
SANFLAGS =
OPT = -O2
endif

CC ?= cc
PKGS = libzmq libprotobuf-c libevent libpq jansson libcurl libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g $(OPT) $(SANFLAGS) \
         -Icommon -Ibuild/proto $(PKG_CFLAGS)
LDFLAGS = $(SANFLAGS)
LDLIBS = $(PKG_LIBS) -lm

PROTOS := $(wildcard proto/*.proto)
PROTO_C := $(patsubst proto/%.proto,build/proto/%.pb-c.c,$(PROTOS))
PROTO_H := $(PROTO_C:.c=.h)

# `make` alone builds everything (the service rules below would otherwise be the first target).
.DEFAULT_GOAL := all

COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(COMMON_SRC)) \
              $(patsubst build/proto/%.c,$(B)/obj/proto/%.o,$(PROTO_C))
LIBJIUYE := $(B)/lib/libjiuye.a

SERVICES := intake rules subsidy notify
# Each service: main.c plus the files of its own domain, archived so tests can link them.
define service_rules
$(1)_SRC := $$(filter-out services/$(1)/main.c,$$(wildcard services/$(1)/*.c))
$(1)_OBJ := $$(patsubst %.c,$(B)/obj/%.o,$$($(1)_SRC))
$(B)/lib/lib$(1).a: $$($(1)_OBJ)
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
$(B)/bin/jiuye-$(1): $(B)/obj/services/$(1)/main.o $(B)/lib/lib$(1).a $(LIBJIUYE)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach s,$(SERVICES),$(eval $(call service_rules,$(s))))

# Include paths: a service's objects see common/, build/proto and their own
# directory only, so that no service includes another's header. What reuses a
# service's code says which services it reads, file by file.
$(foreach s,$(SERVICES),$(eval $(B)/obj/services/$(s)/%.o: CFLAGS += -Iservices/$(s)))
$(B)/obj/tools/jiuyectl/%.o: CFLAGS += -Iservices/intake -Iservices/notify
$(B)/obj/tests/unit/test_allocation.o $(B)/obj/tests/unit/test_award_formulas.o: CFLAGS += -Iservices/subsidy
$(B)/obj/tests/unit/test_decision_body.o $(B)/obj/tests/unit/test_replay.o: CFLAGS += -Iservices/rules
$(B)/obj/tests/unit/test_intake_metrics.o $(B)/obj/tests/integration/test_intake_zmq.o: CFLAGS += -Iservices/intake
$(B)/obj/tests/unit/test_notify_console.o $(B)/obj/tests/unit/test_notify_delivery.o: CFLAGS += -Iservices/notify
$(B)/obj/tests/bench/jiuye_bench.o: CFLAGS += -Iservices/intake
$(B)/obj/tests/bench/match_bench.o: CFLAGS += -Iservices/rules
SERVICE_LIBS := $(foreach s,$(SERVICES),$(B)/lib/lib$(s).a)

CTL_SRC := $(wildcard tools/jiuyectl/*.c)
CTL_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(CTL_SRC))

# Unit tests need nothing running; integration tests need the harness's PostgreSQL.
UNIT_SRC := $(wildcard tests/unit/test_*.c)
INTEGRATION_SRC := $(wildcard tests/integration/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC)) \
            $(patsubst tests/integration/%.c,$(B)/tests/integration/%,$(INTEGRATION_SRC))

BINS := $(foreach s,$(SERVICES),$(B)/bin/jiuye-$(s)) $(B)/bin/jiuyectl

.PHONY: all deps run demo test chaos unit compose-check compose-test clean proto
all: $(BINS) $(UNIT_BIN)

proto: $(PROTO_C)

build/proto/%.pb-c.c build/proto/%.pb-c.h: proto/%.proto
	@mkdir -p build/proto
	protoc-c --c_out=build/proto -Iproto $<

# Every object may include any generated header.
$(B)/obj/%.o: %.c $(PROTO_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/obj/proto/%.o: build/proto/%.c $(PROTO_H)
	@mkdir -p $(@D)
	$(CC) $(filter-out -Werror,$(CFLAGS)) -c -o $@ $<

$(LIBJIUYE): $(COMMON_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# jiuyectl reuses the services' own code (sources_add, ...), never a copy of it.
$(B)/bin/jiuyectl: $(CTL_OBJ) $(SERVICE_LIBS) $(LIBJIUYE)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/test_%: $(B)/obj/tests/unit/test_%.o $(SERVICE_LIBS) $(LIBJIUYE)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(SERVICE_LIBS) $(LIBJIUYE) $(LDLIBS) -lcmocka

$(B)/tests/integration/test_%: $(B)/obj/tests/integration/test_%.o $(SERVICE_LIBS) $(LIBJIUYE)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(SERVICE_LIBS) $(LIBJIUYE) $(LDLIBS) -lcmocka

# ---- test helpers (tests/tools/) -------------------------------------------------------
# Loopback servers the e2e tests talk to instead of the real world: webhook_sink (an evhttp
# receiver answering per-path status sequences), smtp_sink (a one-connection-at-a-time SMTP
# server). Plain C so that a fresh CI machine needs nothing beyond the build dependencies.
# Built with `all` into $(B)/tests/tools/ (tests use build/san/tests/tools/*).
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(TOOL_SRC))
all: $(TOOL_BIN)

$(B)/tests/tools/%: $(B)/obj/tests/tools/%.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LDLIBS)
# ---- end of test helpers -----------------------------------------------------------------

deps:
	ops/install-deps.sh

# make run / demo / test install what is missing first (ops/install-deps.sh is a no-op when all is there).
run: 
	@ops/install-deps.sh --quiet
	@$(MAKE) --no-print-directory all
	ops/run-local.sh run

demo:
	@ops/install-deps.sh --quiet
	@$(MAKE) --no-print-directory all
	ops/run-local.sh demo

test:
	@ops/install-deps.sh --quiet
	@$(MAKE) --no-print-directory SAN=1 all
	tests/run.sh

# The docker-compose deployment built and run for real with rootful podman:
# images from source (a debootstrapped Debian 12 base, cached in podman's store), up, the
# worked examples through the published ports, a crash and a restart in flight, down -v.
# make test runs the same script through tests/run.sh. Ports: 28080-28083 + JIUYE_TEST_PORT_OFFSET.
compose-test:
	@ops/install-deps.sh --quiet
	tests/compose/compose_e2e.sh

# The long fault run (make test runs tests/e2e/chaos.sh with 2 000
# events and a 5-second consumer pause): 20 000 events, notify stopped a minute.
CHAOS_EVENTS ?= 20000
CHAOS_CONSUMER_PAUSE ?= 60
chaos:
	@ops/install-deps.sh --quiet
	@$(MAKE) --no-print-directory SAN=1 all
	CHAOS_EVENTS=$(CHAOS_EVENTS) CHAOS_CONSUMER_PAUSE=$(CHAOS_CONSUMER_PAUSE) JIUYE_TEST_TIMEOUT=5400 \
	  JIUYE_SHOW_LOG=1 tests/run.sh '^chaos'

# ---- fuzz targets (libFuzzer; tests/fuzz/) ------------------------------------------------
# Intake's two decoders under clang's libFuzzer with ASan and UBSan, built apart from the
# rest (clang, not $(CC); no libjiuye archive: only the sources the codec needs).
#   make fuzz-build              build/fuzz/fuzz_event_json, build/fuzz/fuzz_event_proto
#   make fuzz                    run each for FUZZ_SECONDS (default 300) s
#   make fuzz FUZZ_SECONDS=10    the quick smoke run (tests/integration/fuzz_smoke.sh does this)
# The committed seeds in tests/fuzz/corpus/NAME/ are only read: new inputs go to
# build/fuzz/corpus/NAME/, crashes to build/fuzz/artifacts/ (crash-*, leak-*, timeout-*).
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 300
FUZZ_FLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 \
             -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
             -fno-omit-frame-pointer -Icommon -Ibuild/proto -Iservices/intake \
             $(shell pkg-config --cflags jansson libprotobuf-c 2>/dev/null)
FUZZ_LIBS = $(shell pkg-config --libs jansson libprotobuf-c 2>/dev/null)
FUZZ_CODEC_SRC = common/date.c common/ident.c services/intake/event_codec.c \
                 build/proto/events.pb-c.c build/proto/ingest.pb-c.c
FUZZ_NAMES = fuzz_event_json fuzz_event_proto
FUZZ_BINS = $(patsubst %,build/fuzz/%,$(FUZZ_NAMES))

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_CODEC_SRC) $(wildcard common/*.h) \
                   services/intake/event_codec.h $(PROTO_H)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_CODEC_SRC) $(FUZZ_LIBS)

fuzz: $(FUZZ_BINS)
	@mkdir -p build/fuzz/artifacts
	@rc=0; for f in $(FUZZ_NAMES); do \
	    c=$${f#fuzz_}; mkdir -p build/fuzz/corpus/$$c; \
	    echo "== $$f: $(FUZZ_SECONDS) s, new inputs in build/fuzz/corpus/$$c"; \
	    build/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
	        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build/fuzz/artifacts/$$f- \
	        $$( [ -f tests/fuzz/$$c.dict ] && echo -dict=tests/fuzz/$$c.dict ) \
	        build/fuzz/corpus/$$c tests/fuzz/corpus/$$c || rc=1; \
	done; exit $$rc

# ---- benchmark (tests/bench/; docs/performance.md) --------------------------------------
# Always the optimized build (build/bin), never the sanitized one; the load generator goes
# to build/bench/jiuye_bench (libzmq, libcurl, libpq, protobuf-c, jansson; linked against
# libjiuye and the service archives like the tests, for intake's own codec and sources_add).
#   make bench                 tests/bench/run.sh: its own PostgreSQL (JIUYE_BENCH_PGPORT, 25499)
#                              and services (ports + JIUYE_BENCH_PORT_OFFSET), scenarios of
#                              BENCH_EVENTS (20000) events, a summary table; BENCH_LONG=1 adds
#                              the 10-minute memory run
#   make bench-smoke           the same with 500 events (tests/e2e/bench_smoke.sh, in make test)
# Not part of `all` or `test`, except through the smoke script.
BENCH_EVENTS ?= 20000
.PHONY: bench bench-smoke bench-build
bench-build:
	@ops/install-deps.sh --quiet
	@$(MAKE) --no-print-directory SAN=0 B=build all build/bench/jiuye_bench

build/bench/jiuye_bench: build/obj/tests/bench/jiuye_bench.o build/obj/tests/bench/same_rows.o \
                         $(foreach s,$(SERVICES),build/lib/lib$(s).a) build/lib/libjiuye.a
	@mkdir -p $(@D)
	$(CC) -o $@ $(filter %.o,$^) $(foreach s,$(SERVICES),build/lib/lib$(s).a) build/lib/libjiuye.a $(LDLIBS)

bench: bench-build
	BENCH_EVENTS=$(BENCH_EVENTS) tests/bench/run.sh
	@$(MAKE) --no-print-directory bench-match

bench-smoke: bench-build
	BENCH_EVENTS=500 BENCH_LONG=0 BENCH_SMOKE=1 tests/bench/run.sh
# ---- end of benchmark --------------------------------------------------------------------

# ---- matching benchmark (tests/bench/match_bench.c) --------------------------------------
# R17 VACANCY_MATCH at the city's scale: a private PostgreSQL of its own (in a temp dir, port
# MATCH_BENCH_PGPORT), migrated, 50 000 registered persons, 20 000 trainings and 2 000 open
# vacancies COPYed into the rules tables, then the time rules_apply() takes to decide a new
# vacancy.posted and a new person.registered (each in a rolled-back transaction; median and
# p95 of 21). Optimized build (build/), like `make bench`; not part of `all` or `test`.
#   make bench-match
MATCH_BENCH_PGPORT ?= 55498
.PHONY: bench-match
build/bench/match_bench: build/obj/tests/bench/match_bench.o build/lib/librules.a build/lib/libjiuye.a
	@mkdir -p $(@D)
	$(CC) -o $@ $< build/lib/librules.a build/lib/libjiuye.a $(LDLIBS)

bench-match:
	@ops/install-deps.sh --quiet
	@$(MAKE) --no-print-directory SAN=0 B=build build/bench/match_bench
	@set -e; tmp=$$(mktemp -d /tmp/jiuye-match-bench.XXXXXX); chown postgres:postgres "$$tmp" 2>/dev/null || true; \
	  chmod 755 "$$tmp"; export JIUYE_PGDATA="$$tmp/pg" JIUYE_PGPORT=$(MATCH_BENCH_PGPORT); \
	  trap 'ops/pg-local.sh stop >/dev/null 2>&1 || true; rm -rf "$$tmp"' EXIT; \
	  ops/pg-local.sh start >/dev/null; eval "$$(ops/pg-local.sh env)"; ops/migrate.sh >/dev/null; \
	  JIUYE_MATCH_BENCH_DB="host=127.0.0.1 port=$(MATCH_BENCH_PGPORT) dbname=jiuye user=postgres" build/bench/match_bench
# ---- end of matching benchmark ------------------------------------------------------------

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
