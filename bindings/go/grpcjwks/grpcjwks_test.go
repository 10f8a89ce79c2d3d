package grpcjwks_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	jwks "github.com/jwks-project/jwks/bindings/go"
	"github.com/jwks-project/jwks/bindings/go/grpcjwks"
	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

const (
	issuer   = "https://issuer.example/"
	audience = "api://health"
	watch    = "/grpc.health.v1.Health/Watch"
)

// serve serves srv on 127.0.0.1:0 and returns a health client connected to it.
func serve(t *testing.T, srv *grpc.Server) healthpb.HealthClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		srv.Stop()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return healthpb.NewHealthClient(conn)
}

// withAuth is a call context sending the given authorization values.
func withAuth(authorization ...string) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	for _, a := range authorization {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", a)
	}
	return ctx, cancel
}

// check calls Check and returns the status code and message of the answer.
func check(c healthpb.HealthClient, authorization ...string) (codes.Code, string) {
	ctx, cancel := withAuth(authorization...)
	defer cancel()
	res, err := c.Check(ctx, &healthpb.HealthCheckRequest{})
	if err == nil && res.Status != healthpb.HealthCheckResponse_SERVING {
		return codes.Unknown, "answer " + res.Status.String()
	}
	st := status.Convert(err)
	return st.Code(), st.Message()
}

// watchFirst opens Watch and returns the status of its first message.
func watchFirst(c healthpb.HealthClient, authorization ...string) (codes.Code, string) {
	ctx, cancel := withAuth(authorization...)
	defer cancel()
	stream, err := c.Watch(ctx, &healthpb.HealthCheckRequest{})
	if err == nil {
		var res *healthpb.HealthCheckResponse
		res, err = stream.Recv()
		if err == nil && res.Status != healthpb.HealthCheckResponse_SERVING {
			return codes.Unknown, "answer " + res.Status.String()
		}
	}
	st := status.Convert(err)
	return st.Code(), st.Message()
}

type fixture struct {
	key *jwttest.Key
	v   *jwks.Verifier
	now int64
}

