"""What an event is tagged with, for the per-issue tag counts and the `key:value` search.

The format's own tags (Sentry tags, HealthGuard's session and SDK), then what errorhub knows
of every event: environment, release, level, platform, user, and where the format says so
the user's email and the browser and OS (Sentry contexts).
"""

MAX_KEY_LENGTH = 64
MAX_VALUE_LENGTH = 200


def _context_name(contexts, name):
    context = contexts.get(name) if isinstance(contexts, dict) else None
    if not isinstance(context, dict) or not context.get("name"):
        return ""
    return " ".join(str(part) for part in (context["name"], context.get("version")) if part)


def event_tags(event):
    """{key: value} of one Event, keys and values cut to the IssueTag columns, empty values left out."""
    data = event.data or {}
    user = data.get("user") if isinstance(data.get("user"), dict) else {}
    derived = {
        "environment": event.environment,
        "release": event.release,
        "level": event.level,
        "platform": event.platform,
        "user": event.user,
        "user.email": user.get("email") or "",
        "browser": _context_name(data.get("contexts"), "browser"),
        "os": _context_name(data.get("contexts"), "os"),
    }
    tags = {str(key): value for key, value in (event.tags or {}).items() if isinstance(value, (str, int, float))}
    # What errorhub derived wins over a format tag of the same name.
    tags.update({key: value for key, value in derived.items() if value})
    return {
        key[:MAX_KEY_LENGTH]: str(value)[:MAX_VALUE_LENGTH] for key, value in tags.items() if key and str(value) != ""
    }
