package jwks

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Extreme values in every numeric field of Options: each either works (a verifier over a URL
// is made and verifies, twice so that the token cache answers, and at the extremes of time) or
// is refused with ErrInvalidArgument naming the field; never a panic, a crash, a hang or a
// huge allocation. Which values are taken is the library's decision (its options catalogue);
// the binding only refuses what the C parameter cannot hold (negative, fractional or too large
// for uint32/size_t).
func TestEveryNumericOptionAtItsExtremesWorksOrIsRefused(t *testing.T) {
	k := testKeys(t)
	srv := newKeyServer(t, k.eddsa)
	token := k.eddsa.Sign(claimsAt(time.Now()))
	durations := []time.Duration{-1, time.Nanosecond, time.Millisecond, time.Second,
		math.MaxUint32 * time.Millisecond, math.MaxUint32 * time.Second, math.MaxInt64}
	ints := []int{-1, 1, math.MaxUint32, math.MaxUint32 + 1, math.MaxInt}

	typ := reflect.TypeOf(Options{})
	tried, taken := 0, 0
	for i := 0; i < typ.NumField(); i++ {
		field := typ.Field(i)
		var values []reflect.Value
		switch field.Type {
		case reflect.TypeOf(time.Duration(0)):
			for _, d := range durations {
				values = append(values, reflect.ValueOf(d))
			}
		case reflect.TypeOf(0):
			for _, n := range ints {
				values = append(values, reflect.ValueOf(n))
			}
		default:
			continue
		}
		for _, value := range values {
			opts := Options{AllowHTTP: true, Audiences: []string{testAudience}}
			reflect.ValueOf(&opts).Elem().Field(i).Set(value)
			switch field.Name {
			case "CacheTTL":
				// The ttl must lie within the bounds: widen them, so that its own range decides.
				opts.MinCacheTTL, opts.MaxCacheTTL = time.Second, math.MaxUint32*time.Second
			case "MinCacheTTL":
				opts.MaxCacheTTL = math.MaxUint32 * time.Second
				opts.CacheTTL = opts.MaxCacheTTL
			case "MaxCacheTTL":
				opts.MinCacheTTL, opts.CacheTTL = time.Second, time.Second
			}
			what := fmt.Sprintf("%s=%v", field.Name, value)
			tried++
			v, err := NewFromURL(srv.URL+"/jwks", &opts)
			if err != nil {
				if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), field.Name) {
					t.Errorf("%s: %v (want ErrInvalidArgument naming the field)", what, err)
				}
				continue
			}
			taken++
			for round := 0; round < 2; round++ {
				_, err := v.Verify(token)
				// A 1 ms timeout may fail to fetch from loopback, a 1 s maximum age finds the
				// token too old: answers, not failures.
				if err != nil && !errors.Is(err, ErrUnavailable) && !errors.Is(err, ErrTokenRejected) {
					t.Errorf("%s: verify %d: %v", what, round, err)
				}
			}
			for _, now := range []time.Time{time.Unix(math.MinInt64/2, 0), time.Unix(0, 0), time.Unix(math.MaxInt64/2, 0)} {
				if tok, err := v.VerifyAt(token, now); (tok == nil) == (err == nil) {
					t.Errorf("%s: VerifyAt(%v): token %v, error %v", what, now, tok, err)
				}
			}
			v.Close()
		}
	}
	t.Logf("%d extreme values: %d taken, %d refused", tried, taken, tried-taken)
	if taken == 0 || taken == tried {
		t.Errorf("%d of %d taken: the cases test nothing", taken, tried)
	}
}

// The largest value every option takes, together: the token cache as large as C can ask (it
// allocates as entries come, not up front), keys kept for ever, the longest timeouts.
func TestEveryOptionAtItsLargestTogether(t *testing.T) {
	k := testKeys(t)
	srv := newKeyServer(t, k.eddsa)
	v, err := NewFromURL(srv.URL+"/jwks", &Options{
		AllowHTTP: true, Audiences: []string{testAudience},
		TokenCacheEntries: math.MaxUint32, TokenCacheBytes: math.MaxInt, TokenCacheMaxReuse: 24 * time.Hour,
		Leeway: 24 * time.Hour, MaxTokenAge: math.MaxUint32 * time.Second,
		CacheTTL: math.MaxUint32 * time.Second, MinCacheTTL: time.Second, MaxCacheTTL: math.MaxUint32 * time.Second,
		RefreshCooldown: math.MaxUint32 * time.Second, MaxStale: math.MaxUint32 * time.Second,
		HTTPTimeout: time.Hour, ConnectTimeout: time.Hour, MaxResponseSize: math.MaxInt, MaxKeys: math.MaxUint32,
	})
	if err != nil {
		t.Fatalf("NewFromURL: %v", err)
	}
	defer v.Close()
	token := k.eddsa.Sign(claimsAt(time.Now()))
	for i := 0; i < 2; i++ {
		if _, err := v.Verify(token); err != nil {
			t.Fatalf("verify %d: %v", i, err)
		}
	}
	s, err := v.TokenCacheStats()
	if err != nil || s.Hits < 1 || s.MaxEntries != math.MaxUint32 || s.MaxBytes != math.MaxInt {
		t.Errorf("token cache stats %+v, %v", s, err)
	}
}

// A refusal by a setter names the field and states the library's range.
func TestARefusedOptionStatesTheLibrarysRange(t *testing.T) {
	_, err := NewFromJSON([]byte(`{"keys":[]}`), &Options{Leeway: 25 * time.Hour})
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "Options.Leeway") ||
		!strings.Contains(err.Error(), "range: 0 to 86400 s") {
		t.Errorf("got %v", err)
	}
}
