# berth: `make demo` builds and runs a container; `make test` runs every test.
CARGO ?= cargo
# Both binaries link glibc statically: no dynamic loader work at every start
# (about a quarter of berth's user time) and fewer pages touched. crt-static
# needs an explicit --target, so that build scripts and proc macros stay dynamic.
# Relative relocations are packed (DT_RELR, glibc 2.36, binutils 2.38): the
# static PIE's 300 KB table of them shrinks to 4 KB, read at every start.
TARGET := $(shell rustc -vV | sed -n 's/^host: //p')
STATIC := RUSTFLAGS="-C target-feature=+crt-static -C link-arg=-Wl,-z,pack-relative-relocs"
BERTH := target/$(TARGET)/release/berth
PROBE := target/$(TARGET)/release/berth-probe
ROOTFS := bundles/rootfs

.PHONY: all build probe rootfs test-deps demo test unit integration test-v2 test-engines fuzz bench bench-seccomp lint clean docs install deb test-deb

all: build

build:
	$(STATIC) $(CARGO) build --release -p berth --bin berth --target $(TARGET)
	@ls -l $(BERTH)

# The probe runs inside containers, where there is no libc: link it statically.
probe:
	$(STATIC) $(CARGO) build --release -p berth-probe --target $(TARGET)

rootfs: probe
	bundles/make-rootfs.sh $(ROOTFS)

demo: build rootfs
	$(BERTH) run --bundle bundles demo-$$$$

test-deps:
	integration/install-test-deps.sh

# Unit tests need no root; integration tests (tests/) run real containers as root.
test: test-deps rootfs
	@if $(CARGO) clippy --version >/dev/null 2>&1; then $(MAKE) --no-print-directory lint; fi
	FUZZ_SECONDS=15 $(CARGO) test --workspace --no-fail-fast -- --test-threads=4
	$(MAKE) --no-print-directory test-deb
	$(MAKE) --no-print-directory test-v2
	$(MAKE) --no-print-directory test-engines

unit:
	$(CARGO) test --workspace --lib --bins

integration: test-deps rootfs
	$(CARGO) test --test '*' -- --test-threads=4

# The fuzz targets (tests/fuzz.rs) for longer: FUZZ_SECONDS each, inputs
# that reach new errors saved to tests/fuzz-corpus/ (commit the useful ones).
FUZZ_SECONDS ?= 900
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SAVE=1 $(CARGO) test --release --test fuzz -- --nocapture

# The tests that need pure cgroup v2 or a working CRIU (cgroups_v2,
# cgroups_verbs, rootless_v2, checkpoint_vm, podman's checkpoint pair) in
# vmrun's guest (this host is hybrid): built here by vm-test.sh, run there
# as root.
test-v2: build rootfs
	integration/ensure-vm.sh
	CARGO=$(CARGO) integration/vm-test.sh cgroups_v2 900
	CARGO=$(CARGO) integration/vm-test.sh cgroups_verbs 900
	CARGO=$(CARGO) integration/vm-test.sh rootless_v2 900
	CARGO=$(CARGO) integration/vm-test.sh checkpoint_vm 1500
	$(SHARED)/tools/vmrun --timeout 900 -- integration/podman-checkpoint.sh $(CURDIR)/$(BERTH)

# Real engines (podman, containerd, Docker; installed from Debian by the
# script) run their containers through berth on this hybrid host, unified
# cgroup2 left visible. The script prints ok/not ok per step. Then the CRI
# as the kubelet drives it (integration/cri-test.sh, which builds its own
# client in integration/cri-client).
SHARED ?= ../shared
ENGINES ?= podman containerd docker
test-engines: build rootfs
	@fail=0; for e in $(ENGINES); do \
		echo "== $$e"; \
		ERS_HIDE_UNIFIED=0 RUNTIME=$(CURDIR)/$(BERTH) $(SHARED)/tools/engine-smoke.sh $$e || fail=1; \
	done; \
	echo "== podman, rootless"; integration/rootless-podman.sh $(CURDIR)/$(BERTH) || fail=1; \
	echo "== docker and podman networks and volumes"; integration/engine-networks.sh $(CURDIR)/$(BERTH) || fail=1; \
	echo "== podman, checkpoint and restore"; integration/podman-checkpoint.sh $(CURDIR)/$(BERTH) || fail=1; \
	echo "== containerd's CRI, handlers berth and runc"; CARGO=$(CARGO) integration/cri-test.sh $(CURDIR)/$(BERTH) || fail=1; \
	exit $$fail

# Benchmarks report; they never fail on timings. SOAK=1 adds a soak of the
# system container (integration/system-container.sh) under berth, 10 minutes
# (SOAK_SECONDS=N to change it) with an exec every second: init's fds, memory,
# the state dir at the start and the end, exec latency per minute.
bench: build rootfs
	BERTH=$(BERTH) integration/bench.py $(if $(filter 1,$(SOAK)),--soak)

bench-seccomp: build rootfs test-deps
	BERTH=$(BERTH) integration/bench-seccomp.py 30

# Man pages (berth(8), berth-VERB(8)) and bash/zsh/fish completions, made
# from the option tables the parser reads (examples/gen-docs.rs).
DOCS := target/docs
docs:
	$(CARGO) run -q --example gen-docs -- $(DOCS)

# Where Debian puts a runtime: /usr/sbin/berth (runc is /usr/sbin/runc).
PREFIX ?= /usr/local
DESTDIR ?=
install: build docs
	install -Dm755 $(BERTH) $(DESTDIR)$(PREFIX)/sbin/berth
	install -d $(DESTDIR)$(PREFIX)/share/man/man8
	install -m644 $(DOCS)/man8/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -Dm644 $(DOCS)/completions/berth.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/berth
	install -Dm644 $(DOCS)/completions/_berth $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_berth
	install -Dm644 $(DOCS)/completions/berth.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/berth.fish

# A Debian package of the above under /usr, built with dpkg-deb.
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB_ROOT := target/deb/berth_$(VERSION)_$(DEB_ARCH)
deb:
	rm -rf $(DEB_ROOT)
	$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/$(DEB_ROOT) PREFIX=/usr
	gzip -9n $(DEB_ROOT)/usr/share/man/man8/*.8
	integration/deb-control.sh $(VERSION) $(DEB_ARCH) $(DEB_ROOT)
	dpkg-deb --build --root-owner-group $(DEB_ROOT) target/deb/
	@ls -l target/deb/*.deb

# The package installs, `man berth` works, the installed berth runs the demo
# bundle, and a purge leaves nothing (skipped if a berth package is there).
test-deb: deb rootfs
	integration/deb-test.sh

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf $(ROOTFS) integration/cri-client/target
