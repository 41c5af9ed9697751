import django_filters
from django.db.models import Exists, OuterRef, Q

from issues.models import Event, Issue, Level, Source


class IssueFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Issue.Status.choices)
    level = django_filters.ChoiceFilter(choices=Level.choices)
    source = django_filters.ChoiceFilter(choices=Source.choices)
    environment = django_filters.CharFilter(method="filter_environment", help_text="issues with events in it")
    first_seen_after = django_filters.IsoDateTimeFilter(field_name="first_seen", lookup_expr="gte")
    first_seen_before = django_filters.IsoDateTimeFilter(field_name="first_seen", lookup_expr="lte")
    last_seen_after = django_filters.IsoDateTimeFilter(field_name="last_seen", lookup_expr="gte")
    last_seen_before = django_filters.IsoDateTimeFilter(field_name="last_seen", lookup_expr="lte")
    query = django_filters.CharFilter(method="filter_text", help_text="text in title, culprit or fingerprint")

    class Meta:
        model = Issue
        fields = ["project", "status", "level", "source", "group"]

    def filter_environment(self, queryset, name, value):
        return queryset.filter(Exists(Event.objects.filter(issue=OuterRef("pk"), environment=value)))

    def filter_text(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value) | Q(culprit__icontains=value) | Q(fingerprint__icontains=value)
        )


class EventFilter(django_filters.FilterSet):
    timestamp_after = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    timestamp_before = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="lte")

    class Meta:
        model = Event
        fields = ["project", "issue", "source", "kind", "level", "environment", "release"]
