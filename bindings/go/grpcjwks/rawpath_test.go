package grpcjwks_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	jwks "github.com/jwks-project/jwks/bindings/go"
	"github.com/jwks-project/jwks/bindings/go/grpcjwks"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// rawResult is how a raw HTTP/2 gRPC call ended: its status (from the trailers, or from a
// trailers-only answer) and the number of response messages that came before it.
type rawResult struct {
	code     codes.Code
	message  string
	messages int
}

// rawCall sends one gRPC request for an empty HealthCheckRequest over a new HTTP/2
// connection to addr (prior knowledge, no TLS), with :path exactly as given: a gRPC client
// always sends "/service/method", so the frames are written here with the http2 package's
// Framer and HPACK encoder. It returns when the stream ends or as soon as a whole response
// message has arrived (Watch keeps its stream open after its first message).
func rawCall(t *testing.T, addr, path, authorization string) rawResult {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A server that answers nothing fails the test instead of hanging it.
	if err := conn.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte(http2.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(conn, conn)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}

	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, f := range [][2]string{
		{":method", "POST"},
		{":scheme", "http"},
		{":path", path},
		{":authority", addr},
		{"content-type", "application/grpc"},
		{"te", "trailers"},
		{"authorization", authorization},
	} {
		if err := enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]}); err != nil {
			t.Fatal(err)
		}
	}
	const stream = 1
	if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: stream, BlockFragment: block.Bytes(), EndHeaders: true}); err != nil {
		t.Fatal(err)
	}
	msg, err := proto.Marshal(&healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	// A gRPC message: a compressed flag (0), its length (4 bytes, big-endian), its bytes.
	body := binary.BigEndian.AppendUint32([]byte{0}, uint32(len(msg)))
	if err := fr.WriteData(stream, true, append(body, msg...)); err != nil {
		t.Fatal(err)
	}

	var res rawResult
	var data []byte
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("%s: reading the answer: %v", path, err)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				if err := fr.WriteSettingsAck(); err != nil {
					t.Fatal(err)
				}
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				if err := fr.WritePing(true, f.Data); err != nil {
					t.Fatal(err)
				}
			}
		case *http2.MetaHeadersFrame:
			if f.StreamID != stream {
				t.Fatalf("%s: headers on stream %d", path, f.StreamID)
			}
			if s := f.PseudoValue("status"); s != "" && s != "200" {
				t.Fatalf("%s: HTTP status %s", path, s)
			}
			if f.StreamEnded() {
				status := false
				for _, h := range f.Fields {
					switch h.Name {
					case "grpc-status":
						n, err := strconv.ParseUint(h.Value, 10, 32)
						if err != nil {
							t.Fatalf("%s: grpc-status %q", path, h.Value)
						}
						res.code, status = codes.Code(n), true
					case "grpc-message":
						res.message, _ = url.PathUnescape(h.Value)
					}
				}
				if !status {
					t.Fatalf("%s: the stream ended without a grpc-status", path)
				}
				return res
			}
		case *http2.DataFrame:
			data = append(data, f.Data()...)
			for len(data) >= 5 && len(data) >= 5+int(binary.BigEndian.Uint32(data[1:5])) {
				data = data[5+int(binary.BigEndian.Uint32(data[1:5])):]
				res.messages++
			}
			if res.messages > 0 {
				// A response message: the call went through (its status would be OK).
				return res
			}
			if f.StreamEnded() {
				t.Fatalf("%s: the stream ended without trailers", path)
			}
		case *http2.RSTStreamFrame:
			t.Fatalf("%s: stream reset: %v", path, f.ErrCode)
		case *http2.GoAwayFrame:
			t.Fatalf("%s: connection closed: %v %s", path, f.ErrCode, f.DebugData())
		}
	}
}

// serveRaw serves srv on 127.0.0.1:0 and returns its address.
func serveRaw(t *testing.T, srv *grpc.Server) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return lis.Addr().String()
}

// A request whose HTTP/2 :path lacks the leading "/" never reaches the method with the
// default scopes instead of the method's own: on a real server, over a real connection.
// (gRPC servers before 1.79.3 routed "grpc.health.v1.Health/Watch" to Watch and gave the
// stream interceptor that raw path as the full method name, which no MethodScopes key
// matched, so the default scopes applied.)
func TestPathWithoutLeadingSlash(t *testing.T) {
	f := newFixture(t)
	opts := &grpcjwks.Options{
		Scopes: []string{"read"},
		MethodScopes: map[string][]string{
			"/grpc.health.v1.Health/Check": {"admin"},
			"/grpc.health.v1.Health/Watch": {"admin"},
		},
	}
	srv := grpc.NewServer(grpc.UnaryInterceptor(grpcjwks.UnaryServerInterceptor(f.v, opts)),
		grpc.StreamInterceptor(grpcjwks.StreamServerInterceptor(f.v, opts)))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	addr := serveRaw(t, srv)
	read, admin := f.bearer("read", nil), f.bearer("admin", nil)

	for _, method := range []string{"grpc.health.v1.Health/Check", "grpc.health.v1.Health/Watch"} {
		// The same client with the method's real path: the admin scope is required and is
		// enough (so a refusal below is the path's doing, not the client's).
		if r := rawCall(t, addr, "/"+method, read); r.code != codes.PermissionDenied || r.messages != 0 {
			t.Errorf("/%s with scope read: %+v, want PermissionDenied", method, r)
		}
		if r := rawCall(t, addr, "/"+method, admin); r.code != codes.OK || r.messages != 1 {
			t.Errorf("/%s with scope admin: %+v, want one message", method, r)
		}
		for _, c := range []struct{ scope, token string }{{"read", read}, {"admin", admin}} {
			r := rawCall(t, addr, method, c.token)
			t.Logf("%s with scope %s: %v %q, %d messages", method, c.scope, r.code, r.message, r.messages)
			if r.messages != 0 || r.code != codes.PermissionDenied && r.code != codes.Unimplemented {
				t.Errorf("%s (no leading slash) with scope %s: %s",
					method, c.scope, fmt.Sprintf("%v %q, %d messages; want PermissionDenied or Unimplemented and none", r.code, r.message, r.messages))
			}
		}
	}
}

