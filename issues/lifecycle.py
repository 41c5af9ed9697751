"""The issue lifecycle: every change of an issue's state, from occurrences and from triage.

Two ways in, as Bugsink's IssueStateManager: the digest records occurrences (new issue,
counters, last seen, regression, a snooze that runs out) in bulk, and people triage
(resolve, ignore, reopen, assign, merge, unmerge) from the admin, the native API, the legacy
APIs and webhooks. Each change writes its audit row (IssueActivity) and is announced after
commit (issues.announcements) for alerts.

Substatus (docs/architecture.md, "Triage"): a new issue is `new` for NEW_FOR after its first
event until someone triages it; a resolved issue an event reopens is `regressed` and an
ignored one whose condition fires is `escalating`, both until triaged again; triage leaves
an unresolved issue `ongoing`. Resolved and ignored issues have no substatus.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from accounts.models import Membership
from errorhub.bulk import insert_missing, update_each
from issues import announcements
from issues.counters import add_counts
from issues.models import DEFAULT_GROUP_NAME, Event, EventGroup, Issue, IssueActivity, IssueBucket, IssueTag, IssueUser
from issues.tags import event_tags

NEW_FOR = timedelta(days=7)
# Priority is an event rate that halves every PRIORITY_HALF_LIFE_HOURS without events, kept as
# log2(sum of count * 2^(hours since epoch of receipt / half-life)): adding events adds in
# log space, and the order never needs re-decaying since every issue decays alike.
PRIORITY_HALF_LIFE_HOURS = 24

STATUS_ACTIVITY = {
    Issue.Status.RESOLVED: IssueActivity.Kind.RESOLVED,
    Issue.Status.IGNORED: IssueActivity.Kind.IGNORED,
    Issue.Status.UNRESOLVED: IssueActivity.Kind.REOPENED,
}
STATUS_ANNOUNCEMENT = {
    Issue.Status.RESOLVED: announcements.RESOLVED,
    Issue.Status.IGNORED: announcements.IGNORED,
    Issue.Status.UNRESOLVED: announcements.REOPENED,
}


class TriageRefused(ValueError):
    """A triage the rules refuse; the message names the issue or person and why."""


def substatus_at(substatus, first_seen, now):
    """`new` turns `ongoing` by itself once the issue is older than NEW_FOR."""
    if substatus == Issue.Substatus.NEW and first_seen < now - NEW_FOR:
        return Issue.Substatus.ONGOING
    return substatus


def current_substatus(issue, now=None):
    return substatus_at(issue.substatus, issue.first_seen, now or timezone.now())


def bucket_start(timestamp):
    width = settings.ERRORHUB_BUCKET_SECONDS
    epoch = int(timestamp.timestamp())
    return datetime.fromtimestamp(epoch - epoch % width, tz=UTC)


def added_priority(a, b):
    """log2(2^a + 2^b) without overflowing (a priority of 0 means no events)."""
    if not a or not b:
        return a or b
    return max(a, b) + math.log2(1 + 2.0 ** -abs(a - b))


def event_priority(count, received_at):
    hours = received_at.timestamp() / 3600
    return math.log2(count) + hours / PRIORITY_HALF_LIFE_HOURS if count else 0.0


@dataclass
class Tally:
    """What some events of one issue add to its counters, time series, tags and users."""

    count: int = 0
    first: datetime | None = None
    last: datetime | None = None
    last_release: str = ""
    priority: float = 0.0
    platforms: dict = field(default_factory=lambda: defaultdict(int))
    buckets: dict = field(default_factory=lambda: defaultdict(int))
    tags: dict = field(default_factory=lambda: defaultdict(int))
    users: set = field(default_factory=set)

    def add(self, event):
        self.count += event.count
        self.first = min(self.first or event.timestamp, event.timestamp)
        if self.last is None or event.timestamp >= self.last:
            self.last = event.timestamp
            self.last_release = event.release or self.last_release
        self.priority = added_priority(self.priority, event_priority(event.count, event.received_at))
        if event.platform:
            self.platforms[event.platform] += event.count
        self.buckets[bucket_start(event.timestamp)] += event.count
        for key, value in event_tags(event).items():
            self.tags[(key, value)] += event.count
        if event.user:
            self.users.add(event.user[:200])
        return self


def tally(events):
    result = Tally()
    for event in events:
        result.add(event)
    return result


def record_occurrences(events_by_issue, *, now=None):
    """Count digested events into their issues: {(project_id, fingerprint): [Event, ...]}.

    Creates the issues first seen here; counts events, tags and users; reopens resolved
    issues that happen again (a regression, unless resolved in a release the events predate)
    and wakes ignored issues whose condition is met (escalating). A merged fingerprint's
    events count into the issue it was merged into. Runs inside the digest's transaction and
    returns {(project_id, fingerprint): Issue the events belong to}.
    """
    now = now or timezone.now()
    project_ids = {project_id for project_id, _ in events_by_issue}
    default_groups = dict(
        EventGroup.objects.filter(project_id__in=project_ids, name=DEFAULT_GROUP_NAME).values_list("project_id", "id")
    )
    Issue.objects.bulk_create(
        [new_issue(key, events, default_groups.get(key[0])) for key, events in events_by_issue.items()],
        ignore_conflicts=True,
    )
    wanted = Q()
    for project_id in project_ids:
        wanted |= Q(project_id=project_id, fingerprint__in=[fp for pid, fp in events_by_issue if pid == project_id])
    # The issues and the targets of the merged ones among them, locked together in id order so
    # concurrent digests and merges never deadlock on the same issues.
    rows = Issue.objects.filter(wanted).values_list("id", "merged_into_id")
    locked = _locked_ids({issue_id for row in rows for issue_id in row if issue_id})
    if missing := {i.merged_into_id for i in locked.values() if i.merged_into_id} - set(locked):
        locked |= _locked_ids(missing)  # merged between the read and the lock
    owner = {
        (i.project_id, i.fingerprint): locked[i.merged_into_id] if i.merged_into_id else i
        for i in locked.values()
        if (i.project_id, i.fingerprint) in events_by_issue
    }

    issues, events_of = {}, defaultdict(list)
    for key, events in events_by_issue.items():
        issues[owner[key].id] = owner[key]
        events_of[owner[key].id].extend(events)
    tallies = {issue_id: tally(events) for issue_id, events in events_of.items()}
    new_users = defaultdict(int)
    user_rows = [(issue_id, user) for issue_id, t in tallies.items() for user in t.users]
    for issue_id, _ in insert_missing(IssueUser, ["issue_id", "user_key"], user_rows):
        new_users[issue_id] += 1
    releases_seen = _releases_seen([i for i in issues.values() if i.status == Issue.Status.RESOLVED])

    activities, new, regressed, escalating = [], [], [], []
    for issue_id, events in events_of.items():
        issue, counted = issues[issue_id], tallies[issue_id]
        if issue.event_count == 0:
            activities.append(IssueActivity(issue=issue, kind=IssueActivity.Kind.FIRST_SEEN))
            new.append(issue.id)
        elif issue.status == Issue.Status.RESOLVED:
            if reopening := _reopening_event(issue, events, releases_seen[issue_id]):
                activities.append(regress(issue, reopening))
                regressed.append(issue.id)
        elif issue.status == Issue.Status.IGNORED and (
            condition := _snooze_condition_met(issue, counted, new_users[issue_id], now)
        ):
            activities.append(escalate(issue, condition))
            escalating.append(issue.id)
        _count(issue, counted, new_users[issue_id])
    update_each(
        list(issues.values()),
        [
            "event_count", "last_seen", "status", "substatus", "status_details", "ignore_until", "resolved_at",
            "platform_distribution", "last_release", "users_affected", "priority",
        ],
    )  # fmt: skip
    add_counts(
        IssueTag, ["issue_id", "key", "value"], {(i, *tag): n for i, t in tallies.items() for tag, n in t.tags.items()}
    )
    IssueActivity.objects.bulk_create(activities)
    announcements.announce(announcements.NEW_ISSUE, new)
    announcements.announce(announcements.REGRESSION, regressed)
    announcements.announce(announcements.ESCALATING, escalating)
    announcements.announce(announcements.OCCURRENCES, list(issues))
    return owner


def new_issue(key, events, group_id):
    """The issue a fingerprint's first events open; its title falls back to what they carry."""
    project_id, fingerprint = key
    first = events[0]
    data = first.data
    return Issue(
        project_id=project_id,
        fingerprint=fingerprint,
        title=(data.get("title") or first.message or first.exception_type or fingerprint)[:2000],
        culprit=(data.get("culprit") or "")[:500],
        message=first.message[:2000],
        level=first.level,
        source=first.source,
        error_type=(data.get("error_type") or first.exception_type)[:200],
        # first_seen is the first digested occurrence and never moves back (HealthGuard's rule);
        # last_seen starts there and the counting raises it to the newest.
        first_seen=min(e.timestamp for e in events),
        last_seen=min(e.timestamp for e in events),
        event_count=0,
        group_id=group_id,
        first_release=first.release,
        last_release=first.release,
    )


