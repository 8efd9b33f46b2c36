# Parley: the two commands a user needs are `make run` and `make test`.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
RUN_FLAGS ?=

.PHONY: all build run test unit integration format bootstrap clean bench bench-micro cluster cluster-stop

all: build

bootstrap:
	@bash scripts/bootstrap

$(BUILD_DIR)/build.ninja:
	@bash scripts/bootstrap
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/src/app/parleyd $(RUN_FLAGS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

integration: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L integration

# Load benchmarks (bench/run.sh): fresh Release parleyd + Mosquitto peer,
# report in bench/results/<date>/. Its own build dir, so it never reuses a
# Debug tree. BENCH_FLAGS go to bench/run.sh (e.g. --quick).
BENCH_BUILD_DIR ?= build-bench
BENCH_FLAGS ?=
bench:
	@bash scripts/bootstrap
	BUILD_DIR=$(BENCH_BUILD_DIR) bash bench/run.sh $(BENCH_FLAGS)

# `make bench` RUNS times in a row and spread.md with each figure's median
# (bench/repeat.sh): one run on a shared VM is a sample.
RUNS ?= 3
.PHONY: bench-spread
bench-spread:
	@bash scripts/bootstrap
	BUILD_DIR=$(BENCH_BUILD_DIR) bash bench/repeat.sh $(RUNS)

# TLS against plain text on the TCP gateway (bench/tls.sh): idle-connection
# memory, 1:1 throughput, serial latency; bench/results/<date>/tls/.
.PHONY: bench-tls
bench-tls:
	@bash scripts/bootstrap
	BUILD_DIR=$(BENCH_BUILD_DIR) bash bench/tls.sh

# Cross-gateway chat on a three-gateway cluster (bench/cluster.sh): its own
# redis-server, mariadbd and gateways on free ports; bench/results/<date>/cluster.md.
.PHONY: bench-cluster
bench-cluster:
	@bash scripts/bootstrap
	BUILD_DIR=$(BENCH_BUILD_DIR) bash bench/cluster.sh $(BENCH_FLAGS)

# Where a durable 1:1 message's server CPU goes, stage by stage (bench/profile.sh:
# perf record of parleyd under `chat`, sorted by bench/stages.py; needs perf).
.PHONY: bench-profile
bench-profile:
	@bash scripts/bootstrap
	BUILD_DIR=$(BENCH_BUILD_DIR) bash bench/profile.sh

bench-micro:
	@bash scripts/bootstrap
	cmake -S . -B $(BENCH_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BENCH_BUILD_DIR) -j $(JOBS) --target parley_micro_bench
	$(BENCH_BUILD_DIR)/bench/micro/parley_micro_bench

# libFuzzer harnesses (fuzz/, docs/fuzzing.md): a clang build of the parsers
# and harnesses only, in its own dir; then every harness (or FUZZ_TARGETS)
# FUZZ_SECONDS each over fuzz/corpus/<name>, finds kept in
# $(FUZZ_BUILD_DIR)/fuzz-corpus, crashes in $(FUZZ_BUILD_DIR)/fuzz-artifacts.
# fuzz-smoke: what CI runs, each harness a few seconds (ctest -L fuzz).
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
.PHONY: fuzz fuzz-build fuzz-smoke
fuzz-build:
	@bash scripts/bootstrap
	cmake -S . -B $(FUZZ_BUILD_DIR) -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_BUILD_TYPE=None -DPARLEY_FUZZ=ON
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS)

