package jwksprom_test

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	jwks "github.com/jwks-project/jwks/bindings/go"
	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
	"github.com/jwks-project/jwks/bindings/go/jwksprom"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

const (
	issuer   = "https://issuer.example/"
	audience = "api://orders"
)

// catalogueMetric is a row of the README's list of metrics, which is generated from the
// library's metrics catalogue (as the Python collector's table and this package's are).
type catalogueMetric struct {
	kind, help string
}

func readmeMetrics(t *testing.T) map[string]catalogueMetric {
	t.Helper()
	f, err := os.Open(filepath.Join(jwttest.RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]catalogueMetric{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.Contains(line, "BEGIN GENERATED: metrics"):
			in = true
		case strings.Contains(line, "END GENERATED: metrics"):
			in = false
		case in && strings.HasPrefix(line, "| `"):
			cells := strings.Split(strings.Trim(line, "|"), " | ")
			name := strings.Trim(strings.TrimSpace(cells[0]), "`")
			out[name] = catalogueMetric{kind: cells[1], help: strings.TrimSpace(cells[3])}
		}
	}
	if len(out) < 10 {
		t.Fatalf("found only %d metrics in the README's generated list", len(out))
	}
	return out
}

// keyServer serves a JWKS at /jwks and a discovery document naming discoveryIssuer.
func keyServer(t *testing.T, discoveryIssuer string, keys ...*jwttest.Key) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/jwks":
			w.Write(jwttest.JWKS(keys...))
		case "/.well-known/openid-configuration":
			io.WriteString(w, `{"issuer":"`+discoveryIssuer+`","jwks_uri":"`+srv.URL+`/jwks"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func gather(t *testing.T, reg *prometheus.Registry) map[string]*dto.MetricFamily {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, f := range families {
		out[f.GetName()] = f
	}
	return out
}

// value returns the sample of family name whose labels include every pair of want.
func value(t *testing.T, families map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	f, ok := families[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && labels[k] == v
		}
		if !match {
			continue
		}
		if m.GetCounter() != nil {
			return m.GetCounter().GetValue()
		}
		return m.GetGauge().GetValue()
	}
	t.Fatalf("no sample of %s with labels %v", name, want)
	return 0
}

// The collector publishes exactly the catalogue's metrics, with its types and help texts,
// through a pedantic registry (which checks that Collect matches Describe).
func TestMetricsAreTheCatalogues(t *testing.T) {
	k := jwttest.NewEC("ES256", "k1")
	v, err := jwks.NewFromJSON(jwttest.JWKS(k), &jwks.Options{Issuers: []string{issuer}, Audiences: []string{audience}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	c := jwksprom.NewCollector()
	c.Add("static", v)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	families := gather(t, reg)
	catalogue := readmeMetrics(t)
	var published, listed []string
	for name, f := range families {
		published = append(published, name)
		want, ok := catalogue[name]
		if !ok {
			t.Errorf("%s is not in the catalogue", name)
			continue
		}
		if got := strings.ToLower(f.GetType().String()); got != want.kind {
			t.Errorf("%s: type %s, the catalogue says %s", name, got, want.kind)
		}
		if f.GetHelp() != want.help {
			t.Errorf("%s: help %q, the catalogue says %q", name, f.GetHelp(), want.help)
		}
	}
	for name := range catalogue {
		listed = append(listed, name)
	}
	sort.Strings(published)
	sort.Strings(listed)
	if strings.Join(published, " ") != strings.Join(listed, " ") {
		t.Errorf("published %v\ncatalogue %v", published, listed)
	}
	// A static set: ready, its keys' age known (0), one key.
	if got := value(t, families, "jwks_ready", map[string]string{"verifier": "static"}); got != 1 {
		t.Errorf("jwks_ready = %v", got)
	}
	if got := value(t, families, "jwks_keys", nil); got != 1 {
		t.Errorf("jwks_keys = %v", got)
	}
	if got := value(t, families, "jwks_keys_age_seconds", nil); got != 0 {
		t.Errorf("jwks_keys_age_seconds = %v", got)
	}
}

// Verifications are counted by result and category, per verifier; the token cache's hits and
// readiness follow; a closed verifier is left out and a removed one is gone.
func TestCountsByResultPerVerifier(t *testing.T) {
	k := jwttest.NewEC("ES256", "k1")
	other := jwttest.NewEC("ES256", "k1")
	srv := keyServer(t, issuer, k)
	opts := &jwks.Options{
		Issuers: []string{issuer}, Audiences: []string{audience},
		AllowHTTP: true, HTTPTimeout: 3 * time.Second, FetchAtStart: true,
	}
	remote, err := jwks.NewFromURL(srv.URL+"/jwks", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close()
	lazy, err := jwks.NewFromURL(srv.URL+"/jwks", &jwks.Options{AllowHTTP: true, Issuers: []string{issuer}})
	if err != nil {
		t.Fatal(err)
	}
	defer lazy.Close()
	now := time.Now().Unix()
	good := k.Sign(jwttest.Claims(issuer, audience, now))
	expired := k.Sign(jwttest.Claims(issuer, audience, now-7200))
	forged := other.Sign(jwttest.Claims(issuer, audience, now))
	for _, tok := range []string{good, good, good} {
		if _, err := remote.Verify(tok); err != nil {
			t.Fatal(err)
		}
	}
	for _, tok := range []string{expired, forged, forged, "not a token"} {
		if _, err := remote.Verify(tok); err == nil {
			t.Fatalf("%q verified", tok)
		}
	}
	c := jwksprom.NewCollector()
	c.Add("orders", remote)
	c.Add("lazy", lazy)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	f := gather(t, reg)
	for _, tc := range []struct {
		result, category string
		want             float64
	}{
		{"OK", "ok", 3},
		{"EXPIRED", "token_rejected", 1},
		{"BAD_SIGNATURE", "token_rejected", 2},
		{"MALFORMED", "token_rejected", 1},
		{"KEYS_UNAVAILABLE", "keys_unavailable", 0},
	} {
		got := value(t, f, "jwks_verifications_total", map[string]string{"verifier": "orders", "result": tc.result, "category": tc.category})
		if got != tc.want {
			t.Errorf("orders %s: %v, want %v", tc.result, got, tc.want)
		}
	}
	if got := value(t, f, "jwks_verifications_total", map[string]string{"verifier": "lazy", "result": "OK"}); got != 0 {
		t.Errorf("lazy OK: %v", got)
	}
	// Two of the three good verifications were token cache hits.
	if err := testutil.CollectAndCompare(c, strings.NewReader(`
# HELP jwks_token_cache_hits_total `+helpOf(t, "jwks_token_cache_hits_total")+`
# TYPE jwks_token_cache_hits_total counter
jwks_token_cache_hits_total{verifier="lazy"} 0
jwks_token_cache_hits_total{verifier="orders"} 2
# HELP jwks_ready `+helpOf(t, "jwks_ready")+`
# TYPE jwks_ready gauge
jwks_ready{verifier="lazy"} 0
jwks_ready{verifier="orders"} 1
# HELP jwks_key_fetches_total `+helpOf(t, "jwks_key_fetches_total")+`
# TYPE jwks_key_fetches_total counter
jwks_key_fetches_total{verifier="lazy"} 0
jwks_key_fetches_total{verifier="orders"} 1
`), "jwks_token_cache_hits_total", "jwks_ready", "jwks_key_fetches_total"); err != nil {
		t.Error(err)
	}
	// The lazy verifier has no keys yet: its keys' age is not known, so it has no sample.
	for _, m := range f["jwks_keys_age_seconds"].GetMetric() {
		if m.GetLabel()[0].GetValue() == "lazy" {
			t.Errorf("an age for the verifier without keys: %v", m)
		}
	}
	lazy.Close()
	c.Remove("orders")
	f = gather(t, reg)
	if n := len(f["jwks_ready"].GetMetric()); f["jwks_ready"] != nil && n != 0 {
		t.Errorf("%d samples after closing one verifier and removing the other", n)
	}
}

func helpOf(t *testing.T, name string) string {
	t.Helper()
	return readmeMetrics(t)[name].help
}

// What Prometheus scrapes over HTTP (the text exposition) has the counts, while other
// goroutines verify (run with -race).
func TestScrapeWhileVerifying(t *testing.T) {
	k := jwttest.NewEC("ES256", "k1")
	v, err := jwks.NewFromJSON(jwttest.JWKS(k), &jwks.Options{Issuers: []string{issuer}, Audiences: []string{audience}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	c := jwksprom.NewCollector()
	c.Add("api", v)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	defer srv.Close()
	token := k.Sign(jwttest.Claims(issuer, audience, time.Now().Unix()))
	// Stored by the first verification; the 1000 that follow are hits.
	if _, err := v.Verify(token); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 250; i++ {
				if _, err := v.Verify(token); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	scrape := func() string {
		res, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("scrape: %d %s", res.StatusCode, body)
		}
		return string(body)
	}
	for i := 0; i < 20; i++ {
		scrape()
	}
	wg.Wait()
	text := scrape()
	for _, line := range []string{
		`# TYPE jwks_verifications_total counter`,
		`jwks_verifications_total{category="ok",result="OK",verifier="api"} 1001`,
		`jwks_verifications_total{category="token_rejected",result="EXPIRED",verifier="api"} 0`,
		`jwks_ready{verifier="api"} 1`,
		`jwks_token_cache_misses_total{verifier="api"} 1`,
		`jwks_token_cache_hits_total{verifier="api"} 1000`,
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("the scrape lacks %q:\n%s", line, text)
		}
	}
}
