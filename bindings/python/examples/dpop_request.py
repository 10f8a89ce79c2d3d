import jwkskit

def authenticate(verifier, method, uri, authorization, dpop, client_cert=None):
    """(200, headers, claims) or (status, headers, error) for one request."""
    try:
        token = verifier.verify_request(method, uri, authorization=authorization, dpop=dpop, client_cert=client_cert)
    except jwkskit.JwksError as e:
        answer = verifier.refusal(e, realm="api")  # status, one challenge per scheme, DPoP-Nonce
        return answer.status, answer.headers(), answer.error
    headers = [("DPoP-Nonce", token.dpop_nonce)] if token.dpop_nonce else []
    return 200, headers, token.claims
