# Build, install and test libjwks. `make help` lists the targets.

PREFIX ?= /usr/local
DESTDIR ?=
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR := $(firstword $(subst ., ,$(VERSION)))
LIBDIR := $(DESTDIR)$(PREFIX)/lib
INCDIR := $(DESTDIR)$(PREFIX)/include

.PHONY: help build generate demo test test-c bench bench-e2e dist test-dist sizes install uninstall clean

help:
	@echo "make build                   build target/release/libjwks.{so,a} and the jwks tool (cli/)"
	@echo "make generate                rewrite every file generated from the core's catalogues"
	@echo "                             (src/catalogue/): the bindings' tables, then include/jwks.h"
	@echo "make demo                    run the end-to-end demo"
	@echo "make test                    run every test (Rust, C, Python, Go)"
	@echo "make test-c                  C tests only (plain, ASan+UBSan, valgrind, static, installed)"
	@echo "make bench                   benchmarks: table + target/bench/results.json"
	@echo "make bench-e2e               services under load (wrk; Go and Python servers against their"
	@echo "                             usual peers; nginx + jwks authz): docs/benchmarks-e2e.md, about 27 minutes"
	@echo "make dist                    release artefacts in dist/: C tarball, Python wheel and sdist,"
	@echo "                             Go modules proxy (dist/goproxy), the jwkskit and jwkskit-cli"
	@echo "                             .crate files, sizes.json, SHA256SUMS"
	@echo "make test-dist               install and verify from dist/ with no cargo on PATH; sizes,"
	@echo "                             glibc versions, the READMEs' size figures"
	@echo "make sizes                   write the READMEs' size figures from dist/ (after make dist)"
	@echo "make install PREFIX=/usr/local   install libraries, header and jwks.pc"

build:
	# libjwks on its own, so that it is built without the tool's features (Cargo.toml)
	cargo build --release -p jwks-capi
	cargo build --release -p jwkskit-cli --bin jwks
	ln -sf libjwks.so target/release/libjwks.so.$(MAJOR)

# The generated Rust sources first (cbindgen reads them), then the header from them. A plain
# `cargo test` fails while any of these files differs from what they would write.
generate:
	JWKS_BLESS=1 cargo test --quiet --test generate
	JWKS_BLESS=1 cargo test --quiet --test header

demo:
	cargo run --release --bin jwks -- demo

test:
	./scripts/test.sh

test-c:
	./scripts/test-c.sh

bench:
	./scripts/bench.sh

bench-e2e:
	./scripts/bench-e2e.sh

# Each kind of artefact has its own script; one not written yet is skipped (and test-dist
# then does not ask for its artefact). Every binary is linked against glibc 2.17
# (scripts/dist-common.sh). dist/sizes.json holds the size of each artefact, which the READMEs'
# figures must equal (`make sizes` writes them; test-dist checks). SHA256SUMS covers the
# top-level files and the Go module zips of dist/goproxy.
dist:
	rm -rf dist
	mkdir -p dist
	@for s in dist-c dist-python dist-go; do \
	  if [ -x scripts/$$s.sh ]; then echo "== scripts/$$s.sh"; ./scripts/$$s.sh || exit 1; \
	  else echo "== scripts/$$s.sh does not exist: skipped"; fi; \
	done
	@echo "== cargo package (jwkskit, jwkskit-cli)"
	# Together: cargo verifies the tool's crate against the library's, not yet on crates.io,
	# through a registry of its own under the target directory. Cargo takes what comes from a
	# registry never to change: the library unpacked from there (into
	# $CARGO_HOME/registry/src/-HASH/, crates.io's being named after it) and compiled would be
	# reused on the next run, and the tool verified against the library of an earlier
	# `make dist`. So both go first: the unpacked copies of these crates from such local
	# registries, and the compiled library, in a target directory of the packaging's own.
	rm -rf "$${CARGO_HOME:-$$HOME/.cargo}"/registry/src/-*/jwkskit-$(VERSION) \
	       "$${CARGO_HOME:-$$HOME/.cargo}"/registry/src/-*/jwkskit-cli-$(VERSION) \
	       target/package-verify/debug/.fingerprint/jwkskit-* target/package-verify/debug/deps/*jwkskit*
	cargo package --locked -p jwkskit -p jwkskit-cli --target-dir target/package-verify
	cp target/package-verify/package/jwkskit-$(VERSION).crate \
	   target/package-verify/package/jwkskit-cli-$(VERSION).crate dist/
	@echo "== dist/sizes.json (scripts/sizes.py measure)"
	./scripts/sizes.py measure dist
	cd dist && { find . -maxdepth 1 -type f ! -name SHA256SUMS; \
	  find . -path './goproxy/*' -type f -name '*.zip'; } | sed 's|^\./||' | LC_ALL=C sort \
	  | xargs -r sha256sum > SHA256SUMS
	@echo "== dist/SHA256SUMS"; cat dist/SHA256SUMS

test-dist:
	./scripts/test-dist.sh

sizes:
	./scripts/sizes.py update dist

install: build
	install -d $(LIBDIR) $(LIBDIR)/pkgconfig $(INCDIR)
	install -m 0755 target/release/libjwks.so $(LIBDIR)/libjwks.so.$(VERSION)
	ln -sf libjwks.so.$(VERSION) $(LIBDIR)/libjwks.so.$(MAJOR)
	ln -sf libjwks.so.$(MAJOR) $(LIBDIR)/libjwks.so
	install -m 0644 target/release/libjwks.a $(LIBDIR)/libjwks.a
	install -m 0644 include/jwks.h $(INCDIR)/jwks.h
	install -m 0644 include/jwks.hpp $(INCDIR)/jwks.hpp
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' jwks.pc.in > $(LIBDIR)/pkgconfig/jwks.pc

uninstall:
	rm -f $(LIBDIR)/libjwks.so $(LIBDIR)/libjwks.so.$(MAJOR) $(LIBDIR)/libjwks.so.$(VERSION) \
	      $(LIBDIR)/libjwks.a $(INCDIR)/jwks.h $(LIBDIR)/pkgconfig/jwks.pc
	rm -f $(INCDIR)/jwks.hpp

clean:
	cargo clean
