"""A real OpenID Connect provider for the single sign-on tests: django-oauth-toolkit with its
OIDC support, as its own Django project served by its own gunicorn process (start_provider)."""

PASSWORD = "provider-password"
CLIENT_ID = "errorhub"
CLIENT_SECRET = "errorhub-client-secret"