func newFixture(t *testing.T) *fixture {
	key := jwttest.NewEC("ES256", "k1")
	v, err := jwks.NewFromJSON(jwttest.JWKS(key), &jwks.Options{Issuers: []string{issuer}, Audiences: []string{audience}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return &fixture{key, v, time.Now().Unix()}
}

// bearer is "Bearer " and a token granting scope whose claims are changed by extra.
func (f *fixture) bearer(scope string, extra map[string]any) string {
	claims := jwttest.Claims(issuer, audience, f.now)
	claims["scope"] = scope
	for k, x := range extra {
		claims[k] = x
	}
	return "Bearer " + f.key.Sign(claims)
}

func TestUnaryAndStream(t *testing.T) {
	f := newFixture(t)
	c := serve(t, newServer(f.v))
	good := f.bearer("health:read", nil)
	expired := f.bearer("health:read", map[string]any{"exp": f.now - 600})
	otherAudience := f.bearer("health:read", map[string]any{"aud": "api://other"})
	noScope := f.bearer("health:write", nil)
	for name, call := range map[string]func(healthpb.HealthClient, ...string) (codes.Code, string){"unary": check, "stream": watchFirst} {
		for _, c2 := range []struct {
			what string
			auth []string
			code codes.Code
			msg  string
		}{
			{"good token", []string{good}, codes.OK, ""},
			{"lower-case scheme", []string{"bearer " + strings.TrimPrefix(good, "Bearer ")}, codes.OK, ""},
			{"no token", nil, codes.Unauthenticated, "no bearer token in the authorization metadata"},
			{"basic credentials", []string{"Basic dXNlcjpwYXNz"}, codes.Unauthenticated, "no bearer token in the authorization metadata"},
			{"two values", []string{good, good}, codes.Unauthenticated, "invalid_request: malformed Authorization header"},
			{"two credentials", []string{good + ", " + good}, codes.Unauthenticated, "invalid_request: malformed Authorization header"},
			{"expired", []string{expired}, codes.Unauthenticated, "invalid_token: " + jwks.CodeExpired.Description()},
			{"wrong audience", []string{otherAudience}, codes.Unauthenticated, "invalid_token: " + jwks.CodeWrongAudience.Description()},
			{"missing scope", []string{noScope}, codes.PermissionDenied, "insufficient_scope: the token lacks a required scope of: health:read"},
		} {
			code, msg := call(c, c2.auth...)
			if code != c2.code || msg != c2.msg {
				t.Errorf("%s, %s: got %v %q, want %v %q", name, c2.what, code, msg, c2.code, c2.msg)
			}
		}
	}
	// A closed verifier is a server bug.
	f.v.Close()
	if code, _ := check(c, good); code != codes.Internal {
		t.Errorf("closed verifier: %v", code)
	}
}

// The handler sees the verified token in its context, for unary and streaming calls.
func TestTokenInContext(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	var subs []string
	record := func(ctx context.Context) {
		sub := "<none>"
		if tok, ok := jwks.TokenFromContext(ctx); ok {
			sub, _ = tok.ClaimString("sub")
		}
		mu.Lock()
		subs = append(subs, sub)
		mu.Unlock()
	}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(grpcjwks.UnaryServerInterceptor(f.v, nil),
			func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
				record(ctx)
				return h(ctx, req)
			}),
		grpc.ChainStreamInterceptor(grpcjwks.StreamServerInterceptor(f.v, nil),
			func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
				record(ss.Context())
				return h(srv, ss)
			}),
	)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	c := serve(t, srv)
	if code, msg := check(c, f.bearer("", map[string]any{"sub": "unary-user"})); code != codes.OK {
		t.Fatalf("unary: %v %s", code, msg)
	}
	if code, msg := watchFirst(c, f.bearer("", map[string]any{"sub": "stream-user"})); code != codes.OK {
		t.Fatalf("stream: %v %s", code, msg)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(subs, ",") != "unary-user,stream-user" {
		t.Errorf("the handlers saw the subjects %q", subs)
	}
}

// Skip leaves methods public; MethodScopes overrides Scopes per method.
func TestSkipAndMethodScopes(t *testing.T) {
	f := newFixture(t)
	opts := &grpcjwks.Options{
		Scopes:       []string{"never-granted"},
		MethodScopes: map[string][]string{watch: {"watch"}},
		Skip:         func(method string) bool { return method == "/grpc.health.v1.Health/Check" },
	}
	srv := grpc.NewServer(grpc.UnaryInterceptor(grpcjwks.UnaryServerInterceptor(f.v, opts)),
		grpc.StreamInterceptor(grpcjwks.StreamServerInterceptor(f.v, opts)))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	c := serve(t, srv)
	if code, msg := check(c); code != codes.OK {
		t.Errorf("skipped method without a token: %v %s", code, msg)
	}
	if code, msg := watchFirst(c, f.bearer("watch", nil)); code != codes.OK {
		t.Errorf("Watch with its scope: %v %s", code, msg)
	}
	if code, msg := watchFirst(c, f.bearer("never-granted", nil)); code != codes.PermissionDenied || !strings.HasSuffix(msg, "of: watch") {
		t.Errorf("Watch with the default scope only: %v %s", code, msg)
	}
}

