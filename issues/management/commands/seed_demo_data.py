"""Demo data for the console and its benchmarks: issues and events of every source, shaped as
each wire format stores them (ingest/formats/), written with bulk inserts.

Events per issue follow a long tail (a few issues have most events); two fifths of the
issues were seen in the last 24 hours, so the dashboard, sparklines and charts have data.
"""

import random
import uuid
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from accounts.models import Environment, Project
from issues import lifecycle
from issues.models import DEFAULT_GROUP_NAME, Event, EventGroup, Issue, IssueActivity, IssueBucket, IssueTag, IssueUser

# (slug, name, platform, source, event platform)
PROJECTS = [
    ("demo-shop-web", "Shop web", "web", "healthguard", "web"),
    ("demo-checkout-api", "Checkout API", "other", "sentry", "python"),
    ("demo-storefront", "Storefront", "other", "sentry", "javascript"),
    ("demo-billing", "Billing", "other", "eventsum", "python"),
    ("demo-payments-gateway", "Payments gateway", "other", "periskop", "go"),
    ("demo-sentry-relay", "Sentry relay", "other", "sentry_webhook", "python"),
    ("demo-glitchtip-app", "GlitchTip app", "other", "glitchtip_webhook", "javascript"),
]
ENVIRONMENTS = ["production", "staging"]
RELEASES = ["1.4.0", "1.4.1", "1.5.0", "2.0.0"]
BROWSERS = ["Chrome 131", "Firefox 133", "Safari 18", "Edge 131"]
SYSTEMS = ["Windows 11", "macOS 15", "Ubuntu 24.04", "iOS 18", "Android 15"]
PY_ERRORS = [
    ("KeyError", "'customer_id'", "checkout.views", "create_order", "order = build_order(payload['customer_id'])"),
    ("ZeroDivisionError", "division by zero", "billing.invoices", "prorate", "return amount / days_in_period"),
    ("ValueError", "invalid literal for int() with base 10: 'abc'", "checkout.forms", "clean_quantity",
     "quantity = int(raw_quantity)"),
    ("TimeoutError", "timed out after 30s waiting for payments", "checkout.payments", "charge",
     "response = client.post(url, json=body, timeout=30)"),
    ("IntegrityError", 'duplicate key value violates unique constraint "order_number"', "checkout.models",
     "save_order", "order.save()"),
    ("AttributeError", "'NoneType' object has no attribute 'email'", "accounts.mail", "send_receipt",
     "to = order.customer.email"),
]  # fmt: skip
JS_ERRORS = [
    ("TypeError", "Cannot read properties of undefined (reading 'price')", "src/cart.js", "renderTotal",
     "const total = item.price * item.quantity;"),
    ("ReferenceError", "analytics is not defined", "src/tracking.js", "trackView", "analytics.page(name);"),
    ("SyntaxError", "Unexpected token '<' in JSON at position 0", "src/api.js", "fetchProducts",
     "return JSON.parse(body);"),
    ("RangeError", "Maximum call stack size exceeded", "src/tree.js", "walk", "return walk(node.parent);"),
]  # fmt: skip
GO_ERRORS = [
    ("*net.OpError", "dial tcp 10.0.3.7:5432: connect: connection refused", "db/pool.go", "Acquire"),
    ("*errors.errorString", "payment provider returned 502", "gateway/charge.go", "Charge"),
    ("context.deadlineExceededError", "context deadline exceeded", "gateway/refund.go", "Refund"),
]
HTTP_FAILURES = [("POST", "/api/cart", 500), ("GET", "/api/products", 503), ("POST", "/api/checkout", 502)]


def _pick(rng, values):
    return values[rng.randrange(len(values))]