def _releases_seen(resolved):
    """Releases each resolved-in-a-release issue has events of (its tag counts), before this batch."""
    ids = [i.id for i in resolved if {"in_next_release", "in_release"} & set(i.status_details)]
    seen = defaultdict(set)
    for issue_id, value in IssueTag.objects.filter(issue_id__in=ids, key="release").values_list("issue_id", "value"):
        seen[issue_id].add(value)
    return seen


def _reopening_event(issue, events, releases_seen):
    """The event that reopens a resolved issue, if any.

    Resolved in the next release: only an event of a release the issue had no events of when
    resolved (a newer one) reopens it; resolved in release X: X or such a release. Events
    without a release cannot be placed and leave a release resolution alone.
    """
    details = issue.status_details
    if details.get("in_next_release"):
        old = releases_seen
    elif details.get("in_release"):
        old = releases_seen - {details["in_release"]}
    else:
        return events[0]
    return next((e for e in events if e.release and e.release not in old), None)


def _snooze_condition_met(issue, counted, new_users, now):
    """The ignore condition ({"ignore_minutes": 30}, ...) that these events fulfil, else None."""
    details = issue.status_details
    if issue.ignore_until is not None and issue.ignore_until <= now:
        return {"ignore_minutes": details.get("ignore_minutes")}
    if "until_event_count" in details and issue.event_count + counted.count >= details["until_event_count"]:
        return {"ignore_count": details["ignore_count"]}
    if "until_users" in details and issue.users_affected + new_users >= details["until_users"]:
        return {"ignore_user_count": details["ignore_user_count"]}
    return None


