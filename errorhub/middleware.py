"""Request guards every surface shares, each answering in the surface's own error shape."""

from itertools import chain

from errorhub.responses import surface_error


class RefuseNulInParameters:
    """PostgreSQL text cannot hold U+0000: a query parameter or path segment carrying one
    (`?key=%00`, `/api/issues/a%00b`) is a 400 naming it, before any view queries with it.
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
        )
        for name, value in parameters:
            if "\x00" in value:
                field = name.replace("\x00", "\ufffd")
                return surface_error(request)(f"{field} must not contain a NUL character", 400, field=field)
        return None
