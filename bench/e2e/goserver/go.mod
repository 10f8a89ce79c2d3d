module github.com/jwks-project/jwks/bench/e2e/goserver

go 1.26

require (
	github.com/MicahParks/keyfunc/v3 v3.9.2
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/jwks-project/jwks/bindings/go v0.0.0
)

require (
	github.com/MicahParks/jwkset v0.11.4 // indirect
	golang.org/x/time v0.15.0 // indirect
)

replace github.com/jwks-project/jwks/bindings/go => ../../../bindings/go
