"""The issue list's `query`: Sentry-style search tokens, parsed (pure) into a Q by apply_tokens.

`is:unresolved|resolved|ignored|assigned|unassigned` (and the substatuses), `level:`,
`source:`, `environment:`, `release:`, `assigned:me|<email>|<id>`, `user.email:`, any tag
`key:value`; quotes for spaces, `!` in front negates; anything else is free text over the
title, culprit and message (each word must match). A token that cannot mean anything is a
SearchError naming it.
"""

import re
from dataclasses import dataclass

TOKEN = re.compile(
    r'(?P<negated>!?)(?P<key>[A-Za-z_][\w.\-]*):(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^\s"]*))(?=\s|$)'
    r'|"(?P<phrase>(?:[^"\\]|\\.)*)"(?=\s|$)'
    r"|(?P<word>\S+)"
)


class SearchError(ValueError):
    """A token that means nothing; str() names it."""

    def __init__(self, token, reason):
        super().__init__(f"Cannot search for {token!r}: {reason}.")
        self.token = token


@dataclass(frozen=True)
class Token:
    key: str  # "" for free text
    value: str
    negated: bool = False
    text: str = ""  # as written, for errors


def _unquoted(value):
    return re.sub(r"\\(.)", r"\1", value)


def parse(query):
    """[Token, ...] of a query string; raises SearchError for an empty value or an open quote."""
    tokens, position = [], 0
    query = query.strip()
    while position < len(query):
        if query[position].isspace():
            position += 1
            continue
        match = TOKEN.match(query, position)
        text = match.group(0)
        position = match.end()
        if match.group("key") is not None:
            value = match.group("quoted")
            value = _unquoted(value) if value is not None else match.group("bare")
            if not value:
                raise SearchError(text, "the value is missing (use quotes around values with spaces)")
            tokens.append(Token(match.group("key"), value, bool(match.group("negated")), text))
        elif match.group("phrase") is not None:
            tokens.append(Token("", _unquoted(match.group("phrase")), text=text))
        else:
            if '"' in text:
                raise SearchError(text, "a quote is not closed")
            tokens.append(Token("", text, text=text))
    return tokens
