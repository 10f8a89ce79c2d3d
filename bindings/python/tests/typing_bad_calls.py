"""Calls with mistakes a type checker must catch; test_usability.py runs mypy on this file.

Not a test module (pytest does not collect it) and never imported: each marked line must be
reported by ``mypy --strict``, and no other line.
"""

from __future__ import annotations

import jwkskit

JWKS = '{"keys": []}'

jwkskit.Verifier.from_jwks(JWKS, audience="api://orders")  # error: audience
jwkskit.Verifier.from_jwks(JWKS, leeway="30")  # error: leeway
jwkskit.Verifier.from_url("https://issuer.test/jwks.json", require_exp="yes")  # error: require_exp
jwkskit.Verifier.from_issuers(["https://a.test"], issuers=["https://b.test"])  # error: issuers

# Correct calls, which must pass.
jwkskit.Verifier.from_jwks(JWKS, audiences="api://orders", leeway=30, algorithms=["RS256"])
jwkskit.Verifier.from_issuer("https://issuer.test", cache_ttl_bounds=(60, 3600), headers={"a": "b"})
