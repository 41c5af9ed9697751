"""Reading request bodies the same way on every legacy surface."""

import zlib
from functools import wraps

import brotli
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.views.decorators.csrf import csrf_exempt

from errorhub.payload import BodyTooLarge, PayloadError, UnsupportedEncoding, parse_json


def raw_body(request):
    """The body bytes as sent (what a webhook signature covers), bounded by ERRORHUB_MAX_BODY_BYTES."""
    try:
        return request.body
    except RequestDataTooBig:
        raise BodyTooLarge("body", f"Request body is larger than {settings.ERRORHUB_MAX_BODY_BYTES} bytes") from None


def read_body(request):
    """The body decompressed (gzip, deflate, br) and bounded by ERRORHUB_MAX_BODY_BYTES."""
    limit = settings.ERRORHUB_MAX_BODY_BYTES
    body = raw_body(request)
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    try:
        if encoding in ("gzip", "deflate"):
            decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
            body = decompressor.decompress(body, limit + 1)
        elif encoding == "br":
            # The Python Sentry SDK sends brotli whenever the app has it installed.
            body = brotli.Decompressor().process(body, output_buffer_limit=limit + 1)
        elif encoding not in ("", "identity"):
            raise UnsupportedEncoding("Content-Encoding", f"{encoding} is not supported; send gzip, deflate or br")
    except (zlib.error, brotli.error):
        raise PayloadError("body", f"Body is not valid {encoding}") from None
    if len(body) > limit:
        raise BodyTooLarge("body", f"Request body is larger than {limit} bytes")
    return body


def is_database_id(value):
    """A JSON value usable as a bigint id (bool is an int in Python, never an id)."""
    return not isinstance(value, bool) and isinstance(value, int) and -(2**63) <= value < 2**63


def _integer(value, name):
    try:
        return int(value)
    except ValueError:
        raise PayloadError(name, f"{name} is not an int") from None


def int_param(params, name, default=None):
    """A bigint query parameter (an id), or PayloadError naming it; absent or empty gives `default`."""
    value = params.get(name, "")
    if value == "":
        return default
    number = _integer(value, name)
    if not -(2**63) <= number < 2**63:
        raise PayloadError(name, f"{name} must be from {-(2**63)} to {2**63 - 1}")
    return number


def page_size(params, name, default, maximum):
    """A list's size parameter: absent gives `default`, a larger ask gets `maximum` (not an
    error, as DRF's max_limit), below 1 or not an int is a PayloadError naming it."""
    value = params.get(name, "")
    if value == "":
        return default
    number = _integer(value, name)
    if number < 1:
        raise PayloadError(name, f"{name} must be at least 1")
    return min(number, maximum)


def read_json(request):
    return parse_json(read_body(request))


def json_body(view):
    """View decorator: passes the request's JSON object as `body` (PayloadError otherwise)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        body = read_json(request)
        if not isinstance(body, dict):
            raise PayloadError("body", "Body must be a JSON object")
        return view(request, *args, body=body, **kwargs)

    return wrapper


def project_key(request):
    """The ingest project key (docs/architecture.md, "Decisions"): the `/k/<key>/` base-URL prefix (read by
    errorhub.middleware), else header X-Errorhub-Key, else ?key=."""
    return (
        getattr(request, "path_project_key", "") or request.headers.get("X-Errorhub-Key") or request.GET.get("key", "")
    )


def by_method(error_response, **views):
    """One route with a view per HTTP method, e.g. Periskop's POST /errors beside the Sentry
    collector's GET /errors; other methods get 405 in the surface's error shape.

    The one place a PayloadError raised below a view becomes a response, in that shape.
    """

    @csrf_exempt
    def dispatch(request, *args, **kwargs):
        view = views.get(request.method)
        if view is None:
            response = error_response(f"Method {request.method} is not allowed here", 405)
            response["Allow"] = ", ".join(views)
            return response
        try:
            return view(request, *args, **kwargs)
        except PayloadError as exc:
            # "" is the body as a whole; None (an account error) names no field.
            field = "body" if exc.field == "" else exc.field
            response = error_response(exc.message, exc.status, field=field, code=exc.code)
            for name, value in exc.headers.items():
                response[name] = value
            return response

    # errorhub.responses.surface_error reads it to answer in this surface's shape.
    dispatch.error_response = error_response
    return dispatch
