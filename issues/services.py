"""Writes around issues: group assignment, groups, retention. Admin actions, the native API
and the legacy surfaces all call these; state changes live in issues.lifecycle."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from issues.models import DEFAULT_GROUP_NAME, Event, EventGroup, Issue, IssueActivity, IssueBucket, IssueComment


class GroupMismatch(ValueError):
    """A group of another project than the issue's."""


@transaction.atomic
def assign_group(assignments, *, user=None):
    """Move issues into groups: [(issue, group), ...], all or nothing.

    Raises GroupMismatch (naming the issue) when a group belongs to another project.
    """
    for issue, group in assignments:
        if group.project_id != issue.project_id:
            raise GroupMismatch(f"group {group.id} does not belong to the project of issue {issue.id}")
    changed = []
    for issue, group in assignments:
        if issue.group_id != group.id:
            activity = IssueActivity(
                issue=issue,
                kind=IssueActivity.Kind.ASSIGNED_GROUP,
                user=user,
                detail={"from": issue.group_id, "to": group.id},
            )
            issue.group = group
            changed.append((issue, activity))
    Issue.objects.bulk_update([issue for issue, _ in changed], ["group"])
    IssueActivity.objects.bulk_create(activity for _, activity in changed)
    return len(changed)


def give_default_group(sender, instance, created, raw=False, **kwargs):
    """post_save of a Project: a new project gets the group its new issues land in."""
    if created and not raw:
        EventGroup.objects.get_or_create(project=instance, name=DEFAULT_GROUP_NAME)


class GroupRefused(ValueError):
    """A group change the rules refuse (the message says which)."""


class ProtectedGroup(GroupRefused):
    """The default group: every project keeps it, new issues land in it."""


def check_group_name(*, project, name, group=None):
    """Names are unique in a project and the default group keeps its name (API and admin alike)."""
    if group is not None and group.name == DEFAULT_GROUP_NAME and name != DEFAULT_GROUP_NAME:
        raise ProtectedGroup("The default group cannot be renamed.")
    clash = EventGroup.objects.filter(project=project, name=name).exclude(pk=getattr(group, "pk", None))
    if clash.exists():
        raise GroupRefused("A group with this name exists in the project.")


@transaction.atomic
def delete_group(group):
    """Delete a group; its issues go back to the project's default group."""
    if group.name == DEFAULT_GROUP_NAME:
        raise ProtectedGroup("The default group cannot be deleted.")
    default = EventGroup.objects.get(project_id=group.project_id, name=DEFAULT_GROUP_NAME)
    Issue.objects.filter(group=group).update(group=default)
    group.delete()


PRUNE_BATCH = 5000


def prune_events(*, older_than_days):
    """Delete what is older than `older_than_days`, in short batches: digested events received
    before then, time buckets that start before then, and activity rows written before then.

    Issues keep their counters (event_count, first and last seen); undigested events are never
    pruned, so no occurrence is lost uncounted. 0 days keeps everything. Returns how many
    events were deleted.
    """
    if older_than_days <= 0:
        return 0
    cutoff = timezone.now() - timedelta(days=older_than_days)
    # Oldest first, each on its retention index (the default orderings would sort them all).
    deleted = _delete_in_batches(Event.objects.filter(received_at__lt=cutoff, digested=True).order_by("received_at"))
    _delete_in_batches(IssueBucket.objects.filter(start__lt=cutoff).order_by("start"))
    _delete_in_batches(IssueActivity.objects.filter(created_at__lt=cutoff).order_by("created_at"))
    return deleted


def _delete_in_batches(old):
    deleted = 0
    while ids := list(old.values_list("id", flat=True)[:PRUNE_BATCH]):
        deleted += old.model.objects.filter(id__in=ids).delete()[0]
    return deleted


class CommentRefused(ValueError):
    """A comment change the rules refuse (only its author deletes a comment)."""


@transaction.atomic
def add_comment(issue, *, author, text):
    """A note on an issue, in its activity too."""
    comment = IssueComment.objects.create(issue=issue, author=author, text=text)
    IssueActivity.objects.create(
        issue=issue, kind=IssueActivity.Kind.COMMENTED, user=author, detail={"comment": comment.id, "text": text[:200]}
    )
    return comment


@transaction.atomic
def delete_comment(comment, *, user):
    """Authors delete their own comments; raises CommentRefused for anyone else."""
    if comment.author_id is None or comment.author_id != user.pk:
        raise CommentRefused("Only the author of a comment can delete it.")
    IssueActivity.objects.create(
        issue_id=comment.issue_id, kind=IssueActivity.Kind.COMMENT_DELETED, user=user, detail={"comment": comment.id}
    )
    comment.delete()
