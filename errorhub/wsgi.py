"""The WSGI application gunicorn serves (Procfile `web`, `make run`)."""

import io
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "errorhub.settings")


class ChunkedBodies:
    """Gives a chunked request body a Content-Length before Django sees it.

    Django reads only CONTENT_LENGTH bytes, so a body sent with Transfer-Encoding: chunked
    (@sentry/node, proxies, HTTP/2 front ends) reads as empty. gunicorn de-chunks the stream
    and ends it (wsgi.input_terminated), so it is read here, at most one byte past
    DATA_UPLOAD_MAX_MEMORY_SIZE: a longer body then fails Django's own size check (413).
    """

    def __init__(self, app, limit):
        self.app = app
        self.limit = limit

    def __call__(self, environ, start_response):
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not environ.get("CONTENT_LENGTH") and environ.get("wsgi.input_terminated"):
            body = environ["wsgi.input"].read(self.limit + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)


def build_application():
    from django.conf import settings

    return ChunkedBodies(get_wsgi_application(), settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


application = build_application()
