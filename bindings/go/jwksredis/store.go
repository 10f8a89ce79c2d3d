// Package jwksredis is a DPoP replay store over Redis (jwks.ReplayStore), so that the servers
// of a fleet accept each DPoP proof once between them (RFC 9449 §11.1):
//
//	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379", ContextTimeoutEnabled: true})
//	v, err := jwks.NewFromIssuer(issuer, &jwks.Options{
//		TokenScheme: jwks.SchemeDPoP,
//		ReplayStore: jwksredis.New(rdb, nil),
//	})
//
// Each proof is one round trip, `SET <prefix><key> 1 NX EXAT <expiry>`: atomic, so two
// servers given the same proof at the same time cannot both record it. Any failure (Redis
// unreachable, a timeout, an error reply) is the store-failed verdict: the proof is refused
// with jwks.ErrReplayStoreUnavailable (HTTP 503), never accepted unrecorded.
//
// It is a module of its own (github.com/jwks-project/jwks/bindings/go/jwksredis), so that
// users of the jwks package do not depend on a Redis client.
package jwksredis

import (
	"context"
	"errors"
	"time"

	jwks "github.com/jwks-project/jwks/bindings/go"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the prefix of the keys the store sets when Options.Prefix is "".
const DefaultPrefix = "jwks:dpop:"

// DefaultTimeout bounds one check when Options.Timeout is zero.
const DefaultTimeout = 500 * time.Millisecond

// Options tune a Store; nil or the zero value is usable.
type Options struct {
	// Prefix is put before every key (DefaultPrefix if ""), to keep the store's keys apart
	// from others in the same database, or the stores of services that must not share.
	Prefix string
	// Timeout bounds one check, round trip included (DefaultTimeout if zero): past it the
	// proof is refused as store-failed rather than the request kept waiting. go-redis applies
	// it to reads and writes only with redis.Options.ContextTimeoutEnabled; otherwise its
	// ReadTimeout and WriteTimeout (3 s by default) bound them.
	Timeout time.Duration
}

// Store is a jwks.ReplayStore over a Redis client (a *redis.Client, *redis.ClusterClient,
// *redis.Ring...). Safe for concurrent use, as the client is.
type Store struct {
	client  redis.UniversalClient
	prefix  string
	timeout time.Duration
}

// New returns a store over client; it panics if client is nil.
func New(client redis.UniversalClient, opts *Options) *Store {
	if client == nil {
		panic("jwksredis: the client is nil")
	}
	s := &Store{client: client, prefix: DefaultPrefix, timeout: DefaultTimeout}
	if opts != nil {
		if opts.Prefix != "" {
			s.prefix = opts.Prefix
		}
		if opts.Timeout > 0 {
			s.timeout = opts.Timeout
		}
	}
	return s
}

// Check records key until expiresAt unless it is recorded already: SET NX with an EXAT one
// second past expiresAt, since the library counts the record while now <= expiresAt and Redis
// drops a key at its EXAT. It answers jwks.ReplayFresh when the key was set, jwks.ReplaySeen
// when it was there, and jwks.ReplayUnavailable on any error.
func (s *Store) Check(key string, expiresAt, now int64) jwks.ReplayVerdict {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	err := s.client.SetArgs(ctx, s.prefix+key, 1, redis.SetArgs{
		Mode:     "NX",
		ExpireAt: time.Unix(expiresAt+1, 0),
	}).Err()
	switch {
	case err == nil:
		return jwks.ReplayFresh
	case errors.Is(err, redis.Nil):
		// NX: the key exists.
		return jwks.ReplaySeen
	default:
		return jwks.ReplayUnavailable
	}
}

var _ jwks.ReplayStore = (*Store)(nil)
