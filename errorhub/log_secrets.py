"""Secrets stay out of logs: the values of `token`, `key` and `sentry_key` query parameters
(API tokens, project keys, Sentry DSN keys) are masked in gunicorn's access and error logs
(`--logger-class errorhub.log_secrets.MaskingGunicornLogger`) and in Django's logs
(MaskSecretsFilter on the console handler)."""

import logging
import re

from gunicorn.glogging import Logger as GunicornLogger

MASK = "********"
SECRET_QUERY_VALUE = re.compile(r"(?i)(?<![^?&;\s\"'])((?:token|key|sentry_key)=)[^&;\s\"']*")


def mask_secrets(text):
    return SECRET_QUERY_VALUE.sub(rf"\g<1>{MASK}", text) if isinstance(text, str) else text


class MaskSecretsFilter(logging.Filter):
    """Masks the record's formatted message (the arguments are merged into it first)."""

    def filter(self, record):
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class MaskingGunicornLogger(GunicornLogger):
    """gunicorn's logger, with every access-log atom (request line, query, referer, headers)
    and every error-log line masked."""

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(MaskSecretsFilter())

    def atoms(self, resp, req, environ, request_time):
        return {name: mask_secrets(value) for name, value in super().atoms(resp, req, environ, request_time).items()}