def regress(issue, event):
    """A resolved issue that happens again is unresolved again; returns its audit row."""
    issue.status, issue.substatus = Issue.Status.UNRESOLVED, Issue.Substatus.REGRESSED
    issue.resolved_at, issue.status_details = None, {}
    return IssueActivity(issue=issue, kind=IssueActivity.Kind.REGRESSED, detail={"event_id": event.event_id})


def escalate(issue, condition):
    """An ignored issue whose condition fired is unresolved and escalating; returns its audit row."""
    issue.status, issue.substatus = Issue.Status.UNRESOLVED, Issue.Substatus.ESCALATING
    issue.status_details, issue.ignore_until = {}, None
    return IssueActivity(issue=issue, kind=IssueActivity.Kind.ESCALATING, detail=condition)


def _count(issue, counted, new_users):
    # Read, added and written back in Python: safe because the digest holds the row lock
    # (_locked_ids read the row under it), and the issue in hand stays readable.
    distribution = dict(issue.platform_distribution)
    for platform, n in counted.platforms.items():
        distribution[platform] = distribution.get(platform, 0) + n
    issue.platform_distribution = distribution
    issue.last_release = counted.last_release or issue.last_release
    issue.priority = added_priority(issue.priority, counted.priority)
    issue.event_count += counted.count
    issue.users_affected += new_users
    issue.last_seen = max(issue.last_seen, counted.last)


