# The two commands: `make run` (dev server) and `make test` (every test).
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
ARGS ?=

.PHONY: deps build run test unit integration bench clean

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./$(BUILD_DIR)/coffer server --dev $(ARGS)

# Unit tests run in parallel; the real-server integration tests each start
# their own server on a free port, so they can run side by side too.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

integration: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L integration

bench: build
	@bash scripts/install-deps.sh --bench
	bash bench/run.sh $(BUILD_DIR)/coffer
	bash bench/keys.sh $(BUILD_DIR)/coffer

clean:
	rm -rf $(BUILD_DIR)
