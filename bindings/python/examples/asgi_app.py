from jwkskit.integrations.asgi import BearerAuthMiddleware

async def api(scope, receive, send):  # any ASGI app: Starlette, FastAPI, Quart, ...
    user = scope["state"]["claims"]["sub"].encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello " + user})

def make_app(verifier):
    return BearerAuthMiddleware(api, verifier, scopes="orders:read", exempt_paths=["/health"])
