from django.http import HttpResponse

from accounts.signin_guard import SignInLocked
from errorhub.responses import healthguard_error


class SignInLockoutMiddleware:
    """A locked sign-in is a 429 with Retry-After: HealthGuard's error shape on /api/auth/login,
    a plain page on the admin login."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, SignInLocked):
            return None
        if request.path.startswith("/api/"):
            response = healthguard_error(str(exception), 429, code="TOO_MANY_ATTEMPTS")
        else:
            response = HttpResponse(str(exception), status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(exception.retry_after)
        return response