def wake_snoozed(*, issues=None, now=None):
    """Ignored issues whose minutes have run out become escalating (beat, and every issue read).

    `issues` narrows the check (a queryset or list of issues); returns how many woke.
    """
    now = now or timezone.now()
    if isinstance(issues, list):
        # Issues in hand (a page) need no query unless one of them is due.
        issues = [i.pk for i in issues if i.status == Issue.Status.IGNORED and i.ignore_until and i.ignore_until <= now]
        if not issues:
            return 0
    return _wake(issues, now)


@transaction.atomic
def _wake(issues, now):
    due = Issue.objects.filter(status=Issue.Status.IGNORED, ignore_until__lte=now)
    if issues is not None:
        due = due.filter(pk__in=issues)
    waking = list(due.select_for_update().order_by("id"))
    activities = [escalate(issue, {"ignore_minutes": issue.status_details.get("ignore_minutes")}) for issue in waking]
    Issue.objects.bulk_update(waking, ["status", "substatus", "status_details", "ignore_until"])
    IssueActivity.objects.bulk_create(activities)
    announcements.announce(announcements.ESCALATING, [issue.id for issue in waking])
    return len(waking)


def _locked_ids(ids):
    return {issue.id: issue for issue in Issue.objects.select_for_update().filter(pk__in=ids).order_by("id")}


def _locked(issues):
    return list(_locked_ids([i.pk for i in issues]).values())


@transaction.atomic
def _change_status(issues, status, asked, *, user, detail, details_of=None, ignore_until=None):
    """Move issues to `status` with the `asked` details; those already there with them are left alone."""
    changing = [
        issue
        for issue in _locked(issues)
        if issue.status != status or {k: issue.status_details.get(k) for k in asked} != asked
        or (not asked and issue.status_details)
    ]  # fmt: skip
    now = timezone.now()
    for issue in changing:
        issue.status = status
        issue.substatus = Issue.Substatus.ONGOING if status == Issue.Status.UNRESOLVED else ""
        issue.resolved_at = now if status == Issue.Status.RESOLVED else None
        issue.status_details = {**asked, **(details_of(issue) if details_of else {})}
        issue.ignore_until = ignore_until
    Issue.objects.bulk_update(changing, ["status", "substatus", "resolved_at", "status_details", "ignore_until"])
    IssueActivity.objects.bulk_create(
        IssueActivity(issue=issue, kind=STATUS_ACTIVITY[status], user=user, detail={**asked, **(detail or {})})
        for issue in changing
    )
    announcements.announce(STATUS_ANNOUNCEMENT[status], [issue.id for issue in changing])
    return len(changing)


def set_status(issues, status, *, user=None, detail=None):
    """Resolve, ignore (forever) or reopen issues; those already in `status` are left alone.

    Returns how many changed."""
    return _change_status(issues, Issue.Status(status), {}, user=user, detail=detail)


def resolve(issues, *, user=None, in_next_release=False, in_release="", detail=None):
    """Resolve issues, optionally only for releases to come (see _reopening_event). Returns how many changed."""
    if in_next_release and in_release:
        raise TriageRefused("Resolve in the next release or in a release, not both.")
    asked = {"in_next_release": True} if in_next_release else {"in_release": in_release} if in_release else {}
    return _change_status(issues, Issue.Status.RESOLVED, asked, user=user, detail=detail)