class Sample:
    """One issue's shape: title, culprit, frames and what each of its events carries."""

    def __init__(self, rng, source, platform, index):
        self.rng, self.source, self.platform = rng, source, platform
        self.fingerprint = f"demo:{uuid.uuid4().hex}"
        if platform == "go":
            kind, value, filename, function = _pick(rng, GO_ERRORS)
            self.type, self.value = kind, value
            self.frames = [
                {"filename": "/usr/local/go/src/runtime/proc.go", "function": "runtime.main", "lineno": 250,
                 "context_line": "", "in_app": False},
                {"filename": f"/app/{filename}", "function": f"main.{function}", "lineno": rng.randint(20, 300),
                 "context_line": "", "in_app": True},
            ]  # fmt: skip
            self.culprit = f"{filename} in {function}"
        elif platform == "javascript" or platform == "web":
            kind, value, filename, function, line = _pick(rng, JS_ERRORS)
            self.type, self.value = kind, value
            self.frames = self._context_frames(filename, function, line, library="node_modules/react-dom/index.js")
            self.culprit = f"{filename} in {function}"
        else:
            kind, value, module, function, line = _pick(rng, PY_ERRORS)
            self.type, self.value = kind, value
            self.frames = self._context_frames(f"{module.replace('.', '/')}.py", function, line, module=module,
                                               library="django/core/handlers/base.py")  # fmt: skip
            self.culprit = f"{module} in {function}"
        # Many issues of one kind: number them so titles differ as real ones do.
        self.value = f"{self.value} (#{index})"
        self.title = f"{self.type}: {self.value}"
        self.http = source == "healthguard" and rng.random() < 0.3
        if self.http:
            method, path, status = _pick(rng, HTTP_FAILURES)
            self.title = f"{method} {path} - HTTP {status}"
            self.type, self.culprit, self.frames = "http", path, []

    def _context_frames(self, filename, function, line, *, library, module=""):
        lineno = self.rng.randint(30, 400)
        return [
            {"filename": library, "function": "dispatch", "lineno": 181, "in_app": False,
             "context_line": "response = wrapped_callback(request, *args, **kwargs)"},
            {"filename": filename, "module": module, "function": function, "lineno": lineno, "in_app": True,
             "pre_context": ["", f"def {function}(request):", "    payload = request.data"],
             "context_line": f"    {line}", "post_context": ["    return respond(order)", ""],
             "vars": {"request": "<Request POST /orders>", "payload": {"items": 3, "coupon": None}}},
        ]  # fmt: skip

    def event(self, project, issue, timestamp, user):
        rng = self.rng
        event_id = uuid.uuid4().hex
        environment, release = _pick(rng, ENVIRONMENTS), _pick(rng, RELEASES)
        tags = {"browser": _pick(rng, BROWSERS), "os": _pick(rng, SYSTEMS)}
        data, raw, count = self._payload(event_id, timestamp, user, environment, release, tags)
        return Event(
            project=project, issue=issue, event_id=event_id, source=self.source,
            kind="http" if self.http else "error", timestamp=timestamp, received_at=timestamp,
            level=issue.level, platform=self.platform, message=self.title,
            exception_type="" if self.http else self.type, exception_value="" if self.http else self.value,
            frames=self.frames, user=user, environment=environment, release=release, tags=tags,
            fingerprint=self.fingerprint, count=count, digested=True, data=data, raw=raw,
        )  # fmt: skip

    def _payload(self, event_id, timestamp, user, environment, release, tags):
        """(data, raw, count) as the source's format stores them."""
        rng, source = self.rng, self.source
        if source == "healthguard":
            raw = {
                "eventId": event_id, "type": "http" if self.http else "error", "platform": "web",
                "timestamp": int(timestamp.timestamp() * 1000), "userId": user, "environment": environment,
                "release": release, "message": self.title, "errorType": self.type, "fingerprint": self.fingerprint,
            }  # fmt: skip
            stack = "" if self.http else f"{self.title}\n    at {self.frames[-1]['function']} ({self.culprit})"
            return {"stack": stack} if stack else {}, raw, 1
        if source == "periskop":
            # A Go debug.Stack(): the function line, then its file:line indented by a tab.
            stacktrace = [
                line for f in self.frames for line in (f"{f['function']}()", f"\t{f['filename']}:{f['lineno']}")
            ]
            error = {"class": self.type, "message": self.value, "stacktrace": stacktrace}
            http = {"request_method": "POST", "request_url": "http://gateway/charge",
                    "request_headers": {"Content-Type": "application/json"}}  # fmt: skip
            data = {"aggregation_key": f"{self.type}@{self.fingerprint[-8:]}", "error": error, "http_context": http,
                    "severity": "error"}  # fmt: skip
            return data, {"error": error, "uuid": event_id, "http_context": http}, rng.randint(1, 20)
        if source == "eventsum":
            raw_data = {"message": self.value, "frames": self.frames}
            data = {"event_name": self.type, "event_type": "python", "event_data": {"message": self.value,
                    "raw_data": raw_data}, "generic_data_hash": self.fingerprint[-16:]}  # fmt: skip
            return data, {"service": "billing", "name": self.type, "data": data["event_data"]}, 1
        exception = {"type": self.type, "value": self.value, "stacktrace": {"frames": self.frames}}
        sentry_event = {
            "event_id": event_id, "timestamp": timestamp.isoformat(), "platform": self.platform, "level": "error",
            "environment": environment, "release": release, "tags": tags,
            "user": {"id": user, "ip_address": "10.0.0.1"}, "exception": {"values": [exception]},
        }  # fmt: skip
        data = {
            "request": {"method": "POST", "url": "https://shop.example/orders",
                        "headers": {"User-Agent": tags["browser"], "Content-Type": "application/json"}},
            "contexts": {"os": {"name": tags["os"]}, "runtime": {"name": "CPython", "version": "3.12.4"}},
            "breadcrumbs": [
                {"timestamp": timestamp.isoformat(), "category": "http", "level": "info",
                 "message": "GET /cart", "data": {"status_code": 200}},
                {"timestamp": timestamp.isoformat(), "category": "query", "level": "info",
                 "message": "SELECT * FROM orders WHERE id = %s"},
            ],
            "user": {"id": user, "ip_address": "10.0.0.1"},
            "sdk": {"name": "sentry.python", "version": "2.75.0"},
        }  # fmt: skip
        if source != "sentry":
            data.update(issue_title=self.title, issue_culprit=self.culprit, issue_level="error")
        return data, sentry_event, 1


