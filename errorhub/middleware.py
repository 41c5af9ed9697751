"""Request plumbing every surface shares: the key prefix, and guards answering in each
surface's own error shape."""

import re
from itertools import chain

from errorhub.responses import surface_error

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