def ignore(issues, *, user=None, minutes=None, count=None, user_count=None, detail=None, now=None):
    """Ignore issues forever, or until `minutes` pass, `count` more events or `user_count` more users.

    When the condition is met the issue is unresolved and escalating again. Returns how many changed.
    """
    conditions = {"ignore_minutes": minutes, "ignore_count": count, "ignore_user_count": user_count}
    asked = {key: n for key, n in conditions.items() if n is not None}
    if len(asked) > 1:
        raise TriageRefused("Ignore for minutes, events or users: one of them.")
    if any(not isinstance(n, int) or isinstance(n, bool) or n < 1 for n in asked.values()):
        raise TriageRefused("An ignore condition is a whole number of at least 1.")

    def thresholds(issue):
        if count is not None:
            return {"until_event_count": issue.event_count + count}
        if user_count is not None:
            return {"until_users": issue.users_affected + user_count}
        return {}

    until = (now or timezone.now()) + timedelta(minutes=minutes) if minutes is not None else None
    return _change_status(
        issues, Issue.Status.IGNORED, asked, user=user, detail=detail, details_of=thresholds, ignore_until=until
    )


def unresolve(issues, *, user=None, detail=None):
    """Reopen resolved or ignored issues (they are ongoing). Returns how many changed."""
    return _change_status(issues, Issue.Status.UNRESOLVED, {}, user=user, detail=detail)


STATUS_DETAILS = {
    Issue.Status.RESOLVED: {"in_next_release": bool, "in_release": str},
    Issue.Status.IGNORED: {"ignore_minutes": int, "ignore_count": int, "ignore_user_count": int},
    Issue.Status.UNRESOLVED: {},
}


def apply_status(issues, status, *, details=None, user=None):
    """The API's `status` + `status_details` (STATUS_DETAILS) to resolve(), ignore() or unresolve()."""
    status, details = Issue.Status(status), details or {}
    if status == Issue.Status.RESOLVED:
        return resolve(
            issues,
            user=user,
            in_next_release=details.get("in_next_release", False),
            in_release=details.get("in_release", ""),
        )
    if status == Issue.Status.IGNORED:
        return ignore(
            issues,
            user=user,
            minutes=details.get("ignore_minutes"),
            count=details.get("ignore_count"),
            user_count=details.get("ignore_user_count"),
        )
    return unresolve(issues, user=user)


@transaction.atomic
def assign(issues, *, assignee, user=None):
    """Give issues to a member of their project (None unassigns). Returns how many changed.

    Raises TriageRefused naming the issue when the assignee is not a member of its project.
    """
    locked = _locked(issues)
    if assignee is not None:
        projects = {issue.project_id for issue in locked}
        member_of = set(
            Membership.objects.filter(user=assignee, project_id__in=projects).values_list("project_id", flat=True)
        )
        for issue in locked:
            if issue.project_id not in member_of:
                raise TriageRefused(f"{assignee} is not a member of the project of issue {issue.id}.")
    assignee_id = assignee.pk if assignee is not None else None
    changing = [issue for issue in locked if issue.assignee_id != assignee_id]
    activities = []
    for issue in changing:
        if assignee is None:
            activities.append(
                IssueActivity(
                    issue=issue, kind=IssueActivity.Kind.UNASSIGNED, user=user, detail={"from": issue.assignee_id}
                )
            )
        else:
            activities.append(
                IssueActivity(
                    issue=issue,
                    kind=IssueActivity.Kind.ASSIGNED,
                    user=user,
                    detail={"from": issue.assignee_id, "to": assignee_id, "email": assignee.email},
                )
            )
        issue.assignee_id = assignee_id
    Issue.objects.bulk_update(changing, ["assignee"])
    IssueActivity.objects.bulk_create(activities)
    return len(changing)


