# Build, install and test libjwks. `make help` lists the targets.

PREFIX ?= /usr/local
DESTDIR ?=
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR := $(firstword $(subst ., ,$(VERSION)))
LIBDIR := $(DESTDIR)$(PREFIX)/lib
INCDIR := $(DESTDIR)$(PREFIX)/include

.PHONY: help build demo test test-c bench install uninstall clean

help:
	@echo "make build                   build target/release/libjwks.{so,a} and the jwks tool"
	@echo "make demo                    run the end-to-end demo"
	@echo "make test                    run every test (Rust, C, Python, Go)"
	@echo "make test-c                  C tests only (plain, ASan+UBSan, valgrind, static, installed)"
	@echo "make bench                   benchmarks: table + target/bench/results.json"
	@echo "make install PREFIX=/usr/local   install libraries, header and jwks.pc"

build:
	cargo build --release
	ln -sf libjwks.so target/release/libjwks.so.$(MAJOR)

demo:
	cargo run --release --bin jwks -- demo

test:
	./scripts/test.sh

test-c:
	./scripts/test-c.sh

bench:
	./scripts/bench.sh

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
