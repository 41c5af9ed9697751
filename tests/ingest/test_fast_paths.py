"""The accept path's and the digest's shortcuts answer exactly what the long way does.

parse_json parses with orjson and walks the value only when the bytes may need it;
scrubbed_json skips the scrubber's walk when the JSON text cannot hold a secret or a card.
Both are checked against the long way on generated JSON (docs/architecture.md, "Ingest path").
"""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from errorhub.payload import MAX_NESTING, PayloadError, _storable, parse_json
from ingest.formats.scrubbing import SENSITIVE_KEY_PARTS, scrubbed, scrubbed_json

# Keys as SDKs and people write them: sensitive words in any case and with any separator.
SEPARATORS = st.sampled_from(["_", "-", ".", " ", ""])
SENSITIVE_KEYS = st.builds(
    lambda part, sep, upper: (part.upper() if upper else part).replace("_", sep),
    st.sampled_from(SENSITIVE_KEY_PARTS), SEPARATORS, st.booleans(),
)  # fmt: skip
KEYS = st.one_of(st.text(max_size=12), SENSITIVE_KEYS, st.sampled_from(["filename", "vars", "headers", "K\u212aey"]))
TEXTS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "4111 1111 1111 1111",
            "4111-1111-1111-1112",
            "order 1234567890123",
            "a\x00b",
            "\u0663" * 16,
            "paid with 4012888888881881.",
            "4012 8888-8888 1881",
            "4012  8888 8888 1881",
        ]
    ),
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), TEXTS)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=30,
)


def the_long_way(raw):
    try:
        value = json.loads(raw)
    except ValueError:
        raise PayloadError("f", "Body is not valid JSON") from None
    return _storable(value, "f", 0, nul="replace" if b"\\u0000" in raw else None)


def outcome(parse, raw):
    try:
        return ("value", parse(raw))
    except PayloadError as error:
        return ("error", error.field)


@settings(max_examples=300, deadline=None)
@given(VALUES, st.booleans())
def test_parse_json_answers_what_the_walk_does(value, ascii_only):
    raw = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert outcome(lambda r: parse_json(r, "f"), raw) == outcome(the_long_way, raw)


@pytest.mark.parametrize(
    "raw",
    [b'{"a": "\\ud800"}', b'{"a": NaN}', b'{"a": 1e400}', b'"\xff"', b"[" * 101 + b"]" * 101,
     b'[["]]]]"]]', b'{"k": "' + b"[" * 200 + b'"}', b"[" * 100 + b"]" * 100, b'{"a": "\\u0000"}',
     b"[" * 101 + b"1" + b"]" * 101, b"12345678901234567890", b"-9223372036854775809"],
)  # fmt: skip
def test_parse_json_on_what_orjson_refuses_or_leaves_to_the_walk(raw):
    assert outcome(lambda r: parse_json(r, "f"), raw) == outcome(the_long_way, raw)


def test_nesting_is_counted_outside_strings():
    deep = b"[" * (MAX_NESTING + 1) + b"1" + b"]" * (MAX_NESTING + 1)
    with pytest.raises(PayloadError, match="Nested deeper"):
        parse_json(deep, "f")
    brackets_in_text = json.dumps({"k": "[{" * 500}).encode()
    assert parse_json(brackets_in_text, "f") == {"k": "[{" * 500}


@settings(max_examples=300, deadline=None)
@given(VALUES, st.booleans())
def test_scrubbed_json_scrubs_what_the_walk_scrubs(value, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert scrubbed_json(json.loads(text), text) == scrubbed(json.loads(text))
