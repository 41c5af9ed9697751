"""Native API conventions shared by every app's DRF views.

The parser and the pagination live in errorhub.parsers and errorhub.pagination: DRF's views
module reads its default classes at import, so they cannot sit beside the handler here.
"""

from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's errors, always as JSON with a `detail` and, for field errors, the fields named."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": "Invalid input.", "fields": response.data}
    elif response is not None and isinstance(response.data, list):
        response.data = {"detail": " ".join(map(str, response.data))}
    return response
