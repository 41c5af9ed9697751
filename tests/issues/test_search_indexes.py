"""On PostgreSQL the list's search stays on indexes: trigram GIN for free text, tag_search for tags."""

import pytest
from django.db import connection

from issues.filters import free_text, tagged
from issues.models import Issue

pytestmark = [pytest.mark.django_db, pytest.mark.services]


@pytest.fixture
def no_sequential_scans():
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL (run by make test under CI=true)")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")


def test_free_text_uses_the_trigram_indexes(no_sequential_scans):
    # Unordered: on an empty table the planner may walk the list order's index (issue_list) instead.
    plan = Issue.objects.filter(free_text("checkout")).order_by().explain()
    assert {"issue_title_trgm", "issue_culprit_trgm", "issue_message_trgm"} <= set(plan.replace("(", " ").split())


def test_tag_tokens_use_a_tag_index(no_sequential_scans):
    plan = Issue.objects.filter(tagged("environment", "production")).explain()
    assert "tag_search" in plan or "one_tag_value_per_issue" in plan, plan
