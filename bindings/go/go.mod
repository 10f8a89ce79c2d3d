module github.com/jwks-project/jwks/bindings/go

go 1.22
