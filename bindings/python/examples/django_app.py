from django.http import JsonResponse
from django.urls import path
from jwkskit.integrations.django import require_scopes

MIDDLEWARE = ["jwkskit.integrations.django.BearerAuthMiddleware"]
JWKSKIT = {"JWKS_URL": "https://login.example.com/jwks.json", "OPTIONS": {"audiences": "api://orders"}}

@require_scopes("orders:read")
def orders(request):
    return JsonResponse({"user": request.claims["sub"]})
urlpatterns = [path("orders", orders)]
