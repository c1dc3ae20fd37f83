# The two commands: `make run` (dev server) and `make test` (every test).
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
ARGS ?=
CMAKE_ARGS ?=

.PHONY: deps build run test unit integration sanitize asan tsan format format-check bench clean

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Builds only the server it runs (the test binaries come with `make test`).
run: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS) --target coffer
	./$(BUILD_DIR)/coffer server --dev $(ARGS)

# Unit tests run in parallel; the real-server integration tests each start
# their own server on a free port, so they can run side by side too.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

integration: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L integration

# Sanitizer builds (CI runs `make sanitize` after `make test`; docs/design.md, "Checks beyond
# the tests"): -O1 with line tables, warnings as errors. asan: clang-14 with ASan+UBSan, which also
# checks the lock annotations and links the libFuzzer targets; every unit test and the SQLite
# integration suite run against the instrumented server, then each fuzz target for
# FUZZ_SECONDS. tsan: the unit tests of the layers that share state between threads.
SANITIZE_CMAKE = -G Ninja -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1" -DCOFFER_WERROR=ON
TSAN_LAYERS = common store audit vault http api
FUZZ_SECONDS ?= 30
export ASAN_OPTIONS ?= detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS ?= halt_on_error=1:second_deadlock_stack=1

sanitize: asan tsan

asan: deps
	cmake -S . -B build-asan $(SANITIZE_CMAKE) -DCMAKE_CXX_COMPILER=clang++-14 -DCOFFER_SANITIZE=address \
	  -DCOFFER_FUZZ=ON -DCOFFER_FUZZ_SECONDS=$(FUZZ_SECONDS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS) -L unit
	cd build-asan && ctest --output-on-failure -j $(JOBS) -R '^integration\.'
	cd build-asan && ctest --output-on-failure -L fuzz

tsan: deps
	cmake -S . -B build-tsan $(SANITIZE_CMAKE) -DCOFFER_SANITIZE=thread \
	  -DCOFFER_TEST_LAYERS="$(subst $(eval) ,;,$(TSAN_LAYERS))"
	cmake --build build-tsan -j $(JOBS) --target $(addprefix test_,$(TSAN_LAYERS))
	cd build-tsan && ctest --output-on-failure -j $(JOBS) -L unit

# The C++ sources in clang-format-14's house style (.clang-format); CI runs format-check first.
FORMAT_FILES = $(shell git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp')
format: deps
	@clang-format-14 -i $(FORMAT_FILES)

format-check: deps
	@clang-format-14 --dry-run --Werror $(FORMAT_FILES)

bench: build
	@bash scripts/install-deps.sh --bench
	bash bench/run.sh $(BUILD_DIR)/coffer
	bash bench/keys.sh $(BUILD_DIR)/coffer

clean:
	rm -rf $(BUILD_DIR)
