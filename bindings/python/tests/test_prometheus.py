"""jwkskit.prometheus with the real prometheus_client: a registry, generate_latest, and the
exposition parsed back; the metrics must be the catalogue's (the README's generated list)."""

from __future__ import annotations

import re
import subprocess
import sys
import threading

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

import jwkskit
from jwkskit.prometheus import VerifierCollector

from conftest import AUDIENCE, NOW, REPO, claims, jwks_of, key


def readme_metrics():
    """{name: (type, help)} from the README's list, generated from the metrics catalogue (as
    the tables of this package and of the Go collector are)."""
    text = (REPO / "README.md").read_text()
    block = text.split("BEGIN GENERATED: metrics", 1)[1].split("END GENERATED: metrics", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \| [^|]* \| (.*) \|$", block, re.M)
    assert len(rows) >= 10, block
    return {name: (kind, help) for name, kind, help in rows}


def scrape(*pairs):
    registry = CollectorRegistry()
    registry.register(VerifierCollector(dict(pairs)))
    text = generate_latest(registry).decode()
    return text, {f.name: f for f in text_string_to_metric_families(text)}


def sample(families, name, **labels):
    # The parser names a counter's family without "_total", its samples with it.
    family = families.get(name) or families[name[: -len("_total")]]
    found = [s.value for s in family.samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(found) == 1, (name, labels, family.samples)
    return found[0]


def test_the_metrics_are_the_catalogues_with_their_types_and_help():
    k = key("EdDSA", "ed")
    with jwkskit.Verifier.from_jwks(jwks_of(k), audiences=AUDIENCE) as v:
        text, families = scrape(("static", v))
    catalogue = readme_metrics()
    published = {}
    for line in text.splitlines():
        m = re.match(r"# (HELP|TYPE) (\w+) (.*)$", line)
        if m:
            published.setdefault(m.group(2), {})[m.group(1)] = m.group(3)
    assert set(published) == set(catalogue)
    for name, (kind, help) in catalogue.items():
        assert published[name] == {"TYPE": kind, "HELP": help}, name
    assert sample(families, "jwks_ready", verifier="static") == 1.0
    assert sample(families, "jwks_keys", verifier="static") == 1.0
    assert sample(families, "jwks_keys_age_seconds", verifier="static") == 0.0
    assert sample(families, "jwks_token_cache_max_entries", verifier="static") == 4096.0


def test_counts_by_result_readiness_and_age_per_verifier(server):
    k, other = key("ES256", "ec-1"), key("ES256", "ec-other")
    server.jwks = jwks_of(k)
    good = k.sign(claims())
    eager = jwkskit.Verifier.from_url(server.url, allow_http=True, audiences=AUDIENCE, fetch_at_start=True, refresh_cooldown=3600)
    lazy = jwkskit.Verifier.from_url(server.url, allow_http=True, audiences=AUDIENCE)
    try:
        for _ in range(3):
            eager.verify(good, now=NOW)
        for bad, error in [
            (k.sign(claims(exp=NOW - 1)), jwkskit.ExpiredToken),
            (other.sign(claims()), jwkskit.UnknownKey),
            ("x.y.z", jwkskit.MalformedToken),
        ]:
            with pytest.raises(error):
                eager.verify(bad, now=NOW)
        _, f = scrape(("orders", eager), ("lazy", lazy))
        for result, category, want in [
            ("OK", "ok", 3),
            ("EXPIRED", "token_rejected", 1),
            ("UNKNOWN_KEY", "token_rejected", 1),
            ("MALFORMED", "token_rejected", 1),
            ("KEYS_UNAVAILABLE", "keys_unavailable", 0),
            ("INTERNAL", "misuse", 0),
        ]:
            assert sample(f, "jwks_verifications_total", verifier="orders", result=result, category=category) == want
        assert sample(f, "jwks_verifications_total", verifier="lazy", result="OK") == 0
        assert sample(f, "jwks_token_cache_hits_total", verifier="orders") == 2
        assert sample(f, "jwks_ready", verifier="orders") == 1 and sample(f, "jwks_ready", verifier="lazy") == 0
        # Seconds, not milliseconds: the keys were fetched moments ago.
        assert 0 <= sample(f, "jwks_keys_age_seconds", verifier="orders") < 60
        # The lazy verifier has no keys: its age is not known, so it has no sample.
        assert not [s for s in f["jwks_keys_age_seconds"].samples if s.labels["verifier"] == "lazy"]
        # two fetches: the first at start, then one for the unknown kid
        assert sample(f, "jwks_key_fetches_total", verifier="orders") == 2
        # A closed verifier is left out; a removed one is gone.
        lazy.close()
        _, f = scrape(("orders", eager), ("lazy", lazy))
        assert {s.labels["verifier"] for s in f["jwks_ready"].samples} == {"orders"}
    finally:
        eager.close()
        lazy.close()


def test_collect_while_verifying_from_threads():
    k = key("EdDSA", "ed")
    token = k.sign(claims())
    registry = CollectorRegistry()
    with jwkskit.Verifier.from_jwks(jwks_of(k), audiences=AUDIENCE) as v:
        collector = VerifierCollector()
        collector.add("api", v)
        registry.register(collector)
        stop = threading.Event()

        def work() -> None:
            while not stop.is_set():
                v.verify(token, now=NOW)

        threads = [threading.Thread(target=work) for _ in range(3)]
        for t in threads:
            t.start()
        try:
            seen = []
            for _ in range(30):
                f = {x.name: x for x in text_string_to_metric_families(generate_latest(registry).decode())}
                seen.append(sample(f, "jwks_verifications_total", verifier="api", result="OK"))
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert seen == sorted(seen) and seen[-1] > 0  # counters only grow
        collector.remove("api")
        assert "verifier=" not in generate_latest(registry).decode()


def test_names_must_be_given_and_verifiers_be_verifiers():
    collector = VerifierCollector()
    with pytest.raises(ValueError):
        collector.add("", object())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        collector.add("x", object())  # type: ignore[arg-type]
    # Registering two collectors publishing the same names in one registry is refused.
    registry = CollectorRegistry()
    registry.register(VerifierCollector())
    with pytest.raises(ValueError, match="Duplicated timeseries"):
        registry.register(VerifierCollector())


def test_the_core_package_does_not_import_prometheus_client():
    code = "import sys, jwkskit; v = jwkskit.Verifier; print('prometheus_client' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