def _move_counts(model, key_columns, from_ids, to_id):
    """Add the counter rows of issues `from_ids` to issue `to_id` and delete theirs."""
    rows = model.objects.filter(issue_id__in=from_ids)
    totals = defaultdict(int)
    for *key, n in rows.values_list(*key_columns[1:], "count"):
        totals[(to_id, *key)] += n
    add_counts(model, key_columns, totals)
    rows.delete()


@transaction.atomic
def merge(target, others, *, user=None):
    """Merge issues of the target's project into `target`: events, counts, series, tags and users.

    The merged issues stay as aliases of their fingerprints (their new events count into the
    target) and leave the lists. Raises TriageRefused naming an issue of another project or
    one merged already. Returns how many were merged.
    """
    locked = {issue.id: issue for issue in _locked([target, *others])}
    target = locked[target.pk]
    sources = [locked[o.pk] for o in others if o.pk != target.pk]
    for issue in [target, *sources]:
        if issue.merged_into_id:
            raise TriageRefused(f"Issue {issue.id} is merged into issue {issue.merged_into_id} already.")
        if issue.project_id != target.project_id:
            raise TriageRefused(f"Issue {issue.id} belongs to another project than issue {target.id}.")
    if not sources:
        return 0
    source_ids = [issue.id for issue in sources]
    Event.objects.filter(issue_id__in=source_ids).update(issue=target)
    _move_counts(IssueBucket, ["issue_id", "start"], source_ids, target.id)
    _move_counts(IssueTag, ["issue_id", "key", "value"], source_ids, target.id)
    users = IssueUser.objects.filter(issue_id__in=source_ids)
    added_users = insert_missing(
        IssueUser, ["issue_id", "user_key"], [(target.id, key) for key in users.values_list("user_key", flat=True)]
    )
    users.delete()
    # Issues merged into a source earlier now alias the target directly.
    Issue.objects.filter(merged_into_id__in=source_ids).update(merged_into=target)

    distribution = dict(target.platform_distribution)
    for source in sources:
        for platform, n in source.platform_distribution.items():
            distribution[platform] = distribution.get(platform, 0) + n
        target.priority = added_priority(target.priority, source.priority)
        if source.last_seen > target.last_seen:
            target.last_release = source.last_release or target.last_release
    target.platform_distribution = distribution
    target.event_count += sum(source.event_count for source in sources)
    target.users_affected += len(added_users)
    target.first_seen = min(issue.first_seen for issue in [target, *sources])
    target.last_seen = max(issue.last_seen for issue in [target, *sources])
    activities = [
        IssueActivity(
            issue=target,
            kind=IssueActivity.Kind.MERGED,
            user=user,
            detail={"issues": source_ids, "fingerprints": [source.fingerprint for source in sources]},
        )
    ]
    for source in sources:
        source.merged_into = target
        source.event_count, source.users_affected, source.priority, source.platform_distribution = 0, 0, 0.0, {}
        activities.append(
            IssueActivity(issue=source, kind=IssueActivity.Kind.MERGED_INTO, user=user, detail={"into": target.id})
        )
    Issue.objects.bulk_update(
        [target, *sources],
        [
            "merged_into", "event_count", "users_affected", "priority", "platform_distribution", "first_seen",
            "last_seen", "last_release",
        ],
    )  # fmt: skip
    IssueActivity.objects.bulk_create(activities)
    return len(sources)


def _subtract_counts(model, issue_id, key_columns, counts):
    """Take {key: n} off an issue's counter rows, deleting those that reach zero (issue row locked)."""
    if not counts:
        return
    rows = model.objects.filter(issue_id=issue_id, **{f"{key_columns[0]}__in": {key[0] for key in counts}})
    emptied, changed = [], []
    for row in rows:
        n = counts.get(tuple(getattr(row, column) for column in key_columns))
        if n:
            row.count = max(row.count - n, 0)
            (changed if row.count else emptied).append(row)
    model.objects.bulk_update(changed, ["count"])
    model.objects.filter(pk__in=[row.pk for row in emptied]).delete()


