from flask import Flask, g
from jwkskit.integrations.flask import BearerAuth

def make_app(verifier):
    app, auth = Flask(__name__), BearerAuth(verifier)

    @app.get("/orders")
    @auth.required("orders:read")
    def orders():
        return {"user": g.claims["sub"]}
    return app
