import jwkskit

# In production: jwkskit.Verifier.from_url("https://login.example.com/.well-known/jwks.json", ...)
# or jwkskit.Verifier.from_issuer("https://login.example.com/", ...) (OpenID discovery).
KEYS = {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "2024-05",
                  "x": "YIV8D4W93A8rXhatcIYW9O5hyeRVlqxhk28uW0aC118"}]}
TOKEN = ("eyJhbGciOiJFZERTQSIsImtpZCI6IjIwMjQtMDUiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJodHRwczovL2xvZ2l"
         "uLmV4YW1wbGUuY29tLyIsImF1ZCI6ImFwaTovL29yZGVycyIsInN1YiI6InVzZXItNDIiLCJzY29wZSI6Im9yZGV"
         "yczpyZWFkIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjQxMDI0NDQ4MDB9.pReWE8Q6xDQV8EAEwnsQuOY7Sg8vtY"
         "U3n78Y91AQx88wXmtnC2aL5q3kgi_rxE8gJWVCNKFKVCHzg57VIbtIAw")

# One verifier for the whole process, shared by every thread.
verifier = jwkskit.Verifier.from_jwks(KEYS, issuers="https://login.example.com/",
                                   audiences="api://orders")


def authenticate(bearer: str) -> tuple:
    """(HTTP status, claims or reason) for a bearer token."""
    try:
        claims = verifier.verify(bearer)
    except jwkskit.TokenRejected as e:        # bad token: 401 (e.g. ExpiredToken, BadSignature)
        return 401, f"{e.name}: {e.message}"
    except jwkskit.KeysUnavailable as e:      # keys cannot be fetched: 503, retry later
        return 503, e.message
    return 200, claims


print(authenticate(TOKEN))                 # (200, {'iss': ..., 'sub': 'user-42', ...})
print(authenticate(TOKEN[:-4] + "AAAA"))   # (401, 'BAD_SIGNATURE: ...')
verifier.close()
