"""One hook for what happened to issues: others (alerts) subscribe, the lifecycle announces.

Sent after the commit that made the change, so a receiver (or the task it queues) always
finds the rows, and a rolled-back digest announces nothing. Receivers connect in their
AppConfig.ready(); a receiver that raises is logged and never undoes or blocks the change.
"""

import logging
from functools import partial

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

# kind: one of KINDS; issue_ids: the issues it happened to (ints, ascending).
issue_announced = Signal()

NEW_ISSUE = "new_issue"
REGRESSION = "regression"
ESCALATING = "escalating"  # an ignored issue whose until-condition fired
OCCURRENCES = "occurrences"  # every issue a digest batch counted events for (spike rules read buckets)
RESOLVED = "resolved"
IGNORED = "ignored"
REOPENED = "reopened"
KINDS = (NEW_ISSUE, REGRESSION, ESCALATING, OCCURRENCES, RESOLVED, IGNORED, REOPENED)


def announce(kind, issue_ids):
    """Tell subscribers after the current transaction commits (at once outside one)."""
    assert kind in KINDS, kind
    issue_ids = sorted(set(issue_ids))
    if issue_ids:
        transaction.on_commit(partial(_send, kind, issue_ids))


def _send(kind, issue_ids):
    from issues.models import Issue

    for receiver, result in issue_announced.send_robust(sender=Issue, kind=kind, issue_ids=issue_ids):
        if isinstance(result, Exception):
            logger.error("issue announcement %s to %r failed: %r", kind, receiver, result, exc_info=result)
