"""Secrets stay out of logs: the values of `token`, `key` and `sentry_key` query parameters
(API tokens, project keys, Sentry DSN keys) are masked in gunicorn's access and error logs
(`logger_class = errorhub.log_secrets.MaskingGunicornLogger`) and in Django's logs
(MaskSecretsFilter on the console handler)."""

import logging
import os
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


MASK_SECRETS = MaskSecretsFilter()


class MaskingGunicornLogger(GunicornLogger):
    """gunicorn's logger, with every access-log and error-log line masked as a whole: one regex
    over the line, where masking each of the ~40 atoms (all headers) was 6% of a request.
    With WEB_ACCESS_LOG=errors the access log has only the answers of 400 and above."""

    def setup(self, cfg):
        super().setup(cfg)
        # gunicorn.conf.py checks the value; `errors` leaves the answers below 400 out.
        self.errors_only = os.environ.get("WEB_ACCESS_LOG") == "errors"
        # One instance, so a setup again (a reload) does not add a second filter.
        self.error_log.addFilter(MASK_SECRETS)
        self.access_log.addFilter(MASK_SECRETS)

    def access(self, resp, req, environ, request_time):
        if self.errors_only and resp.status_code is not None and resp.status_code < 400:
            return
        super().access(resp, req, environ, request_time)
