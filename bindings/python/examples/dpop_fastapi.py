from fastapi import Depends, FastAPI
from jwkskit.integrations.fastapi import BearerClaims

def make_app(verifier):
    app = FastAPI()
    dpop = BearerClaims(verifier, token_scheme="dpop", public_url="https://api.example.com")

    @app.get("/transfers")
    async def transfers(claims: dict = Depends(dpop)):
        return {"user": claims["sub"], "key": claims["cnf"]["jkt"]}
    return app
