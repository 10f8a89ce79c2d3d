package grpcjwks_test

import (
	jwks "github.com/jwks-project/jwks/bindings/go"
	"github.com/jwks-project/jwks/bindings/go/grpcjwks"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// newServer is a gRPC server whose calls need a token granting health:read; the tests serve
// it on loopback, and bindings/go/README.md shows it (a test checks the copy).
func newServer(v jwks.TokenVerifier) *grpc.Server {
	opts := &grpcjwks.Options{Scopes: []string{"health:read"}}
	srv := grpc.NewServer(
		grpc.UnaryInterceptor(grpcjwks.UnaryServerInterceptor(v, opts)),
		grpc.StreamInterceptor(grpcjwks.StreamServerInterceptor(v, opts)),
	)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	return srv
}
