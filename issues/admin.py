"""The triage console: Django admin's issue stream, issue and event pages (docs/architecture.md,
"The console"). Reads come from issues.selectors, every change from the same issues services
the API calls; staff see and act only on the projects they are members of."""

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from accounts.admin import ProjectScopedAdmin
from accounts.models import User
from accounts.selectors import visible_projects
from issues import charts, filters, lifecycle, selectors, services
from issues.models import DEFAULT_GROUP_NAME, Event, EventGroup, Issue, IssueActivity, IssueBucket
from issues.search import SearchError
from issues.templatetags.console import DASHBOARD_PANELS, ago

admin.site.site_header = "errorhub"
admin.site.site_title = "errorhub"
admin.site.index_title = "Dashboard"
# errorhub has no public site: "View site" led to the API's JSON 404.
admin.site.site_url = None
# The app list is on the dashboard; the stream needs the width at 1280 px.
admin.site.enable_nav_sidebar = False

EVENTS_PER_PAGE = 20


class ViewOnlyAdmin(ProjectScopedAdmin):
    """Rows the pipeline and issues.services write; editing them here would skip their rules
    (counters, audit trail), so the admin shows them and acts only through actions."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting loses counts and history; triage resolves or ignores instead.
        return request.user.is_superuser


class EventGroupForm(forms.ModelForm):
    class Meta:
        model = EventGroup
        fields = ["project", "name", "info"]

    def clean(self):
        cleaned = super().clean()
        project = cleaned.get("project") or getattr(self.instance, "project", None)
        if project is not None and cleaned.get("name"):
            try:
                services.check_group_name(
                    project=project, name=cleaned["name"], group=self.instance.pk and self.instance
                )
            except services.GroupRefused as exc:
                self.add_error("name", str(exc))
        return cleaned


@admin.register(EventGroup)
class EventGroupAdmin(ProjectScopedAdmin):
    """Groups through issues.services: names checked, deletes move issues to the default group."""

    form = EventGroupForm
    list_display = ["name", "project", "created_at"]
    list_filter = [("project", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "info"]
    list_select_related = ["project"]

    def get_readonly_fields(self, request, obj=None):
        # A group never moves to another project (its issues stay in theirs).
        return ["project"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.name == DEFAULT_GROUP_NAME:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.delete_group(obj)

    def delete_queryset(self, request, queryset):
        for group in queryset:
            services.delete_group(group)


# ---- Triage actions: the changelist's bulk actions and the issue page's buttons ----


class TriageForm(ActionForm):
    """The action bar, with what the actions that need a choice read (querysets narrowed per user)."""

    assignee = forms.ModelChoiceField(User.objects.all(), required=False, label="Assignee:")
    group = forms.ModelChoiceField(EventGroup.objects.select_related("project"), required=False, label="Group:")


def _triage(name, description, change, done):
    """An action calling one issues service on the selected issues; refusals become messages."""

    def action(modeladmin, request, queryset):
        try:
            changed = change(list(queryset), request)
        except (lifecycle.TriageRefused, services.GroupMismatch) as exc:
            modeladmin.message_user(request, str(exc), messages.ERROR)
            return
        if changed is not None:
            modeladmin.message_user(request, f"{changed} issue(s) {done}.")

    action.__name__ = name
    return admin.action(description=description, permissions=["triage"])(action)


def _chosen(request, field):
    """The action bar's choice for `field`, or None (with a warning) when nothing was chosen."""
    return TriageForm(request.POST).fields[field].clean(request.POST.get(field) or None)


def _assign(issues, request):
    assignee = _chosen(request, "assignee")
    if assignee is None:
        raise lifecycle.TriageRefused("Choose a person to assign the issues to.")
    return lifecycle.assign(issues, assignee=assignee, user=request.user)


def _move(issues, request):
    group = _chosen(request, "group")
    if group is None:
        raise lifecycle.TriageRefused("Choose a group to move the issues to.")
    return services.assign_group([(issue, group) for issue in issues], user=request.user)


def _merge(issues, request):
    """Into the issue page's issue (`target`), else the one with the most events, as Sentry picks."""
    if len(issues) < 2:
        raise lifecycle.TriageRefused("Select at least two issues to merge.")
    chosen = request.POST.get("target", "")
    target, *others = sorted(issues, key=lambda issue: (str(issue.pk) != chosen, -issue.event_count, issue.id))
    return lifecycle.merge(target, others, user=request.user)


