module github.com/jwks-project/jwks/scripts/dist-go

go 1.22

require golang.org/x/mod v0.17.0
