import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from issues import lifecycle
from issues.models import Event, Issue, IssueTag, Level, Source
from issues.search import SearchError, parse

SORTS = {
    "last_seen": ("-last_seen", "-id"),
    "first_seen": ("-first_seen", "-id"),
    "count": ("-event_count", "-id"),
    "users": ("-users_affected", "-id"),
    # issues.lifecycle.PRIORITY_HALF_LIFE_HOURS: the event rate, decayed (docs/architecture.md, "Triage").
    "priority": ("-priority", "-id"),
}


def substatus_q(substatus, now=None):
    """Issues in a substatus as current_substatus() tells it (`new` expires by itself)."""
    cutoff = (now or timezone.now()) - lifecycle.NEW_FOR
    if substatus == Issue.Substatus.NEW:
        return Q(substatus=substatus, first_seen__gte=cutoff)
    if substatus == Issue.Substatus.ONGOING:
        return Q(substatus=substatus) | Q(substatus=Issue.Substatus.NEW, first_seen__lt=cutoff)
    return Q(substatus=substatus)


def tagged(key, value):
    return Exists(IssueTag.objects.filter(issue=OuterRef("pk"), key=key, value=value))


def free_text(word):
    # Each column has a trigram index on PostgreSQL (migration 0005), which the planner ORs.
    return Q(title__icontains=word) | Q(culprit__icontains=word) | Q(message__icontains=word)


def assignee_q(value, user):
    """assigned:/assignee= me, none, a user id or (assigned: only) an email; None if it means nothing."""
    if value == "me":
        return Q(assignee=user)
    if value == "none":
        return Q(assignee__isnull=True)
    if value.isdigit():
        return Q(assignee_id=int(value))
    if "@" in value:
        return Q(assignee__email__iexact=value)
    return None


IS_VALUES = {
    **{status: Q(status=status) for status in Issue.Status.values},
    "assigned": Q(assignee__isnull=False),
    "unassigned": Q(assignee__isnull=True),
}


def token_q(token, user):
    """The Q one search token means; raises SearchError naming it when it means nothing."""
    key, value = token.key, token.value
    if not key:
        return free_text(value)
    if key == "is":
        if value in IS_VALUES:
            return IS_VALUES[value]
        if value in Issue.Substatus.values:
            return substatus_q(value)
        raise SearchError(token.text, f"is: takes {', '.join([*IS_VALUES, *Issue.Substatus.values])}")
    if key == "level":
        if value not in Level.values:
            raise SearchError(token.text, f"level: takes {', '.join(Level.values)}")
        return Q(level=value)
    if key == "source":
        if value not in Source.values:
            raise SearchError(token.text, f"source: takes {', '.join(Source.values)}")
        return Q(source=value)
    if key == "assigned":
        found = assignee_q(value, user)
        if found is None:
            raise SearchError(token.text, "assigned: takes me, none, a user id or an email")
        return found
    # environment, release, user.email and every other key are tag values (issues.tags).
    return tagged(key, value)


def matching(queryset, query, user):
    """The issues a `query` of search tokens selects (the API's `query` and the admin's search box);
    raises SearchError naming a token that means nothing."""
    for token in parse(query):
        found = token_q(token, user)
        queryset = queryset.filter(~found if token.negated else found)
    return queryset


class IssueFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Issue.Status.choices)
    substatus = django_filters.ChoiceFilter(choices=Issue.Substatus.choices, method="filter_substatus")
    assignee = django_filters.CharFilter(method="filter_assignee", help_text="me, none or a user id")
    level = django_filters.ChoiceFilter(choices=Level.choices)
    source = django_filters.ChoiceFilter(choices=Source.choices)
    environment = django_filters.CharFilter(method="filter_environment", help_text="issues with events in it")
    first_seen_after = django_filters.IsoDateTimeFilter(field_name="first_seen", lookup_expr="gte")
    first_seen_before = django_filters.IsoDateTimeFilter(field_name="first_seen", lookup_expr="lte")
    last_seen_after = django_filters.IsoDateTimeFilter(field_name="last_seen", lookup_expr="gte")
    last_seen_before = django_filters.IsoDateTimeFilter(field_name="last_seen", lookup_expr="lte")
    query = django_filters.CharFilter(
        method="filter_query",
        help_text="Sentry-style tokens: is:, level:, source:, environment:, release:, assigned:, user.email:, "
        "any tag key:value (quotes for spaces, ! negates), and free text over title, culprit and message",
    )
    sort = django_filters.ChoiceFilter(
        choices=[(name, name) for name in SORTS], method="filter_sort", help_text="newest or largest first"
    )

    class Meta:
        model = Issue
        fields = ["project", "status", "level", "source", "group"]

    def filter_substatus(self, queryset, name, value):
        return queryset.filter(substatus_q(value))

    def filter_assignee(self, queryset, name, value):
        found = assignee_q(value, self.request.user) if "@" not in value else None
        if found is None:
            raise ValidationError({"assignee": "Use me, none or a user id."})
        return queryset.filter(found)

    def filter_environment(self, queryset, name, value):
        return queryset.filter(Exists(Event.objects.filter(issue=OuterRef("pk"), environment=value)))

    def filter_query(self, queryset, name, value):
        try:
            return matching(queryset, value, self.request.user)
        except SearchError as exc:
            raise ValidationError({"query": str(exc)}) from None

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS[value])


class EventFilter(django_filters.FilterSet):
    timestamp_after = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    timestamp_before = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="lte")

    class Meta:
        model = Event
        fields = ["project", "issue", "source", "kind", "level", "environment", "release"]
