"""The real periskop-client (PyPI) collects Python exceptions and pushes them to a running errorhub."""

import pytest
from periskop_client.collector import ExceptionCollector
from periskop_client.exporter import ExceptionExporter
from periskop_client.models import HTTPContext

from tests.support.api import post_json

pytestmark = pytest.mark.django_db(transaction=True)


def parse_quantity(text):
    return int(text)


def lookup_price(prices, item):
    return prices[item]


def report_bad_quantity(collector, text):
    try:
        parse_quantity(text)
    except ValueError as exc:
        collector.report(exc)


def report_missing_price(collector, item):
    try:
        lookup_price({}, item)
    except KeyError as exc:
        collector.report_with_context(exc, HTTPContext("GET", f"http://shop.test/price/{item}", {"Accept": "*/*"}))


@pytest.fixture
def periskop_reader(owner):
    """A member of the `periskop` project, the one the export reads without ?project=."""
    response = post_json(owner, "/api/apps", {"name": "periskop", "type": "other"})
    assert response.status_code == 201
    owner.app_key = response.json()["app"]["appKey"]
    return owner


@pytest.fixture
def gateway(live_server, periskop_reader):
    """The push address of the reader's project: a person's project takes pushes with its key,
    which a Periskop client can carry only in its base URL."""
    return f"{live_server.url}/k/{periskop_reader.app_key}"


def exported_aggregates(reader):
    response = reader.get("/-/exceptions")
    assert response.status_code == 200, response.content
    return {a["aggregation_key"]: a for a in response.json()["aggregated_errors"]}


def keys_by_class(collector):
    """The client's own aggregation keys (class@md5 of the traceback head), by exception class."""
    aggregates = collector.get_aggregated_exceptions().aggregated_errors
    return {a.latest_errors[0].error.cls: a.aggregation_key for a in aggregates}


def test_counts_are_distinct_exceptions_not_pushes(gateway, periskop_reader):
    collector = ExceptionCollector()
    exporter = ExceptionExporter(collector)
    for text in ("one", "two", "three"):
        report_bad_quantity(collector, text)
    report_missing_price(collector, "apple")
    for _ in range(3):
        exporter.push_to_gateway(gateway)

    keys = keys_by_class(collector)
    aggregates = exported_aggregates(periskop_reader)
    assert {key: a["total_count"] for key, a in aggregates.items()} == {keys["ValueError"]: 3, keys["KeyError"]: 1}
    [missing_price] = aggregates[keys["KeyError"]]["latest_errors"]
    assert missing_price["error"]["class"] == "KeyError"
    assert missing_price["error"]["message"] == "'apple'"
    assert missing_price["error"]["stacktrace"][0] == "Traceback (most recent call last):"
    assert any("lookup_price" in line for line in missing_price["error"]["stacktrace"])
    assert missing_price["http_context"] == {
        "request_method": "GET",
        "request_url": "http://shop.test/price/apple",
        "request_headers": {"Accept": "*/*"},
        "request_body": None,
    }

    events = periskop_reader.get("/api/v1/events/?source=periskop").json()["results"]
    [stored] = [e for e in events if e["exception_type"] == "KeyError"]
    innermost = stored["frames"][-1]
    assert (innermost["function"], innermost["filename"], innermost["in_app"]) == ("lookup_price", __file__, True)
    assert innermost["context_line"] == "return prices[item]"

    # Nine more bad quantities: past the client's 10-error cap, pushed twice after each batch.
    for batch in (range(4), range(5)):
        for i in batch:
            report_bad_quantity(collector, f"x{i}")
        exporter.push_to_gateway(gateway)
        exporter.push_to_gateway(gateway)
    aggregates = exported_aggregates(periskop_reader)
    assert aggregates[keys["ValueError"]]["total_count"] == 12
    assert len(aggregates[keys["ValueError"]]["latest_errors"]) == 10
    assert aggregates[keys["ValueError"]]["latest_errors"][-1]["error"]["message"] == (
        "invalid literal for int() with base 10: 'x4'"
    )

    # The service restarts: a new collector (new target_uuid) adds its own exceptions.
    restarted = ExceptionCollector()
    report_bad_quantity(restarted, "again")
    ExceptionExporter(restarted).push_to_gateway(gateway)
    ExceptionExporter(restarted).push_to_gateway(gateway)

    aggregates = exported_aggregates(periskop_reader)
    assert {key: a["total_count"] for key, a in aggregates.items()} == {keys["ValueError"]: 13, keys["KeyError"]: 1}
    issues = periskop_reader.get("/api/issues").json()["issues"]
    assert sorted((i["source"], i["errorType"], i["eventCount"]) for i in issues) == [
        ("periskop", "KeyError", 1),
        ("periskop", "ValueError", 13),
    ]
