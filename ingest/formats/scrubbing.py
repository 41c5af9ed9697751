"""The one scrubber every surface applies before anything is kept (docs/compatibility.md,
"Scrubbing").

A value is replaced by `[Filtered]` when its KEY names a secret (password, token, cookie,
...), and card numbers (Luhn-valid) are masked inside any string. A value that merely
contains such a word stays: a breadcrumb whose category is `auth`, a message saying
"invalid token", an exception named `SessionExpired` are what a triager reads.
"""

import re
from functools import lru_cache

from ahocorasick_rs import BytesAhoCorasick

FILTERED = "[Filtered]"
# Matched inside a key folded to lower case with `-`, `.` and spaces as `_`, so `X-Api-Key`,
# `apiKey`, `Set-Cookie`, `csrftoken` and `credit card` all count. Sentry's server-side
# defaults, plus the SDKs' cookie, session and csrf names, plus card fields.
SENSITIVE_KEY_PARTS = (
    "password", "passwd", "mysql_pwd", "secret", "token", "bearer", "api_key", "apikey", "auth",
    "credentials", "private_key", "privatekey", "cookie", "session", "csrf", "xsrf",
    "credit_card", "creditcard", "card_number", "cardnumber", "cvv", "cvc",
)  # fmt: skip
# 13 to 16 digits, optionally grouped by spaces or dashes, that pass the Luhn check (so most
# order numbers and millisecond timestamps survive).
CARD_NUMBER = re.compile(r"\b(?:\d[ -]?){12,15}\d\b")
_KEY_SEPARATORS = re.compile(r"[-. ]")


_SENSITIVE_KEY = re.compile("|".join(SENSITIVE_KEY_PARTS))


# Payloads repeat the same few hundred keys (filename, lineno, vars...): the digest's hot path.
@lru_cache(maxsize=4096)
def is_sensitive_key(name):
    return _SENSITIVE_KEY.search(_KEY_SEPARATORS.sub("_", str(name).lower())) is not None


# What a sensitive key or a card number needs in ASCII JSON text: the key folded as
# is_sensitive_key folds it (JSON escapes none of its letters, digits or separators), all the
# words searched in one pass; and 13 digits in a row once spaces and dashes are dropped (a
# card's digits have at most one of them between two). Plain bytes operations: a regex for
# either cost more than the walk they spare.
_SENSITIVE_WORDS = BytesAhoCorasick([part.encode() for part in SENSITIVE_KEY_PARTS])
_FOLD_SEPARATORS = bytes.maketrans(b"-. ", b"___")
_DIGITS_AS_ZEROS = bytes.maketrans(b"0123456789", b"0" * 10)
_CARD_DIGITS = b"0" * 13


def scrubbed_json(value, text):
    """scrubbed(value) for a value parsed from the JSON bytes `text`, without walking it when
    the text cannot hold anything the walk changes: ASCII only (no case folding or Unicode digit
    can spell a word or a card), no escape that could, no sensitive word, nothing card-like."""
    if not text.isascii() or b"\\u" in text or _CARD_DIGITS in text.translate(_DIGITS_AS_ZEROS, b" -"):
        return scrubbed(value)
    folded = text.lower().translate(_FOLD_SEPARATORS)
    if _SENSITIVE_WORDS.find_matches_as_indexes(folded):
        return scrubbed(value)
    return value


def scrubbed(value):
    """A copy of a JSON value with sensitive keys' values filtered and card numbers masked.

    Header lists (`[["Authorization", "Bearer ..."], ...]`, as Sentry allows) count as keys too.
    """
    if isinstance(value, dict):
        return {key: FILTERED if is_sensitive_key(key) else scrubbed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed_item(item) for item in value]
    if isinstance(value, str):
        return CARD_NUMBER.sub(_masked_card, value)
    return value


def _scrubbed_item(item):
    if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) and is_sensitive_key(item[0]):
        return [item[0], FILTERED]
    return scrubbed(item)


def _masked_card(match):
    digits = [int(d) for d in match.group() if d.isdigit()]
    checksum = sum(digits[-1::-2]) + sum(sum(divmod(2 * d, 10)) for d in digits[-2::-2])
    return FILTERED if checksum % 10 == 0 else match.group()