@transaction.atomic
def unmerge(issue, fingerprints, *, user=None):
    """Split fingerprints merged into `issue` back into their own issues, with their events.

    Each gets back the counts, series, tags and users of its events (those retention has
    pruned stay counted in `issue`). Raises TriageRefused naming a fingerprint not merged
    into `issue`. Returns the issues split off.
    """
    # One lock in id order, as the digest takes them.
    wanted = Q(pk=issue.pk) | Q(merged_into_id=issue.pk, fingerprint__in=fingerprints)
    locked = list(Issue.objects.select_for_update().filter(wanted).order_by("id"))
    target = next(i for i in locked if i.pk == issue.pk)
    aliases = [i for i in locked if i.pk != issue.pk]
    missing = sorted(set(fingerprints) - {alias.fingerprint for alias in aliases})
    if missing:
        raise TriageRefused(f"Fingerprint {missing[0]!r} is not merged into issue {target.id}.")
    moved_users = set()
    for alias in aliases:
        events = Event.objects.filter(issue=target, fingerprint=alias.fingerprint).defer("raw")
        counted = tally(events.iterator())
        events.update(issue=alias)
        alias.merged_into = None
        alias.event_count, alias.priority = counted.count, counted.priority
        alias.users_affected = len(counted.users)
        alias.platform_distribution = dict(counted.platforms)
        if counted.count:
            alias.first_seen, alias.last_seen = counted.first, counted.last
            alias.last_release = counted.last_release or alias.last_release
        add_counts(IssueBucket, ["issue_id", "start"], {(alias.id, start): n for start, n in counted.buckets.items()})
        add_counts(IssueTag, ["issue_id", "key", "value"], {(alias.id, *tag): n for tag, n in counted.tags.items()})
        insert_missing(IssueUser, ["issue_id", "user_key"], [(alias.id, user_key) for user_key in counted.users])
        _subtract_counts(IssueBucket, target.id, ["start"], {(start,): n for start, n in counted.buckets.items()})
        _subtract_counts(IssueTag, target.id, ["key", "value"], dict(counted.tags))
        target.event_count = max(target.event_count - counted.count, 0)
        for platform, n in counted.platforms.items():
            left = target.platform_distribution.get(platform, 0) - n
            target.platform_distribution[platform] = left
            if left <= 0:
                del target.platform_distribution[platform]
        moved_users |= counted.users

    remaining = Event.objects.filter(issue=target)
    still_users = set(remaining.filter(user__in=moved_users).values_list("user", flat=True).distinct())
    gone = IssueUser.objects.filter(issue=target, user_key__in=moved_users - still_users).delete()[0]
    target.users_affected = max(target.users_affected - gone, 0)
    seen = remaining.aggregate(first=Min("timestamp"), last=Max("timestamp"))
    if seen["last"] is not None:
        target.first_seen, target.last_seen = seen["first"], seen["last"]
    target.priority = 0.0
    for count, received_at in remaining.values_list("count", "received_at").iterator():
        target.priority = added_priority(target.priority, event_priority(count, received_at))
    Issue.objects.bulk_update(
        [target, *aliases],
        [
            "merged_into", "event_count", "users_affected", "priority", "platform_distribution", "first_seen",
            "last_seen", "last_release",
        ],
    )  # fmt: skip
    IssueActivity.objects.bulk_create(
        [
            IssueActivity(
                issue=target,
                kind=IssueActivity.Kind.UNMERGED,
                user=user,
                detail={"fingerprints": [a.fingerprint for a in aliases], "issues": [a.id for a in aliases]},
            ),
            *(
                IssueActivity(issue=alias, kind=IssueActivity.Kind.UNMERGED, user=user, detail={"from": target.id})
                for alias in aliases
            ),
        ]
    )
    return aliases
