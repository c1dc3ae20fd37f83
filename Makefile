# The two commands: `make run` (dev server) and `make test` (every test).
#
# SANITIZE=address builds in build-asan/ with clang-14, ASan+UBSan (-O1 -g1, warnings as errors,
# which also checks the lock annotations), and the libFuzzer targets, which `make test` then runs
# for FUZZ_SECONDS each besides every other test: what CI runs (docs/design.md, "Checks beyond the
# tests").
SANITIZE ?=
BUILD_TYPE ?= Release
FUZZ_SECONDS ?= 30
JOBS ?= $(shell nproc)
ARGS ?=
CMAKE_ARGS ?=
SANITIZE_CMAKE = -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1" -DCOFFER_WERROR=ON
ifeq ($(SANITIZE),address)
BUILD_DIR ?= build-asan
CONFIGURE = $(SANITIZE_CMAKE) -DCMAKE_CXX_COMPILER=clang++-14 -DCOFFER_SANITIZE=address -DCOFFER_FUZZ=ON \
  -DCOFFER_FUZZ_SECONDS=$(FUZZ_SECONDS)
else ifeq ($(SANITIZE),)
BUILD_DIR ?= build
CONFIGURE = -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
else
$(error SANITIZE must be empty or address (TSan has its own target: make tsan))
endif
export ASAN_OPTIONS ?= detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS ?= halt_on_error=1:second_deadlock_stack=1

.PHONY: deps configure build run test unit integration sanitize asan tsan format format-check bench clean

deps:
	@bash scripts/install-deps.sh

# Configuring an existing tree again takes a second and picks up changed options.
configure: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CONFIGURE) $(CMAKE_ARGS)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Builds only the server it runs (the test binaries come with `make test`).
run: configure
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

# Sanitizer runs (docs/design.md, "Checks beyond the tests"). asan: every test and the fuzz
# targets under ASan+UBSan (above). tsan: GCC's ThreadSanitizer (-O1 -g1, warnings as errors) over
# the unit tests of every layer but the single-threaded CLI; it also builds the server, so GCC's
# warnings cover all of the production code.
TSAN_LAYERS = common crypto store seal audit vault auth http api server csi

sanitize: asan tsan

asan:
	$(MAKE) test SANITIZE=address

tsan: deps
	cmake -S . -B build-tsan -G Ninja $(SANITIZE_CMAKE) -DCOFFER_SANITIZE=thread \
	  -DCOFFER_TEST_LAYERS="$(subst $(eval) ,;,$(TSAN_LAYERS))"
	cmake --build build-tsan -j $(JOBS) --target coffer $(addprefix test_,$(TSAN_LAYERS))
	cd build-tsan && ctest --output-on-failure -j $(JOBS) -L unit

# The C++ sources in clang-format-14's house style (.clang-format); CI runs format-check first.
FORMAT_FILES = $(shell git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp')
format: deps
	@clang-format-14 -i $(FORMAT_FILES)

format-check: deps
	@clang-format-14 --dry-run --Werror $(FORMAT_FILES)

bench: build
	@bash scripts/install-deps.sh --bench
	cmake --build $(BUILD_DIR) -j $(JOBS) --target pkcs11_speed
	bash bench/run.sh $(BUILD_DIR)/coffer
	bash bench/keys.sh $(BUILD_DIR)/coffer
	bash bench/allocs.sh $(BUILD_DIR)/coffer

clean:
	rm -rf $(BUILD_DIR)
