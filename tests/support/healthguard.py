"""The HealthGuard seed batch, and variations of its one event."""

import copy
import time
import uuid

from tests.conftest import load_fixture


def seed_batch(app_key=None):
    batch = load_fixture("healthguard_batch.json")
    if app_key:
        batch["appKey"] = app_key
        for event in batch["events"]:
            event["appKey"] = app_key
    return batch


def event(batch, **changes):
    """A copy of the seed's event with some fields changed (None removes a field)."""
    new = copy.deepcopy(batch["events"][0])
    for key, value in changes.items():
        if value is None:
            new.pop(key, None)
        else:
            new[key] = value
    return new


def errors_batch(app_key, *changes):
    """A batch of the seed's error event, once per `changes` dict; each gets a fresh eventId and
    the current time unless the changes say otherwise."""
    batch = seed_batch(app_key)
    now_ms = int(time.time() * 1000)
    batch["events"] = [event(batch, **{"eventId": uuid.uuid4().hex, "timestamp": now_ms, **c}) for c in changes]
    return batch
