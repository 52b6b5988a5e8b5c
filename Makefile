# Thin wrapper around CMake: `make demo` and `make test` are the quick start.
# `cmake -B build && cmake --build build && ctest --test-dir build` works as well.

BUILD_DIR ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: sweep fuzz target-check all deps configure build test demo install clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# The long power-cut sweep: every operation index on the larger pair too,
# ten times the seeds (docs/RELIABILITY.md). Not part of `make test`.
sweep: build
	DFOTA_SWEEP=full $(BUILD_DIR)/tests/test_powercut

# Every libFuzzer target for FUZZ_SECONDS each (default 900), two at a time,
# with clang (scripts/fuzz.sh; findings in build-fuzz/crashes/). Not part of
# `make test`; CI runs 60 s a target.
FUZZ_SECONDS ?= 900
fuzz: deps
	scripts/fuzz.sh --seconds $(FUZZ_SECONDS) --jobs $(JOBS)

# The example firmware under QEMU (examples/cortex-m4, scripts/target-check.sh):
# every scenario on an emulated Cortex-M4 and the measured figures. Installs
# its Debian packages as root; fetches zstd's and QEMU's Debian sources once.
TARGET_PACKAGES = gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm dpkg-dev xz-utils
target-check: build
	@DFOTA_EXTRA_PACKAGES="$(TARGET_PACKAGES)" scripts/install-deps.sh
	scripts/target-check.sh $(BUILD_DIR)

demo: build
	@scripts/demo.sh $(BUILD_DIR)/dfota $(BUILD_DIR)/demo

install: build
	cmake --install $(BUILD_DIR) $(if $(PREFIX),--prefix $(PREFIX))

clean:
	rm -rf $(BUILD_DIR)