class Command(BaseCommand):
    help = "Load demo issues and events of every source (for the console and its benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--issues", type=int, default=1000)
        parser.add_argument("--events", type=int, default=10000)
        parser.add_argument("--days", type=int, default=14, help="how far back issues were first seen")
        parser.add_argument("--seed", type=int, default=None, help="random seed, for repeatable data")
        parser.add_argument("--batch", type=int, default=2000, help="rows per INSERT")

    def handle(self, *args, issues, events, days, seed, batch, **options):
        if issues < 1 or events < issues:
            raise CommandError("--issues must be at least 1 and --events at least --issues (one event each)")
        rng = random.Random(seed)
        now = timezone.now()
        projects = [self._project(spec) for spec in PROJECTS]
        per_issue = self._event_counts(rng, issues, events)
        progress = tqdm(total=events, unit="event", desc="seeding", disable=options["verbosity"] == 0)
        made = 0
        for offset in range(0, issues, batch):
            chunk = per_issue[offset : offset + batch]
            with transaction.atomic():
                made += self._chunk(rng, projects, chunk, offset, now, days, progress)
        progress.close()
        self.stdout.write(f"seeded {issues} issues and {made} events in {len(projects)} demo projects")

    def _project(self, spec):
        slug, name, platform, _, _ = spec
        project, _ = Project.objects.get_or_create(slug=slug, defaults={"name": name, "platform": platform,
                                                                        "app_key": f"{platform}_{slug}"})  # fmt: skip
        for environment in ENVIRONMENTS:
            Environment.objects.get_or_create(project=project, name=environment)
        project.spec = spec
        project.default_group_id = EventGroup.objects.get(project=project, name=DEFAULT_GROUP_NAME).id
        return project

    @staticmethod
    def _event_counts(rng, issues, events):
        """One event each, the rest on a long tail."""
        weights = [rng.paretovariate(1.1) for _ in range(issues)]
        scale = (events - issues) / sum(weights)
        counts = [1 + int(w * scale) for w in weights]
        for i in range(events - sum(counts)):
            counts[i % issues] += 1
        return counts

    def _chunk(self, rng, projects, counts, offset, now, days, progress):
        samples, issues = [], []
        for number, count in enumerate(counts, start=offset + 1):
            project = _pick(rng, projects)
            source, platform = project.spec[3], project.spec[4]
            sample = Sample(rng, source, platform, number)
            first_seen = now - timedelta(seconds=rng.uniform(0, days * 86400))
            recent = rng.random() < 0.4
            last_seen = now - timedelta(seconds=rng.uniform(0, 86400)) if recent else None
            if last_seen is None or last_seen < first_seen:
                last_seen = first_seen + (now - first_seen) * rng.random()
            status = rng.choices(["unresolved", "resolved", "ignored"], [80, 12, 8])[0]
            issues.append(
                Issue(
                    project=project,
                    fingerprint=sample.fingerprint,
                    title=sample.title,
                    culprit=sample.culprit,
                    level=rng.choices(["error", "fatal", "warning"], [80, 5, 15])[0],
                    source=source,
                    error_type=sample.type,
                    status=status,
                    first_seen=first_seen,
                    last_seen=last_seen,
                    event_count=0,
                    group_id=project.default_group_id,
                    platform_distribution={platform: count},
                    first_release=RELEASES[0],
                    last_release=_pick(rng, RELEASES),
                    resolved_at=now if status == "resolved" else None,
                )
            )
            samples.append((sample, count))
        Issue.objects.bulk_create(issues)
        rows, buckets, tags, issue_users, activities = [], [], [], [], []
        users = [f"user-{n}" for n in range(500)]
        for issue, (sample, count) in zip(issues, samples, strict=True):
            span = (issue.last_seen - issue.first_seen).total_seconds()
            events = [
                sample.event(issue.project, issue, at, _pick(rng, users))
                for at in [issue.last_seen]
                + [issue.first_seen + timedelta(seconds=span * rng.random() ** 0.5) for _ in range(count - 1)]
            ]
            rows += events
            # The digest's own counting: counters, buckets, tags, users and priority as it keeps them.
            tally = lifecycle.tally(events)
            issue.event_count, issue.users_affected, issue.priority = tally.count, len(tally.users), tally.priority
            buckets += [IssueBucket(issue=issue, start=start, count=n) for start, n in tally.buckets.items()]
            tags += [IssueTag(issue=issue, key=k, value=v, count=n) for (k, v), n in tally.tags.items()]
            issue_users += [IssueUser(issue=issue, user_key=key) for key in tally.users]
            # Substatus as the lifecycle sets it: none once triaged, new for a week, then ongoing.
            fresh = issue.first_seen > now - lifecycle.NEW_FOR
            issue.substatus = "" if issue.status != "unresolved" else "new" if fresh else "ongoing"
            first = IssueActivity(issue=issue, kind=IssueActivity.Kind.FIRST_SEEN, created_at=issue.first_seen)
            activities.append(first)
            if issue.status != "unresolved":
                activities.append(IssueActivity(issue=issue, kind=issue.status, created_at=issue.last_seen))
            elif rng.random() < 0.05:
                issue.substatus = rng.choice(["regressed", "escalating"])
                detail = {"event_id": events[0].event_id}
                activities.append(
                    IssueActivity(issue=issue, kind=issue.substatus, detail=detail, created_at=issue.last_seen)
                )
            if len(rows) >= 2000:
                Event.objects.bulk_create(rows)
                progress.update(len(rows))
                rows = []
        Event.objects.bulk_create(rows)
        progress.update(len(rows))
        Issue.objects.bulk_update(issues, ["event_count", "users_affected", "priority", "substatus"], batch_size=2000)
        IssueBucket.objects.bulk_create(buckets, batch_size=5000)
        IssueTag.objects.bulk_create(tags, batch_size=5000)
        IssueUser.objects.bulk_create(issue_users, batch_size=5000)
        IssueActivity.objects.bulk_create(activities, batch_size=5000)
        return sum(count for _, count in samples)