TRIAGE_ACTIONS = [
    _triage("mark_resolved", "Resolve selected issues", lambda issues, r: lifecycle.resolve(issues, user=r.user),
            "marked resolved"),
    _triage("resolve_in_next_release", "Resolve selected issues in the next release",
            lambda issues, r: lifecycle.resolve(issues, user=r.user, in_next_release=True),
            "resolved in the next release"),
    _triage("mark_ignored", "Ignore selected issues forever", lambda issues, r: lifecycle.ignore(issues, user=r.user),
            "marked ignored"),
    _triage("ignore_for_an_hour", "Ignore selected issues for 1 hour",
            lambda issues, r: lifecycle.ignore(issues, user=r.user, minutes=60), "ignored for 1 hour"),
    _triage("ignore_for_a_day", "Ignore selected issues for 24 hours",
            lambda issues, r: lifecycle.ignore(issues, user=r.user, minutes=24 * 60), "ignored for 24 hours"),
    _triage("ignore_for_100_events", "Ignore selected issues until 100 more events",
            lambda issues, r: lifecycle.ignore(issues, user=r.user, count=100), "ignored until 100 more events"),
    _triage("mark_unresolved", "Reopen selected issues", lambda issues, r: lifecycle.unresolve(issues, user=r.user),
            "reopened"),
    _triage("assign_to", "Assign selected issues to the chosen person", _assign, "assigned"),
    _triage("unassign", "Unassign selected issues",
            lambda issues, r: lifecycle.assign(issues, assignee=None, user=r.user), "unassigned"),
    _triage("move_to_group", "Move selected issues to the chosen group", _move, "moved"),
    _triage("merge_issues", "Merge selected issues (into the one with most events)", _merge, "merged"),
]  # fmt: skip


# ---- The issue stream ----


class ProjectFilter(admin.SimpleListFilter):
    """Only the projects the user sees (the stock filter would list every tenant's)."""

    title = "project"
    parameter_name = "project"

    def lookups(self, request, model_admin):
        return list(visible_projects(request.user).order_by("name").values_list("id", "name"))

    def queryset(self, request, queryset):
        return queryset.filter(project_id=self.value()) if self.value() else queryset


class LastSeenFilter(admin.SimpleListFilter):
    title = "last seen"
    parameter_name = "last_seen"
    RANGES = {"1h": ("last hour", 1), "24h": ("last 24 hours", 24), "7d": ("last 7 days", 24 * 7),
              "30d": ("last 30 days", 24 * 30)}  # fmt: skip

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.RANGES.items()]

    def queryset(self, request, queryset):
        if self.value() not in self.RANGES:
            return queryset
        hours = self.RANGES[self.value()][1]
        return queryset.filter(last_seen__gte=timezone.now() - timezone.timedelta(hours=hours))


class SubstatusFilter(admin.SimpleListFilter):
    title = "substatus"
    parameter_name = "substatus"

    def lookups(self, request, model_admin):
        return Issue.Substatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(filters.substatus_q(self.value())) if self.value() else queryset


class TagFilter(admin.SimpleListFilter):
    """Issues with events carrying a tag value (issues.tags counts them per issue)."""

    def lookups(self, request, model_admin):
        return [(value, value) for value in self.offered(request.user)]

    def queryset(self, request, queryset):
        return queryset.filter(filters.tagged(self.parameter_name, self.value())) if self.value() else queryset


class EnvironmentFilter(TagFilter):
    title = parameter_name = "environment"
    offered = staticmethod(selectors.environment_names)


class ReleaseFilter(TagFilter):
    title = parameter_name = "release"
    offered = staticmethod(selectors.recent_releases)


class AssigneeFilter(admin.SimpleListFilter):
    title = "assignee"
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        people = selectors.possible_assignees(request.user).values_list("id", "email")
        return [("me", "me"), ("none", "nobody"), *((str(pk), email) for pk, email in people)]

    def queryset(self, request, queryset):
        found = filters.assignee_q(self.value(), request.user) if self.value() else None
        return queryset.filter(found) if found is not None else queryset


