"""Prometheus metrics of verifiers: a ``prometheus_client`` collector.

Install with ``pip install 'jwkskit[prometheus]'`` (the core package does not depend on
``prometheus_client`` and never imports this module)::

    from prometheus_client import REGISTRY
    from jwkskit.prometheus import VerifierCollector

    collector = VerifierCollector({"orders-api": verifier})
    REGISTRY.register(collector)

Each verifier's metrics carry the label ``verifier`` with the name it was added under. The
metrics, their names, types and help texts are the library's metrics catalogue, the same in
every language (the Go collector ``jwksprom`` and the ``jwks`` tool publish them too): the
verifications by result (``jwks_verifications_total`` with the labels ``result`` and
``category``), readiness (``jwks_ready``), the key source's counters
(``jwks_key_fetches_total``, ``jwks_keys_age_seconds``, ...) and the token cache's
(``jwks_token_cache_hits_total``, ...). Values are read when Prometheus scrapes, from the
library's counters: a scrape takes no lock that a verification holds and does no I/O.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from ._generated import CATEGORY_LABEL, METRICS, RESULT_LABEL, VERIFICATION_RESULTS, VERIFIER_LABEL
from ._generated import Metric as CatalogueMetric
from ._verifier import Verifier
from .errors import VerifierClosed

__all__ = ["VerifierCollector"]

_Family = Union[CounterMetricFamily, GaugeMetricFamily]


def _family(m: CatalogueMetric, labels: List[str]) -> _Family:
    if m.kind == "counter":
        return CounterMetricFamily(m.name, m.help, labels=labels)
    return GaugeMetricFamily(m.name, m.help, labels=labels)


class _Snapshot:
    """What one scrape reads of one verifier."""

    __slots__ = ("sources", "counts", "ready")

    def __init__(self, verifier: Verifier) -> None:
        self.counts = verifier.verify_counts()
        self.sources: Dict[str, Any] = {
            "Stats": verifier.stats(),
            "TokenCacheStats": verifier.token_cache_stats(),
            "DPoPStats": verifier.dpop_stats(),
        }
        self.ready = verifier.ready()


class VerifierCollector:
    """A ``prometheus_client`` collector over verifiers, each named by the ``verifier`` label.

    Register it with a registry (``REGISTRY.register(collector)``). Verifiers may be added and
    removed at any time, from any thread; a closed verifier is left out of scrapes until it is
    removed. The collector keeps a reference to each verifier it holds.
    """

    def __init__(self, verifiers: Optional[Mapping[str, Verifier]] = None) -> None:
        self._lock = threading.Lock()
        self._verifiers: Dict[str, Verifier] = {}
        for name, verifier in (verifiers or {}).items():
            self.add(name, verifier)

    def add(self, name: str, verifier: Verifier) -> None:
        """Publishes ``verifier``'s metrics under ``verifier=name``, in place of any verifier
        added under that name before."""
        if not isinstance(name, str) or not name:
            raise ValueError("a verifier's name must be a non-empty string")
        if not isinstance(verifier, Verifier):
            raise TypeError(f"expected a jwkskit.Verifier, got {type(verifier).__name__}")
        with self._lock:
            self._verifiers[name] = verifier

    def remove(self, name: str) -> None:
        """Stops publishing the verifier added under ``name`` (nothing if there is none)."""
        with self._lock:
            self._verifiers.pop(name, None)

    def describe(self) -> Iterable[Metric]:
        """Every metric the collector publishes, without samples (the registry checks names)."""
        return list(self._families().values())

    def collect(self) -> Iterator[Metric]:
        """The metrics of every verifier now, in the order of their names."""
        with self._lock:
            verifiers = sorted(self._verifiers.items())
        snapshots: List[Tuple[str, _Snapshot]] = []
        for name, verifier in verifiers:
            try:
                snapshots.append((name, _Snapshot(verifier)))
            except VerifierClosed:
                continue
        families = self._families()
        for m in METRICS:
            family = families[m.name]
            for name, snap in snapshots:
                if m.source == "verifications":
                    for _, result, category in VERIFICATION_RESULTS:
                        family.add_metric([name, result, category], snap.counts[result])
                elif m.source == "ready":
                    family.add_metric([name], 1.0 if snap.ready else 0.0)
                else:
                    value = getattr(snap.sources[m.source], m.field)
                    if value is not None:  # not known (the keys' age before any keys)
                        family.add_metric([name], value * m.scale)
            yield family

    @staticmethod
    def _families() -> Dict[str, _Family]:
        out: Dict[str, _Family] = {}
        for m in METRICS:
            labels = [VERIFIER_LABEL]
            if m.source == "verifications":
                labels += [RESULT_LABEL, CATEGORY_LABEL]
            out[m.name] = _family(m, labels)
        return out
