// Package ringfloor loads the bare ring verify used as the benchmark floor (a shared library
// exporting ring_floor_run, built from bench/ring_floor) so that the Go
// benchmark can time it in its own process, next to the package it measures. Benchmarks only.
package ringfloor

/*
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

typedef int64_t (*ring_floor_fn)(const char *alg, const uint8_t *a, size_t a_len,
                                 const uint8_t *b, size_t b_len, const uint8_t *input,
                                 size_t input_len, const uint8_t *sig, size_t sig_len,
                                 uint64_t iterations);

static void *ringfloor_open(const char *path) {
	void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	return lib ? dlsym(lib, "ring_floor_run") : NULL;
}

static int64_t ringfloor_run(void *fn, const char *alg, const uint8_t *a, size_t a_len,
                             const uint8_t *b, size_t b_len, const uint8_t *input,
                             size_t input_len, const uint8_t *sig, size_t sig_len,
                             uint64_t iterations) {
	return ((ring_floor_fn)fn)(alg, a, a_len, b, b_len, input, input_len, sig, sig_len,
	                           iterations);
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Floor is a loaded ring_floor_run.
type Floor struct{ fn unsafe.Pointer }

// Open loads the library at path.
func Open(path string) (*Floor, error) {
	p := C.CString(path)
	defer C.free(unsafe.Pointer(p))
	fn := C.ringfloor_open(p)
	if fn == nil {
		return nil, fmt.Errorf("ringfloor: cannot load ring_floor_run from %s", path)
	}
	return &Floor{fn: fn}, nil
}

func ptr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

// Run verifies sig over input n times with ring (key components a and b: n and e for RSA,
// x and y for EC, x and nothing for Ed25519) and returns the elapsed nanoseconds; negative if
// the signature does not verify or the algorithm is unknown.
func (f *Floor) Run(alg string, a, b, input, sig []byte, n int) int64 {
	calg := C.CString(alg)
	defer C.free(unsafe.Pointer(calg))
	if len(b) == 0 {
		b = []byte{0}[:0]
	}
	return int64(C.ringfloor_run(f.fn, calg, ptr(a), C.size_t(len(a)), ptr(b), C.size_t(len(b)),
		ptr(input), C.size_t(len(input)), ptr(sig), C.size_t(len(sig)), C.uint64_t(n)))
}
