# The two entry points: `make demo` and `make test` (plus `make bench`). Each installs what is
# missing (scripts/bootstrap), configures and builds with CMake + Ninja, then runs.
BUILD_DIR ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# ccache hits across clones and build directories: hash paths relative to the checkout.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

.PHONY: all bootstrap configure build demo test bench clean

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

test: build
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target all
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900

bench: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target silt silt_bench
	@$(BUILD_DIR)/silt_bench --output docs/BENCHMARKS.md

clean:
	rm -rf $(BUILD_DIR)
