# cove: build, install, test, benchmark.
PREFIX ?= /usr/local
DESTDIR ?=
CARGO ?= cargo
BIN := target/release/cove
GEN := target/release/cove-gendoc

.PHONY: all deps build install uninstall man completions test unit-test integration-test bench podman-bats lint fuzz demo clean

all: build

# Debian packages and test users (as root); idempotent.
deps:
	bash tests/setup.sh

build:
	$(CARGO) build --release --bins

# Man pages are generated from the clap definition, the completion scripts
# (which ask `cove __complete` on every TAB) by cove; both are committed, so
# a source checkout has them without building.
man: build
	rm -rf man && mkdir -p man
	$(GEN) man man

completions: build
	mkdir -p completions
	$(GEN) completions completions

install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/cove
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -D -m 0644 completions/cove.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/cove
	install -D -m 0644 completions/_cove $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_cove
	install -D -m 0644 completions/cove.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/cove.fish

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/cove $(DESTDIR)$(PREFIX)/share/man/man1/cove*.1
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/cove
	rm -f $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_cove
	rm -f $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/cove.fish

# Unit tests need no privileges; integration tests start a real registry
# and run cove as root and, when run as root, also as the unprivileged
# user COVE_TEST_USER (default covetest, created by .ci/run).
test:
	$(CARGO) test --release --no-fail-fast -- --test-threads=2

unit-test:
	$(CARGO) test --release --lib --bins

integration-test:
	$(CARGO) test --release --test '*' -- --test-threads=2

bench: build
	./tests/bench/run.sh
	./tests/bench/start.sh
	./tests/bench/network.sh
	./tests/bench/networks.sh
	./tests/bench/fuse.sh
	./tests/bench/complete.sh
	./tests/bench/build.sh
	./tests/bench/pause.sh
	./tests/bench/pod.sh
	./tests/bench/dev.sh

# Podman's own system tests (test/system/*.bats of a podman checkout in
# PODMAN_SRC) against cove as the user covetest; prints pass/fail per file.
# Not part of `test`: a measure of how far Podman scripts run unchanged.
podman-bats: build
	COVE=$(BIN) ./tests/podman-bats/run.sh $(BATS_FILES)

# Every unsafe block says why it is sound (a `// SAFETY:` comment).
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings -D clippy::undocumented_unsafe_blocks

# Fuzz the parsers of outside input (cargo-fuzz on the nightly toolchain),
# each target for FUZZ_SECONDS; not part of CI. Findings land in
# fuzz/artifacts/TARGET/; the corpus grows in fuzz/corpus/TARGET/.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= reference registries_conf auth_json unpack template seccomp_profile

fuzz:
	@failed=; for t in $(FUZZ_TARGETS); do \
		dict=; [ -f fuzz/$$t.dict ] && dict=-dict=$(CURDIR)/fuzz/$$t.dict; \
		mkdir -p fuzz/corpus/$$t; \
		$(CARGO) +nightly fuzz run $$t $(CURDIR)/fuzz/corpus/$$t $(CURDIR)/fuzz/seeds/$$t -- \
			-max_total_time=$(FUZZ_SECONDS) -timeout=10 $$dict || failed="$$failed $$t"; \
	done; [ -z "$$failed" ] || { echo "fuzz findings in:$$failed"; exit 1; }

# Build, install and use cove on a fresh machine without Docker Hub:
# import a root filesystem made from the static busybox, list and inspect it.
demo: install
	./tests/bench/demo.sh

clean:
	$(CARGO) clean
