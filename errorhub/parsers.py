"""The native API's JSON parser."""

from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser

from errorhub.payload import PayloadError, parse_json


class StorableJSONParser(JSONParser):
    """DRF's JSON parser recurses without a bound (50,000 brackets: RecursionError, a 500) and
    passes on what no column can store; errorhub's parse_json refuses both, naming the field."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return parse_json(stream.read() if stream is not None else b"", refuse_nul=True)
        except PayloadError as exc:
            raise ValidationError({exc.field or "body": [exc.message]}) from None
