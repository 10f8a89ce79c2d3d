module github.com/jwks-project/jwks/bindings/go/jwksredis

go 1.26.0

require (
	github.com/jwks-project/jwks/bindings/go v0.2.0
	github.com/redis/go-redis/v9 v9.23.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
)

// Development against the checkout; a dependent module ignores this and gets the tagged
// release of the jwks module required above.
replace github.com/jwks-project/jwks/bindings/go => ../
