// Package jwksprom exports the metrics of jwks verifiers to Prometheus: a
// prometheus.Collector over one or more *jwks.Verifier, each named by a "verifier" label.
//
//	c := jwksprom.NewCollector()
//	c.Add("orders-api", verifier)
//	prometheus.MustRegister(c)
//
// The metrics, their names, types and help texts are the library's metrics catalogue, the
// same in every language (the Python collector jwkskit.prometheus and the jwks tool publish
// them too): the verifications by result (jwks_verifications_total with the labels result and
// category), readiness (jwks_ready), the key source's counters (jwks_key_fetches_total,
// jwks_keys_age_seconds, ...) and the token cache's (jwks_token_cache_hits_total, ...). Values
// are read when Prometheus scrapes, from the library's counters: a scrape takes no lock that a
// verification holds and does no I/O.
//
// The package is a module of its own, so that the jwks package does not depend on
// client_golang.
package jwksprom

import (
	"errors"
	"sort"
	"sync"

	jwks "github.com/jwks-project/jwks/bindings/go"
	"github.com/prometheus/client_golang/prometheus"
)

// spec is a metric of the catalogue: its name, help and type (catalogue_gen.go).
type spec struct {
	name string
	help string
	kind prometheus.ValueType
}

// snapshot is what one scrape reads of one verifier.
type snapshot struct {
	stats  jwks.Stats
	cache  jwks.TokenCacheStats
	dpop   jwks.DPoPStats
	counts jwks.VerifyCounts
	ready  bool
}

// fieldMetric is a metric read from a field of the snapshot.
type fieldMetric struct {
	spec
	value func(s *snapshot) (float64, bool)
}

// result is a result the verification counts have a sample for.
type result struct {
	code     jwks.Code
	name     string
	category string
}

// Collector publishes the metrics of the verifiers added to it. It is safe for concurrent use:
// verifiers may be added and removed while Prometheus scrapes.
type Collector struct {
	mu        sync.RWMutex
	verifiers map[string]*jwks.Verifier

	verifications *prometheus.Desc
	ready         *prometheus.Desc
	fields        []*prometheus.Desc
}

// NewCollector returns a collector with no verifier; add them with Add.
func NewCollector() *Collector {
	desc := func(s spec, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(s.name, s.help, append([]string{verifierLabel}, labels...), nil)
	}
	c := &Collector{
		verifiers:     map[string]*jwks.Verifier{},
		verifications: desc(verifications, resultLabel, categoryLabel),
		ready:         desc(ready),
	}
	for _, m := range fieldMetrics {
		c.fields = append(c.fields, desc(m.spec))
	}
	return c
}

// Add publishes v's metrics under the label verifier=name, in place of any verifier added
// under that name before. A verifier closed later is left out of scrapes until it is removed.
func (c *Collector) Add(name string, v *jwks.Verifier) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.verifiers[name] = v
}

// Remove stops publishing the verifier added under name.
func (c *Collector) Remove(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.verifiers, name)
}

// Describe implements prometheus.Collector: every metric the collector may publish.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.verifications
	ch <- c.ready
	for _, d := range c.fields {
		ch <- d
	}
}

// Collect implements prometheus.Collector: the metrics of every verifier now, in the order of
// their names.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.RLock()
	names := make([]string, 0, len(c.verifiers))
	for name := range c.verifiers {
		names = append(names, name)
	}
	verifiers := make(map[string]*jwks.Verifier, len(c.verifiers))
	for name, v := range c.verifiers {
		verifiers[name] = v
	}
	c.mu.RUnlock()
	sort.Strings(names)
	for _, name := range names {
		c.collect(ch, name, verifiers[name])
	}
}

func (c *Collector) collect(ch chan<- prometheus.Metric, name string, v *jwks.Verifier) {
	s, err := read(v)
	if errors.Is(err, jwks.ErrClosed) {
		return
	}
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.verifications, err)
		return
	}
	for _, r := range results {
		ch <- prometheus.MustNewConstMetric(c.verifications, verifications.kind,
			float64(s.counts.Get(r.code)), name, r.name, r.category)
	}
	readiness := 0.0
	if s.ready {
		readiness = 1
	}
	ch <- prometheus.MustNewConstMetric(c.ready, ready.kind, readiness, name)
	for i, m := range fieldMetrics {
		if value, known := m.value(s); known {
			ch <- prometheus.MustNewConstMetric(c.fields[i], m.kind, value, name)
		}
	}
}

// read takes one verifier's snapshot.
func read(v *jwks.Verifier) (*snapshot, error) {
	var s snapshot
	var err error
	if s.counts, err = v.VerifyCounts(); err != nil {
		return nil, err
	}
	if s.stats, err = v.Stats(); err != nil {
		return nil, err
	}
	if s.cache, err = v.TokenCacheStats(); err != nil {
		return nil, err
	}
	if s.dpop, err = v.DPoPStats(); err != nil {
		return nil, err
	}
	s.ready = v.Ready()
	return &s, nil
}
