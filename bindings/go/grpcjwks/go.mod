module github.com/jwks-project/jwks/bindings/go/grpcjwks

go 1.26.0

require (
	github.com/jwks-project/jwks/bindings/go v0.2.0
	golang.org/x/net v0.63.0
	google.golang.org/grpc v1.85.0
	google.golang.org/protobuf v1.36.12
)

require (
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/text v0.44.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20261123191846-1e707ab9fbc2 // indirect
)

// Development against the checkout; a dependent module ignores this and gets the tagged
// release of the jwks module required above.
replace github.com/jwks-project/jwks/bindings/go => ../
