# berth: `make demo` builds and runs a container; `make test` runs every test.
CARGO ?= cargo
PROBE_TARGET := x86_64-unknown-linux-gnu
PROBE := target/$(PROBE_TARGET)/release/berth-probe
ROOTFS := bundles/rootfs

.PHONY: all build probe rootfs test-deps demo test unit integration test-v2 test-engines bench bench-seccomp lint clean

all: build

build:
	$(CARGO) build --release

# The probe runs inside containers, where there is no libc: link it statically.
probe:
	RUSTFLAGS="-C target-feature=+crt-static" $(CARGO) build --release -p berth-probe --target $(PROBE_TARGET)

rootfs: probe
	bundles/make-rootfs.sh $(ROOTFS)

demo: build rootfs
	target/release/berth run --bundle bundles demo-$$$$

test-deps:
	integration/install-test-deps.sh

# Unit tests need no root; integration tests (tests/) run real containers as root.
test: test-deps rootfs
	@if $(CARGO) clippy --version >/dev/null 2>&1; then $(MAKE) --no-print-directory lint; fi
	$(CARGO) test --workspace --no-fail-fast -- --test-threads=4
	$(MAKE) --no-print-directory test-v2
	$(MAKE) --no-print-directory test-engines

unit:
	$(CARGO) test --workspace --lib --bins

integration: test-deps rootfs
	$(CARGO) test --test '*' -- --test-threads=4

# cgroup v2 tests (tests/cgroups_v2.rs) in a guest with pure cgroup v2 (this
# host is hybrid): built here, run there by vmrun, as root.
test-v2: rootfs
	integration/ensure-vm.sh
	$(CARGO) test --no-run --test cgroups_v2
	$(CARGO) test --no-run --test cgroups_verbs
	CARGO=$(CARGO) integration/vm-test.sh cgroups_v2 900
	CARGO=$(CARGO) integration/vm-test.sh cgroups_verbs 900

# Real engines (podman, containerd, Docker; installed from Debian by the
# script) run their containers through berth on this hybrid host, unified
# cgroup2 left visible. The script prints ok/not ok per step.
SHARED ?= ../shared
ENGINES ?= podman containerd docker
test-engines: build
	@fail=0; for e in $(ENGINES); do \
		echo "== $$e"; \
		ERS_HIDE_UNIFIED=0 RUNTIME=$(CURDIR)/target/release/berth $(SHARED)/tools/engine-smoke.sh $$e || fail=1; \
	done; exit $$fail

# Benchmarks report; they never fail on timings.
bench: build rootfs
	integration/bench.py

bench-seccomp: build rootfs test-deps
	integration/bench-seccomp.py 30

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf $(ROOTFS)
