# The two entry points: `make demo` and `make test` (plus `make bench` and `make test-asan`). Each
# installs what is missing (scripts/bootstrap), configures and builds with CMake + Ninja, then runs.
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# ccache hits across clones and build directories: hash paths relative to the checkout.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

.PHONY: all bootstrap configure build demo test test-untraced test-asan bench clean

all: build

bootstrap:
	@scripts/bootstrap

configure: bootstrap
	@if [ ! -f $(BUILD_DIR)/build.ninja ]; then \
	  cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS) >/dev/null; fi

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	@examples/medallion/demo $(BUILD_DIR)/silt

# The build and every test run traced, so that check_dependencies sees every program they started.
test: bootstrap
	@scripts/trace_programs $(BUILD_DIR)/programs.trace -- $(MAKE) --no-print-directory test-untraced
	@scripts/check_dependencies --build $(BUILD_DIR) --trace $(BUILD_DIR)/programs.trace

GOLDEN_DIR = $(or $(SILT_GOLDEN_DIR),$(CURDIR)/../shared/conformance/delta-golden)
test-untraced: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900
	@if [ ! -f "$(GOLDEN_DIR)/EXPECTED.json" ]; then \
	  echo "note: the Delta golden-table suite was skipped: no $(GOLDEN_DIR)/EXPECTED.json; set SILT_GOLDEN_DIR" \
	       "to a copy of Delta Lake's golden tables (delta-io/delta connectors/golden-tables, with EXPECTED.json)"; fi

# Unit, conformance, reliability and fuzz tests under AddressSanitizer and UBSan, in their own build
# directory. Every process (the silt binary run by the tests too) logs its reports under
# $(ASAN_DIR)/sanitizer-reports; any report fails the target.
test-asan: bootstrap
	@if [ ! -f $(ASAN_DIR)/build.ninja ]; then \
	  cmake -S . -B $(ASAN_DIR) -G Ninja -DSILT_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null; fi
	@cmake --build $(ASAN_DIR) -j $(JOBS)
	@rm -rf $(ASAN_DIR)/sanitizer-reports && mkdir -p $(ASAN_DIR)/sanitizer-reports
	@cd $(ASAN_DIR) && \
	  ASAN_OPTIONS=log_path=$(CURDIR)/$(ASAN_DIR)/sanitizer-reports/asan:detect_leaks=1:abort_on_error=0 \
	  UBSAN_OPTIONS=log_path=$(CURDIR)/$(ASAN_DIR)/sanitizer-reports/ubsan:print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 1800 -L 'unit|conformance|reliability|fuzz'
	@if [ -n "$$(ls -A $(ASAN_DIR)/sanitizer-reports)" ]; then \
	  echo "test-asan: sanitizer reports in $(ASAN_DIR)/sanitizer-reports:"; \
	  head -n 40 $(ASAN_DIR)/sanitizer-reports/*; exit 1; \
	else echo "test-asan: no sanitizer reports"; fi

bench: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target silt silt_bench
	@$(BUILD_DIR)/silt_bench --output docs/BENCHMARKS.md

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
