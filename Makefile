# The two set-up commands of the README:
#   make demo   install what is missing, build, run the sample checkout
#   make test   install what is missing, build, pass every test
# Everything else here is a step of those two, also usable on its own.

# bash with pipefail, so a pipe fails when its first command does.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

JOBS      ?= $(shell nproc)
BUILD     ?= build
FUZZ_BUILD ?= build-fuzz
ASAN_BUILD ?= build-asan
FUZZ_SECONDS ?= 15
CMAKE_FLAGS ?=

.PHONY: all deps deps-test build demo test test-unit test-integration test-bench \
        fuzz asan tidy install-check layering format-check clean

all: build

deps:
	@scripts/install-deps.sh

deps-test:
	@scripts/install-deps.sh --npm

$(BUILD)/CMakeCache.txt:
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUSD1PAY_WERROR=ON \
	  $(CMAKE_FLAGS) >/dev/null

build: $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS)

demo: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS) --target usd1pay_demo >/dev/null
	@mkdir -p $(BUILD)/demo
	@$(BUILD)/samples/demo/usd1pay_demo samples/usd1pay.json $(BUILD)/demo/usd1pay.db

test: deps-test
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory layering format-check
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L 'unit|integration'
	@$(MAKE) --no-print-directory test-bench
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory tidy
	@$(MAKE) --no-print-directory install-check
	@echo "make test: all test kinds passed"

test-unit: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

test-integration: deps-test build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L integration

test-bench: deps-test build
	@cd $(BUILD) && ctest -V -L bench | grep -E "RATIO|tests passed|Failed|rror"

# libFuzzer under ASan + UBSan, each target for FUZZ_SECONDS (CI smoke run).
fuzz:
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DUSD1PAY_BUILD_FUZZERS=ON -DUSD1PAY_BUILD_BENCHMARKS=OFF -DUSD1PAY_BUILD_CLI=OFF \
	  -DUSD1PAY_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers
	@cd $(FUZZ_BUILD) && ctest --output-on-failure -L fuzz -j $(JOBS)

# The unit and integration tests again, built with AddressSanitizer + UBSan.
asan:
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DUSD1PAY_SANITIZE=ON \
	  -DUSD1PAY_BUILD_BENCHMARKS=OFF -DUSD1PAY_WERROR=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS) >$(ASAN_BUILD)/build.log 2>&1 || \
	  { cat $(ASAN_BUILD)/build.log; exit 1; }
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -L 'unit|integration' >test.log 2>&1 || \
	  { cat test.log; exit 1; }
	@echo "asan: $$(grep 'tests passed' $(ASAN_BUILD)/test.log) (ASan + UBSan)"

# clang-tidy with the repo's .clang-tidy over every library and CLI source.
tidy: build
	@run-clang-tidy -p $(BUILD) -quiet -j $(JOBS) "$(CURDIR)/sdk/" >$(BUILD)/tidy.log 2>&1 || \
	  { grep -E -A4 'error:|warning:' $(BUILD)/tidy.log; echo "tidy: findings above" >&2; exit 1; }
	@echo "tidy: no findings"

# Install into a scratch prefix and build tests/consumer against it, through
# both find_package and pkg-config.
install-check: build
	@scripts/install-check.sh $(BUILD)

layering:
	@scripts/check-layering.sh

format-check:
	@scripts/check-format.sh

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
