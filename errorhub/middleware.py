"""Request plumbing every surface shares: the key prefix, and guards answering in each
surface's own error shape."""

import logging
import re
from itertools import chain

from django.db import InterfaceError, OperationalError

from errorhub.responses import surface_error

logger = logging.getLogger(__name__)

# What a client waits before retrying while the database is down or overloaded.
DATABASE_RETRY_AFTER_SECONDS = 10

# The key is one path segment: app keys are `<type>_<hex>`, Sentry keys 32 hex digits.
KEY_PREFIX = re.compile(r"^/k/(?P<key>[^/]+)(?P<path>/.*)$")


class ProjectKeyPrefixMiddleware:
    """`/k/<project key>/<original path>` is the original path with that key (docs/architecture.md, "Decisions").

    Legacy clients that can change only their base URL (periskop-client appends `/errors`,
    webhook senders take one URL) cannot send X-Errorhub-Key; the prefix stands for it, and
    errorhub.http.project_key() reads it. The rest of the path routes as usual.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = KEY_PREFIX.match(request.path_info)
        if match:
            script_name = request.path[: len(request.path) - len(request.path_info)]
            request.path_project_key = match["key"]
            request.path_info = match["path"]
            request.path = script_name + match["path"]
        return self.get_response(request)


class RefuseNulInParameters:
    """PostgreSQL text cannot hold U+0000: a query parameter or path segment carrying one
    (`?key=%00`, `/api/issues/a%00b`, `/k/%00/capture`) is a 400 naming it, before any view queries with it.
    (Bodies are cleaned by parse_json; surrogates in a query string are already replaced
    by Django's decoding.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        parameters = chain(
            ((name, value) for name, values in request.GET.lists() for value in [name, *values]),
            ((name, value) for name, value in view_kwargs.items() if isinstance(value, str)),
            [("key", getattr(request, "path_project_key", ""))],
        )
        for name, value in parameters:
            if "\x00" in value:
                field = name.replace("\x00", "\ufffd")
                return surface_error(request)(f"{field} must not contain a NUL character", 400, field=field)
        return None


class AnswerDatabaseOutages:
    """A database that is down, refuses connections or cancels a statement at
    DATABASE_STATEMENT_TIMEOUT_SECONDS gets an honest 503 with Retry-After in the surface's
    shape (with the CORS headers browser SDKs need to read it), not a 500. Django drops the
    broken connection after the request, so the next one reconnects: no restart needed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        # One line, not a traceback per request; the driver's text (hosts, users) stays in the log.
        logger.warning("database unavailable for %s %s: %s", request.method, request.path, str(exception).strip())
        response = surface_error(request)("The database is unavailable; retry shortly", 503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        view = request.resolver_match.func if request.resolver_match else None
        for header, value in getattr(view, "cors_headers", {}).items():
            response[header] = value
        return response
