package grpcjwks_test

import (
	"context"
	"strings"
	"testing"
	"time"

	jwks "github.com/jwks-project/jwks/bindings/go"
	"github.com/jwks-project/jwks/bindings/go/grpcjwks"
	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

const (
	baseURL   = "https://grpc.example.com"
	checkHTU  = baseURL + "/grpc.health.v1.Health/Check"
	watchHTU  = baseURL + watch
	proofAlgs = `algs="`
)

// dpopFixture is a verifier, a client's proof key and a token bound to it.
type dpopFixture struct {
	*fixture
	proofKey *jwttest.Key
	token    string
}

func newDPoPFixture(t *testing.T, opts jwks.Options) *dpopFixture {
	key := jwttest.NewEC("ES256", "k1")
	opts.Issuers, opts.Audiences = []string{issuer}, []string{audience}
	v, err := jwks.NewFromJSON(jwttest.JWKS(key), &opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	f := &dpopFixture{fixture: &fixture{key, v, time.Now().Unix()}, proofKey: jwttest.NewEC("ES256", "")}
	claims := jwttest.Claims(issuer, audience, f.now)
	claims["cnf"] = map[string]any{"jkt": f.proofKey.Thumbprint()}
	f.token = key.Sign(claims)
	return f
}

func (f *dpopFixture) proof(htu, nonce string) string {
	return f.proofKey.Proof(jwttest.ProofClaims("POST", htu, f.token, time.Now().Unix(), nonce))
}

// dpopServer serves the health service behind the interceptors with opts, recording the
// scheme and jkt each handler saw.
func dpopServer(t *testing.T, v *jwks.Verifier, opts *grpcjwks.Options, seen chan<- string) healthpb.HealthClient {
	record := func(ctx context.Context) {
		if vr, ok := jwks.VerifiedRequestFromContext(ctx); ok {
			seen <- vr.Scheme + " " + vr.DPoPJKT
		} else {
			seen <- "none"
		}
	}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(grpcjwks.UnaryServerInterceptor(v, opts),
			func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
				record(ctx)
				return h(ctx, req)
			}),
		grpc.ChainStreamInterceptor(grpcjwks.StreamServerInterceptor(v, opts),
			func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
				record(ss.Context())
				return h(srv, ss)
			}),
	)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	return serve(t, srv)
}

type grpcAnswer struct {
	code       codes.Code
	msg        string
	challenges []string
	nonce      string
}

// dpopCheck calls Check with the authorization and dpop values ("" for none).
func dpopCheck(t *testing.T, c healthpb.HealthClient, authorization string, dpop ...string) grpcAnswer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if authorization != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", authorization)
	}
	for _, d := range dpop {
		ctx = metadata.AppendToOutgoingContext(ctx, "dpop", d)
	}
	var trailer metadata.MD
	_, err := c.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.Trailer(&trailer))
	st := status.Convert(err)
	return grpcAnswer{st.Code(), st.Message(), trailer.Get("www-authenticate"), strings.Join(trailer.Get("dpop-nonce"), ",")}
}

func (a grpcAnswer) expect(t *testing.T, what string, code codes.Code, challenges ...string) {
	t.Helper()
	if a.code != code || len(a.challenges) != len(challenges) {
		t.Errorf("%s: %v %q with challenges %q, want %v and %d challenges", what, a.code, a.msg, a.challenges, code, len(challenges))
		return
	}
	for _, want := range challenges {
		found := false
		for _, got := range a.challenges {
			found = found || strings.HasPrefix(got, want)
		}
		if !found {
			t.Errorf("%s: no challenge starting with %q in %q", what, want, a.challenges)
		}
	}
}

func TestDPoPCalls(t *testing.T) {
	f := newDPoPFixture(t, jwks.Options{})
	seen := make(chan string, 100)
	c := dpopServer(t, f.v, &grpcjwks.Options{TokenScheme: jwks.SchemeEither, BaseURL: baseURL + "/"}, seen)
	jkt := f.proofKey.Thumbprint()

	proof := f.proof(checkHTU, "")
	dpopCheck(t, c, "DPoP "+f.token, proof).expect(t, "DPoP", codes.OK)
	if got := <-seen; got != "DPoP "+jkt {
		t.Errorf("the handler saw %q", got)
	}
	dpopCheck(t, c, "DPoP "+f.token, proof).expect(t, "replay", codes.Unauthenticated, `DPoP error="invalid_dpop_proof"`, "Bearer")
	dpopCheck(t, c, "Bearer "+f.token).expect(t, "bound token as Bearer", codes.Unauthenticated, "DPoP "+proofAlgs, `Bearer error="invalid_token"`)
	dpopCheck(t, c, "DPoP "+f.token).expect(t, "no proof", codes.Unauthenticated, `DPoP error="invalid_dpop_proof"`, "Bearer")
	dpopCheck(t, c, "DPoP "+f.token, f.proof(watchHTU, "")).expect(t, "wrong htu", codes.Unauthenticated, `DPoP error="invalid_dpop_proof"`, "Bearer")
	a := dpopCheck(t, c, "")
	a.expect(t, "nothing", codes.Unauthenticated, "DPoP "+proofAlgs, "Bearer")
	if a.msg != "no access token in the authorization metadata" {
		t.Errorf("nothing: %q", a.msg)
	}
	dpopCheck(t, c, f.bearer("", nil)).expect(t, "unbound Bearer", codes.OK)
	if got := <-seen; got != "Bearer " {
		t.Errorf("the handler saw %q", got)
	}

	// A stream, checked once when it starts.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "DPoP "+f.token, "dpop", f.proof(watchHTU, ""))
	stream, err := c.Watch(ctx, &healthpb.HealthCheckRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	if err != nil {
		t.Fatalf("Watch with DPoP: %v", err)
	}
	if got := <-seen; got != "DPoP "+jkt {
		t.Errorf("the stream handler saw %q", got)
	}
}

// DPoP only: one challenge; with server nonces, a use_dpop_nonce refusal carries the nonce in
// the dpop-nonce trailer, and the retry with it passes.
func TestDPoPCallsNonce(t *testing.T) {
	f := newDPoPFixture(t, jwks.Options{DPoPNonceLifetime: 300 * time.Second})
	seen := make(chan string, 100)
	c := dpopServer(t, f.v, &grpcjwks.Options{TokenScheme: jwks.SchemeDPoP, BaseURL: baseURL}, seen)
	a := dpopCheck(t, c, "DPoP "+f.token, f.proof(checkHTU, ""))
	a.expect(t, "no nonce", codes.Unauthenticated, `DPoP error="use_dpop_nonce"`)
	if a.nonce == "" {
		t.Fatal("no dpop-nonce trailer")
	}
	dpopCheck(t, c, "DPoP "+f.token, f.proof(checkHTU, a.nonce)).expect(t, "with the nonce", codes.OK)
	dpopCheck(t, c, f.bearer("", nil)).expect(t, "Bearer", codes.Unauthenticated, "DPoP ")
}

func TestDPoPOptionsRefused(t *testing.T) {
	f := newFixture(t)
	for _, opts := range []grpcjwks.Options{
		{TokenScheme: "basic", BaseURL: baseURL},
		{TokenScheme: jwks.SchemeDPoP},
		{TokenScheme: jwks.SchemeDPoP, BaseURL: "grpc.example.com"},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v did not panic", opts)
				}
			}()
			grpcjwks.UnaryServerInterceptor(f.v, &opts)
		}()
	}
}