class IssueStream(ChangeList):
    """The changelist page without merged issues, plus each row's 24-hour sparkline in one query."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).filter(merged_into__isnull=True)

    def get_results(self, request):
        super().get_results(request)
        stats = selectors.issues_stats([issue.id for issue in self.result_list], "24h")
        now = timezone.now()
        for issue in self.result_list:
            issue.sparkline = charts.bar_chart(stats[issue.id], width=72, height=22)
            issue.current_substatus = lifecycle.current_substatus(issue, now)


@admin.register(Issue)
class IssueAdmin(ViewOnlyAdmin):
    list_display = ["title_and_culprit", "project_and_source", "level_badge", "status_badges", "assignee",
                    "event_total", "user_total", "seen", "trend"]  # fmt: skip
    list_display_links = ["title_and_culprit"]
    list_filter = [ProjectFilter, "status", SubstatusFilter, "level", "source", EnvironmentFilter, ReleaseFilter,
                   AssigneeFilter, LastSeenFilter]  # fmt: skip
    # The search box takes the API's `query` tokens (get_search_results); search_fields only shows it.
    search_fields = ["title"]
    search_help_text = (
        "Search tokens as in the API's query: is:unresolved, level:error, environment:production, "
        "release:1.2.0, assigned:me, browser:Chrome (any tag), !key:value negates, free text."
    )
    list_select_related = ["project", "assignee"]
    list_per_page = 50
    # Counting every filter choice over 100,000 issues costs more than the page itself.
    show_facets = admin.ShowFacets.NEVER
    action_form = TriageForm
    actions = TRIAGE_ACTIONS
    readonly_fields = ["project", "fingerprint", "source", "level", "error_type", "group", "first_release",
                       "last_release", "status_details", "ignore_until", "platform_distribution", "priority",
                       "resolved_at"]  # fmt: skip
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project", "group", "assignee")

    def has_triage_permission(self, request):
        return request.user.has_perm("issues.change_issue")

    def get_changelist(self, request, **kwargs):
        return IssueStream

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        try:
            return filters.matching(queryset, search_term, request.user), False
        except SearchError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return queryset.none(), False

    @admin.display(description="issue", ordering="title")
    def title_and_culprit(self, issue):
        return format_html(
            '<span class="eh-title">{}</span><span class="eh-culprit">{}</span>', issue.title, issue.culprit
        )

    @admin.display(description="project", ordering="project__name")
    def project_and_source(self, issue):
        return format_html(
            '<span class="eh-project">{}<small>{}</small></span>', issue.project, issue.get_source_display()
        )

    @admin.display(description="level", ordering="level")
    def level_badge(self, issue):
        return format_html('<span class="eh-badge level-{}">{}</span>', issue.level, issue.level)

    @admin.display(description="status", ordering="status")
    def status_badges(self, issue):
        return render_to_string("admin/console/status_badges.html", {"issue": issue})

    # Not `events` or `users`: the admin would sort by those reverse relations, joining every event.
    @admin.display(description="events", ordering="event_count")
    def event_total(self, issue):
        return issue.event_count

    @admin.display(description="users", ordering="users_affected")
    def user_total(self, issue):
        return issue.users_affected

    @admin.display(description="seen", ordering="last_seen")
    def seen(self, issue):
        return format_html('{}<small class="eh-first-seen">{}</small>', ago(issue.last_seen), ago(issue.first_seen))

    # Sorting by the trend is sorting by priority: the recent event rate (docs/architecture.md, "Triage").
    @admin.display(description="24 h (priority)", ordering="-priority")
    def trend(self, issue):
        return render_to_string("admin/console/bar_chart.html", {"chart": issue.sparkline, "css": "eh-spark"})

    def _triage_form(self, request):
        form = TriageForm(auto_id=None)
        form.fields["action"].choices = self.get_action_choices(request)
        form.fields["group"].queryset = selectors.visible_groups(request.user)
        form.fields["assignee"].queryset = selectors.possible_assignees(request.user)
        return form

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"action_form": self._triage_form(request), **(extra_context or {})})

    def get_urls(self):
        triage = self.admin_site.admin_view(require_POST(self.triage_view))
        comment = self.admin_site.admin_view(require_POST(self.comment_view))
        return [
            path("<path:object_id>/triage/", triage, name="issues_issue_triage"),
            path("<path:object_id>/comment/", comment, name="issues_issue_comment"),
            *super().get_urls(),
        ]

    def _issue_page(self, issue):
        return HttpResponseRedirect(reverse("admin:issues_issue_change", args=[issue.pk]))

    def triage_view(self, request, object_id):
        """The issue page's buttons: one of the bulk actions, on this issue."""
        issue = self.get_object(request, unquote(object_id))
        action = self.get_actions(request).get(request.POST.get("action", ""))
        if not self.has_view_permission(request, issue):
            raise PermissionDenied
        if action is None:
            raise PermissionDenied
        # "Merge into this" names the other issues by id.
        others = [int(pk) for pk in re.findall(r"\d+", request.POST.get("merge", ""))]
        action[0](self, request, self.get_queryset(request).filter(pk__in=[issue.pk, *others]))
        return self._issue_page(issue)

    def comment_view(self, request, object_id):
        issue = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, issue):
            raise PermissionDenied
        text = request.POST.get("text", "").strip()
        if text:
            services.add_comment(issue, author=request.user, text=text)
        else:
            self.message_user(request, "Write something to comment.", messages.WARNING)
        return HttpResponseRedirect(reverse("admin:issues_issue_change", args=[issue.pk]) + "#activity")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        issue = self.get_object(request, unquote(object_id))
        if issue.merged_into_id:
            self.message_user(request, f"Issue {issue.pk} was merged into this issue.")
            return HttpResponseRedirect(reverse("admin:issues_issue_change", args=[issue.merged_into_id]))
        events = Paginator(selectors.issue_events(issue), EVENTS_PER_PAGE).get_page(request.GET.get("events"))
        latest = selectors.issue_events(issue).first()
        stats = {period: selectors.issues_stats([issue.id], period)[issue.id] for period in ("24h", "14d")}
        issue.current_substatus = lifecycle.current_substatus(issue)
        context = {
            "issue": issue,
            "latest_event": latest,
            "details": selectors.event_details(latest) if latest else None,
            "chart_24h": charts.bar_chart(stats["24h"], width=480, height=64),
            "chart_14d": charts.bar_chart(stats["14d"], width=480, height=64),
            "tags": selectors.issue_tags(issue),
            "events_page": events,
            "activity": selectors.issue_activity(issue)[:50],
            "comments": selectors.issue_comments(issue),
            "triage_form": self._triage_form(request),
            "can_triage": self.has_triage_permission(request),
        }
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})