// ErrorStatus replaces the status of refused calls.
func TestErrorStatus(t *testing.T) {
	f := newFixture(t)
	var seen []error
	var mu sync.Mutex
	opts := &grpcjwks.Options{ErrorStatus: func(_ context.Context, method string, err *jwks.AuthError) *status.Status {
		mu.Lock()
		seen = append(seen, err)
		mu.Unlock()
		return status.New(codes.Unauthenticated, "refused "+method)
	}}
	srv := grpc.NewServer(grpc.UnaryInterceptor(grpcjwks.UnaryServerInterceptor(f.v, opts)))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	c := serve(t, srv)
	code, msg := check(c, f.bearer("", map[string]any{"exp": f.now - 600}))
	if code != codes.Unauthenticated || msg != "refused /grpc.health.v1.Health/Check" {
		t.Errorf("got %v %q", code, msg)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || !errors.Is(seen[0], jwks.ErrExpired) {
		t.Errorf("ErrorStatus saw %v", seen)
	}
}

// When no keys can be obtained, calls end with Unavailable (retryable), not Unauthenticated.
func TestKeysUnavailable(t *testing.T) {
	keysDown := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer keysDown.Close()
	v, err := jwks.NewFromURL(keysDown.URL+"/jwks", &jwks.Options{AllowHTTP: true, Audiences: []string{audience}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	c := serve(t, newServer(v))
	f := &fixture{key: jwttest.NewEC("ES256", "k1"), now: time.Now().Unix()}
	if code, msg := check(c, f.bearer("health:read", nil)); code != codes.Unavailable {
		t.Errorf("unary: %v %s", code, msg)
	}
	if code, msg := watchFirst(c, f.bearer("health:read", nil)); code != codes.Unavailable {
		t.Errorf("stream: %v %s", code, msg)
	}
}

// Eight clients at once through one server and one verifier (run with -race).
func TestConcurrentCalls(t *testing.T) {
	f := newFixture(t)
	c := serve(t, newServer(f.v))
	var wg sync.WaitGroup
	errs := make(chan string, 8*30)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 30; i++ {
				scope, want := "health:read", codes.OK
				if i%3 == 0 {
					scope, want = "other", codes.PermissionDenied
				}
				call := check
				if i%2 == 0 {
					call = watchFirst
				}
				if code, msg := call(c, f.bearer(scope, map[string]any{"sub": fmt.Sprint(g, i)})); code != want {
					errs <- fmt.Sprintf("%d/%d: %v %s", g, i, code, msg)
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// bindings/go/README.md shows newServer exactly as example_test.go has it.
func TestReadmeShowsNewServer(t *testing.T) {
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(src), "func newServer(")
	end := strings.Index(string(src[start:]), "\n}\n")
	if start < 0 || end < 0 {
		t.Fatal("example_test.go has no func newServer")
	}
	snippet := string(src[start : start+end+3])
	if n := strings.Count(snippet, "\n"); n > 10 {
		t.Errorf("newServer has %d lines; the README shows at most 10", n)
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+snippet+"```\n") {
		t.Errorf("README.md does not show newServer of grpcjwks/example_test.go as it is:\n%s", snippet)
	}
}

// A nil verifier is refused when the interceptors are built, not on the first call.
func TestNilVerifier(t *testing.T) {
	for name, build := range map[string]func(){
		"unary, nil":            func() { grpcjwks.UnaryServerInterceptor(nil, nil) },
		"stream, nil *Verifier": func() { grpcjwks.StreamServerInterceptor((*jwks.Verifier)(nil), nil) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "verifier is nil") {
					t.Errorf("%s: recovered %v", name, r)
				}
			}()
			build()
		}()
	}
}

// Required scopes that are not valid (jwks.CheckScope: a space, a tab, a non-ASCII letter...)
// are refused when the interceptors are built, in Scopes and in MethodScopes.
func TestInvalidScopesAreRefusedWhenBuilt(t *testing.T) {
	f := newFixture(t)
	for name, opts := range map[string]*grpcjwks.Options{
		"Scopes":       {Scopes: []string{"health:read", "read write"}},
		"empty":        {Scopes: []string{""}},
		"MethodScopes": {MethodScopes: map[string][]string{watch: {"watch\u00a0all"}}},
	} {
		for kind, build := range map[string]func(){
			"unary":  func() { grpcjwks.UnaryServerInterceptor(f.v, opts) },
			"stream": func() { grpcjwks.StreamServerInterceptor(f.v, opts) },
		} {
			func() {
				defer func() {
					if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "grpcjwks: ") || !strings.Contains(fmt.Sprint(r), "INVALID_ARGUMENT") {
						t.Errorf("%s, %s: recovered %v", name, kind, r)
					}
				}()
				build()
			}()
		}
	}
}
