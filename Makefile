# The two set-up commands of the README:
#   make demo   install what is missing, build, run the sample checkout
#   make test   install what is missing, build, pass every test
# Everything else here is a step of those two, also usable on its own.

JOBS      ?= $(shell nproc)
BUILD     ?= build
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 15
CMAKE_FLAGS ?=

.PHONY: all deps deps-test build demo test test-unit test-integration test-bench \
        fuzz install-check layering format-check clean

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

demo: deps
	@$(MAKE) --no-print-directory build >/dev/null
	@$(BUILD)/samples/demo/usd1pay_demo

test: deps-test
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory layering format-check
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L 'unit|integration'
	@cd $(BUILD) && ctest --output-on-failure -L bench
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory install-check
	@echo "make test: all test kinds passed"

test-unit: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

test-integration: deps-test build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L integration

test-bench: deps-test build
	@cd $(BUILD) && ctest --output-on-failure -L bench

# libFuzzer under ASan + UBSan, each target for FUZZ_SECONDS (CI smoke run).
fuzz:
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DUSD1PAY_BUILD_FUZZERS=ON -DUSD1PAY_BUILD_BENCHMARKS=OFF -DUSD1PAY_BUILD_CLI=OFF \
	  -DUSD1PAY_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers
	@cd $(FUZZ_BUILD) && ctest --output-on-failure -L fuzz -j $(JOBS)

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