class DigestStateFilter(admin.SimpleListFilter):
    """Waiting for the digest, digested, or set aside by it (with a digest_error to read)."""

    title = "digest"
    parameter_name = "digest"

    def lookups(self, request, model_admin):
        return [("waiting", "waiting"), ("digested", "digested"), ("set_aside", "set aside")]

    def queryset(self, request, queryset):
        states = {
            "waiting": {"digested": False, "digest_error": ""},
            "digested": {"digested": True},
            "set_aside": {"digested": False, "digest_error__gt": ""},
        }
        return queryset.filter(**states[self.value()]) if self.value() in states else queryset


@admin.register(Event)
class EventAdmin(ViewOnlyAdmin):
    list_display = ["event_id", "project", "issue", "source", "kind", "level", "timestamp", "digested"]
    list_filter = ["source", "kind", "level", DigestStateFilter]
    search_fields = ["event_id", "message", "exception_type", "fingerprint"]
    date_hierarchy = "timestamp"
    list_select_related = ["project", "issue"]
    raw_id_fields = ["issue"]
    fields = ["project", "issue", "event_id", "source", "kind", "timestamp", "received_at", "fingerprint", "count",
              "digested", "digest_error"]  # fmt: skip
    readonly_fields = fields

    def change_view(self, request, object_id, form_url="", extra_context=None):
        event = self.get_object(request, unquote(object_id))
        older, newer = selectors.neighbour_events(event)
        context = {"event": event, "details": selectors.event_details(event), "older": older, "newer": newer}
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})


@admin.register(IssueBucket)
class IssueBucketAdmin(ViewOnlyAdmin):
    project_field = "issue__project"
    list_display = ["issue", "start", "count"]
    raw_id_fields = ["issue"]


@admin.register(IssueActivity)
class IssueActivityAdmin(ViewOnlyAdmin):
    project_field = "issue__project"
    list_display = ["issue", "kind", "user", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["issue", "user"]
    raw_id_fields = ["issue"]


def set_aside_panel(request):
    """The dashboard's panel of events the digest set aside, with their reasons."""
    list_url = reverse("admin:issues_event_changelist") + "?digest=set_aside"
    return {"template": "admin/console/set_aside.html", "events": selectors.set_aside_events(request.user),
            "list_url": list_url}  # fmt: skip


DASHBOARD_PANELS.append(set_aside_panel)
