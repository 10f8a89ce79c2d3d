from fastapi import FastAPI, Security
from jwkskit.integrations.fastapi import BearerClaims

def make_app(verifier):
    app, bearer = FastAPI(), BearerClaims(verifier)

    @app.get("/orders")
    async def orders(claims: dict = Security(bearer, scopes=["orders:read"])):
        return {"user": claims["sub"]}
    return app