// fakeStream is a grpc.ServerStream with only a context, for calling an interceptor directly.
type fakeStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s fakeStream) Context() context.Context { return s.ctx }

// Given a full method name without the leading "/", both interceptors refuse the call with
// Unimplemented: before Skip is asked (even a Skip that lets everything through), before the
// default scopes could apply, and without calling the handler or ErrorStatus.
func TestInterceptorsRefuseMethodWithoutSlash(t *testing.T) {
	f := newFixture(t)
	var skipAsked []string
	errorStatusCalled := false
	opts := &grpcjwks.Options{
		Scopes:       []string{"read"},
		MethodScopes: map[string][]string{watch: {"admin"}, "/grpc.health.v1.Health/Check": {"admin"}},
		Skip: func(method string) bool {
			skipAsked = append(skipAsked, method)
			return method != watch && method != "/grpc.health.v1.Health/Check"
		},
		ErrorStatus: func(context.Context, string, *jwks.AuthError) *status.Status {
			errorStatusCalled = true
			return status.New(codes.Internal, "ErrorStatus")
		},
	}
	unary := grpcjwks.UnaryServerInterceptor(f.v, opts)
	stream := grpcjwks.StreamServerInterceptor(f.v, opts)
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", f.bearer("read", nil)))
	for _, method := range []string{"grpc.health.v1.Health/Watch", "grpc.health.v1.Health/Check", "", "Check", "x/grpc.health.v1.Health/Watch"} {
		handled := false
		_, err := unary(ctx, nil, &grpc.UnaryServerInfo{FullMethod: method}, func(context.Context, any) (any, error) {
			handled = true
			return nil, nil
		})
		if st := status.Convert(err); st.Code() != codes.Unimplemented || st.Message() != fmt.Sprintf("malformed method name: %q", method) || handled {
			t.Errorf("unary %q: %v %q, handler called: %v", method, st.Code(), st.Message(), handled)
		}
		err = stream(nil, fakeStream{ctx: ctx}, &grpc.StreamServerInfo{FullMethod: method, IsServerStream: true}, func(any, grpc.ServerStream) error {
			handled = true
			return nil
		})
		if st := status.Convert(err); st.Code() != codes.Unimplemented || st.Message() != fmt.Sprintf("malformed method name: %q", method) || handled {
			t.Errorf("stream %q: %v %q, handler called: %v", method, st.Code(), st.Message(), handled)
		}
	}
	if len(skipAsked) != 0 || errorStatusCalled {
		t.Errorf("Skip was asked about %q; ErrorStatus called: %v", skipAsked, errorStatusCalled)
	}
	// The same token on the method's full name: its MethodScopes entry applies.
	err := stream(nil, fakeStream{ctx: ctx}, &grpc.StreamServerInfo{FullMethod: watch, IsServerStream: true}, func(any, grpc.ServerStream) error {
		return nil
	})
	if !errorStatusCalled || status.Code(err) != codes.Internal {
		t.Errorf("%s with scope read: %v (ErrorStatus called: %v)", watch, err, errorStatusCalled)
	}
}

// A MethodScopes key without the leading "/" could never match a call: it is refused when the
// interceptors are built.
func TestMethodScopesKeyWithoutSlash(t *testing.T) {
	f := newFixture(t)
	opts := &grpcjwks.Options{MethodScopes: map[string][]string{watch: {"admin"}, "grpc.health.v1.Health/Check": {"admin"}}}
	for name, build := range map[string]func(){
		"unary":  func() { grpcjwks.UnaryServerInterceptor(f.v, opts) },
		"stream": func() { grpcjwks.StreamServerInterceptor(f.v, opts) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `MethodScopes names "grpc.health.v1.Health/Check"`) {
					t.Errorf("%s: recovered %v", name, r)
				}
			}()
			build()
		}()
	}
}

// MethodScopes is copied when the interceptors are built: a later change of the caller's map
// neither races with calls nor slips a key past the check above.
func TestMethodScopesCopied(t *testing.T) {
	f := newFixture(t)
	scopes := map[string][]string{watch: {"admin"}}
	stream := grpcjwks.StreamServerInterceptor(f.v, &grpcjwks.Options{Scopes: []string{"read"}, MethodScopes: scopes})
	delete(scopes, watch)
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", f.bearer("read", nil)))
	err := stream(nil, fakeStream{ctx: ctx}, &grpc.StreamServerInfo{FullMethod: watch}, func(any, grpc.ServerStream) error { return nil })
	if status.Code(err) != codes.PermissionDenied {
		t.Errorf("%s with scope read after the caller's map changed: %v", watch, err)
	}
}