fuzz: fuzz-build
	bash fuzz/run.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	cd $(FUZZ_BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L fuzz

# The Debian package (deploy/CMakeLists.txt, docs/operations.md "Installing
# the Debian package"): a Release build of the three packaged binaries in its
# own dir, then CPack; prints the .deb's path ($(DEB_BUILD_DIR)/deb/).
# CMAKE_SKIP_INSTALL_ALL_DEPENDENCY: CPack installs what is built, without
# building the tests first.
DEB_BUILD_DIR ?= build-deb
.PHONY: deb
deb:
	@bash scripts/bootstrap
	cmake -S . -B $(DEB_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON $(CMAKE_FLAGS)
	cmake --build $(DEB_BUILD_DIR) -j $(JOBS) --target parleyd parley parleyctl
	rm -rf $(DEB_BUILD_DIR)/deb
	cd $(DEB_BUILD_DIR) && cpack -G DEB -B deb
	@echo "deb: $$(realpath $(DEB_BUILD_DIR)/deb/*.deb)"

# A three-gateway cluster on loopback (scripts/cluster.sh): redis-server,
# mariadbd and parleyd gw1..gw3, data and logs in ./cluster-data.
# MIGRATE_FROM=DATA_DIR: first copy that stopped embedded node into the
# cluster (parleyctl migrate; docs/operations.md "From one node to a cluster").
MIGRATE_FROM ?=
cluster: build
	BUILD_DIR=$(BUILD_DIR) MIGRATE_FROM=$(MIGRATE_FROM) bash scripts/cluster.sh start

cluster-stop:
	BUILD_DIR=$(BUILD_DIR) bash scripts/cluster.sh stop

# The suites under sanitizers, each in a build dir of its own (-O1 -g).
# asan: AddressSanitizer + UndefinedBehaviorSanitizer, the unit and
# integration suites (parleyd too runs instrumented). tsan: ThreadSanitizer,
# the tests of the threaded parts (store writers, completion, io threads,
# bus, redis and mysql clients, client library), which it alone builds (the
# Redis and MySQL ones start their servers, so ctest labels them
# integration). TESTS narrows either to a ctest regex.
SAN_FLAGS = -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g"
TSAN_TESTS ?= Completion|IoThread|GroupCommit|RocksStore|Store.*rocks|LocalBus|RedisBus|RedisClient|MysqlPool|Client|Delivery|Sync|Receipt|RateLimiter|Typing|ClusterStore|ClusterFailure
TSAN_TARGETS = base_test store_test store_conformance_rocks_test core_test client_test \
  redis_client_test redis_bus_test mysql_client_test store_cluster_test
TESTS ?=
.PHONY: asan tsan asan-ci
# CI's share (.ci/run): the unit tests of base, the protocol parsers and the
# embedded store under ASan + UBSan, 58 objects that build in minutes; the
# whole of `make asan` builds ~390 objects (~40 minutes on 2 cores), over
# CI's budget (docs/sanitizers.md).
ASAN_CI_TESTS = tests/unit/base/base_test tests/unit/protocol/protocol_test tests/unit/store/store_test
asan-ci:
	cmake -S . -B build-asan $(SAN_FLAGS) -DPARLEY_SANITIZE=address $(CMAKE_FLAGS)
	cmake --build build-asan -j $(JOBS) --target $(notdir $(ASAN_CI_TESTS))
	cd build-asan && for test in $(ASAN_CI_TESTS); do \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $$test --gtest_brief=1 || exit 1; \
	done
asan:
	@bash scripts/bootstrap
	cmake -S . -B build-asan $(SAN_FLAGS) -DPARLEY_SANITIZE=address $(CMAKE_FLAGS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -L 'unit|integration' $(if $(TESTS),-R '$(TESTS)')
tsan:
	@bash scripts/bootstrap
	cmake -S . -B build-tsan $(SAN_FLAGS) -DPARLEY_SANITIZE=thread $(CMAKE_FLAGS)
	cmake --build build-tsan -j $(JOBS) --target $(TSAN_TARGETS)
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan.supp \
	  ctest --output-on-failure -j $(JOBS) -L 'unit|integration' -R '$(or $(TESTS),$(TSAN_TESTS))'

# Soak and chaos (tests/soak/soak_test.cc; docs/soak.md):
# MINUTES of load on each BACKEND while parleyd, gateways, Redis, MariaDB
# and client connections are killed and cut every CHAOS_SECONDS; then every
# acknowledged message is accounted for. Its own Release build dir, so a
# rebuild elsewhere never swaps the parleyd it restarts. Reports:
# $(SOAK_BUILD_DIR)/soak-report-<backend>[-<faults>].md. Not in CI (it runs for minutes).
SOAK_BUILD_DIR ?= build-soak
MINUTES ?= 10
BACKEND ?= embedded cluster
CHAOS_SECONDS ?= 20
# FAULTS: all, or a comma-separated list of kill9,term,cut,redis,mysql
# (FAULTS=cut keeps every parleyd alive the whole run).
FAULTS ?= all
.PHONY: soak
soak:
	@bash scripts/bootstrap
	cmake -S . -B $(SOAK_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(SOAK_BUILD_DIR) -j $(JOBS) --target parley_soak parleyd
	cd $(SOAK_BUILD_DIR) && for backend in $(BACKEND); do \
	  PARLEY_TEST_BACKEND=$$backend SOAK_MINUTES=$(MINUTES) SOAK_CHAOS_SECONDS=$(CHAOS_SECONDS) SOAK_FAULTS=$(FAULTS) \
	    tests/soak/parley_soak || exit 1; \
	done

format:
	find src client tools tests bench fuzz -name '*.h' -o -name '*.cc' | xargs -r clang-format -i

clean:
	rm -rf $(BUILD_DIR)
