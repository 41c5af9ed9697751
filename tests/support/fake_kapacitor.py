"""A fake Kapacitor that speaks the v1 task API over real HTTP, with fault injection.

Kapacitor is not installable here (no PyPI or Debian package), so tests run errorhub's
client against this threaded server on a free local port. It follows the contract of the
Kapacitor v1 task API (influxdata/kapacitor services/task_store): status codes, error
shapes, id rules, list paging, and a TICKscript sanity check standing in for the parser.
"""

import fnmatch
import json
import re
import socket
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

VERSION = "1.8.3-errorhub-fake"
TASK_ID = re.compile(r"^[-._\w]+$", re.ASCII)
DURATION = re.compile(r"^\d+(u|µ|ms|s|m|h|d|w)$")
LEVELS = ("OK", "INFO", "WARNING", "CRITICAL")
TASK_FIELDS = ("template-id", "type", "dbrps", "script", "vars", "dot", "status", "executing", "error", "stats",
               "created", "modified", "last-enabled")  # fmt: skip
VAR_TYPES = {"bool", "int", "float", "string", "regex", "duration", "lambda", "list", "star"}


class HttpError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def refuse(status, message):
    raise HttpError(status, message)


def now():
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def script_problem(script):
    """A stand-in for Kapacitor's TICKscript parser, good enough for the alerts-api scripts."""
    if script.count("'''") % 2:
        return "unterminated triple-quoted string"
    outside = re.sub(r"'''.*?'''", "STRING", script, flags=re.S)
    outside = re.sub(r"'(\\.|[^'\\])*'", "STRING", outside)
    if "'" in outside:
        return "unterminated string literal"
    if outside.count("(") != outside.count(")"):
        return "unbalanced parentheses"
    if re.search(r"(>=|<=|==|!=|>|<)\s*(\)|AND\b|OR\b)", outside):
        return "missing operand after comparison"
    for argument in re.findall(r"\.(?:period|every)\(([^)]*)\)", outside):
        if not DURATION.match(argument.strip()):
            return f"invalid duration {argument!r}"
    return None


def task_type(script):
    roots = set(re.findall(r"^\s*(batch|stream)\b", script, flags=re.M))
    return roots.pop() if len(roots) == 1 else "invalid"


class FakeKapacitor:
    def __init__(self):
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler_class())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.reset()

    # --- test controls -------------------------------------------------------------
    def reset(self):
        with self.lock:
            self.tasks = {}
            self.levels = {}
            self.requests = []
            self.is_down = False
            self.delay = 0.0
            self.forced = {}

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def down(self, is_down=True):
        """While down, every connection is dropped without an answer."""
        self.is_down = is_down

    def slow(self, seconds):
        self.delay = seconds

    def fail_next(self, operation, status=500, error="internal error", body=None):
        """Make the next `operation` (create, update, delete, list, get, topics) answer `status`."""
        self.forced[operation] = (status, body if body is not None else {"error": error, "message": error})

    def set_level(self, task_id, level):
        self.levels[task_id] = level

    def add_task(self, task_id, script, vars, dbrps=None, status="enabled"):
        """Seed a task as if someone created it earlier (no checks)."""
        stamp = now()
        self.tasks[task_id] = {"id": task_id, "script": script, "vars": vars, "status": status,
                               "dbrps": dbrps or [{"db": "opentsdb", "rp": "retention_policy"}],
                               "created": stamp, "modified": stamp, "last-enabled": stamp}  # fmt: skip

    def writes(self):
        return [(method, path) for method, path in self.requests if method in ("POST", "PATCH", "DELETE")]

    # --- the API -------------------------------------------------------------------
    def task_json(self, task, fields=None, listing=False):
        executing = task["status"] == "enabled"
        full = {
            "link": {"rel": "self", "href": f"/kapacitor/v1/tasks/{task['id']}"},
            "id": task["id"],
            "template-id": "",
            "type": task_type(task["script"]),
            "dbrps": task["dbrps"],
            "script": task["script"],
            "vars": task["vars"],
            "dot": f"digraph {task['id']} {{\n}}",
            "status": task["status"],
            "executing": executing,
            "error": "",
            "stats": {"task-stats": {}, "node-stats": {}} if executing else ({} if not listing else None),
            "created": task["created"],
            "modified": task["modified"],
            "last-enabled": task["last-enabled"],
        }
        if listing:
            full.pop("template-id")
        if fields:
            return {key: value for key, value in full.items() if key in ("id", "link", *fields)}
        return full

    def checked_task(self, body, *, partial=False):
        if not isinstance(body, dict):
            raise HttpError(400, "invalid JSON")
        body = {str(key).lower(): value for key, value in body.items()}
        if body.get("type", "batch") not in ("stream", "batch", "invalid") or body.get("status", "enabled") not in (
            "enabled",
            "disabled",
            "",
        ):
            raise HttpError(400, "invalid JSON")
        for name, var in (body.get("vars") or {}).items():
            if not isinstance(var, dict) or var.get("type") not in VAR_TYPES:
                raise HttpError(400, "invalid JSON")
            value = var.get("value")
            if var["type"] == "int" and (not isinstance(value, int) or isinstance(value, bool)):
                raise HttpError(400, "invalid JSON")
            if var["type"] == "string" and not isinstance(value, str):
                kind = "<nil>" if value is None else "json.Number" if isinstance(value, (int, float)) else "?"
                raise HttpError(400, f"invalid var {name}: unsupported Var type {kind}.")
        script = body.get("script") or ""
        if script or not partial:
            if not script:
                raise HttpError(400, "must provide TICKscript")
            problem = script_problem(script)
            if problem:
                raise HttpError(400, f"invalid TICKscript: {problem}")
            if task_type(script) == "invalid":
                raise HttpError(400, "invalid task type: invalid")
        if not partial and not body.get("dbrps") and "dbrp " not in script:
            raise HttpError(400, "must specify dbrp")
        return body

    def create(self, body):
        body = self.checked_task(body)
        task_id = body.get("id") or str(uuid.uuid4())
        if not TASK_ID.match(task_id):
            raise HttpError(400, f"task ID must contain only letters, numbers, '-', '.' and '_'. \"{task_id}\"")
        with self.lock:
            if task_id in self.tasks:
                raise HttpError(400, f"task {task_id} already exists")
            status = body.get("status") if body.get("status") in ("enabled", "disabled") else "disabled"
            self.add_task(task_id, body["script"], body.get("vars") or {}, body.get("dbrps"), status)
            return 200, self.task_json(self.tasks[task_id])

    def update(self, task_id, body):
        body = self.checked_task(body, partial=True)
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None:
                raise HttpError(404, "task does not exist, cannot update")
            for field in ("script", "vars", "dbrps"):
                if body.get(field):
                    task[field] = body[field]
            if body.get("status") in ("enabled", "disabled"):
                task["status"] = body["status"]
            task["modified"] = now()
            new_id = body.get("id")
            if new_id and new_id != task_id:
                task["id"] = new_id
                self.tasks[new_id] = self.tasks.pop(task_id)
            return 200, self.task_json(task)

    def listing(self, query):
        fields = query.get("fields", [])
        unknown = [field for field in fields if field not in TASK_FIELDS]
        if unknown:
            raise HttpError(400, f'unsupported field "{unknown[0]}"')
        numbers = {}
        for name, default in (("offset", 0), ("limit", 100)):
            raw = query.get(name, [str(default)])[0]
            try:
                numbers[name] = int(raw)
            except ValueError:
                raise HttpError(400, f'invalid {name} parameter "{raw}" must be an integer') from None
        for name, allowed in (("script-format", ("formatted", "raw")), ("dot-view", ("attributes", "labels"))):
            value = query.get(name, [allowed[0]])[0]
            if value not in allowed:
                raise HttpError(400, f'invalid {name} parameter "{value}"')
        with self.lock:
            tasks = [self.tasks[task_id] for task_id in sorted(self.tasks)]
            if numbers["limit"] >= 0:
                # Kapacitor's quirk: a negative limit returns everything, ignoring pattern and offset.
                pattern = query.get("pattern", [""])[0]
                matching = [task for task in tasks if not pattern or fnmatch.fnmatchcase(task["id"], pattern)]
                tasks = matching[numbers["offset"] : numbers["offset"] + numbers["limit"]]
            return 200, {"tasks": [self.task_json(task, fields, listing=True) for task in tasks]}

    def topics(self, path, query):
        pattern = query.get("pattern", ["*"])[0]
        with self.lock:
            topics = []
            for task_id, task in sorted(self.tasks.items()):
                if task["status"] != "enabled":
                    continue
                node = "alert2" if task_id.endswith(("-crash", "-release")) else "alert3"
                topic_id = f"main:{task_id}:{node}"
                if fnmatch.fnmatchcase(topic_id, pattern):
                    href = f"/kapacitor/v1/alerts/topics/{topic_id}"
                    topics.append({"link": {"rel": "self", "href": href}, "id": topic_id,
                                   "level": self.levels.get(task_id, "OK"), "collected": 0,
                                   "events-link": {"rel": "events", "href": f"{href}/events"},
                                   "handlers-link": {"rel": "handlers", "href": f"{href}/handlers"}})  # fmt: skip
        return 200, {"link": {"rel": "self", "href": path}, "topics": topics}

    def route(self, method, path, query, body):
        path = path.replace("/kapacitor/v1preview/", "/kapacitor/v1/", 1)
        if path == "/kapacitor/v1/ping" and method in ("GET", "HEAD"):
            return "ping", lambda: (204, None)
        if path == "/kapacitor/v1/tasks" and method == "POST":
            return "create", lambda: self.create(body())
        if path == "/kapacitor/v1/tasks" and method == "GET":
            return "list", lambda: self.listing(query)
        if path == "/kapacitor/v1/alerts/topics" and method == "GET":
            return "topics", lambda: self.topics(path, query)
        if path.startswith("/kapacitor/v1/tasks/"):
            task_id = path.removeprefix("/kapacitor/v1/tasks/")
            if method == "DELETE":
                return "delete", lambda: self.delete(task_id)
            if method == "GET":
                return "get", lambda: self.get(task_id)
            if method == "PATCH":
                return "update", lambda: self.update(task_id, body())
        return "unknown", lambda: refuse(404, "Not Found")

    def delete(self, task_id):
        """Idempotent, as Kapacitor: 204 whether or not the task existed."""
        if not task_id:
            refuse(400, "must specify task id on path")
        with self.lock:
            self.tasks.pop(task_id, None)
        return 204, None

    def get(self, task_id):
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None:
                raise HttpError(404, "no task exists")
            return 200, self.task_json(task)

    def handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_one_request(self):
                try:
                    super().handle_one_request()
                except ConnectionError:
                    self.close_connection = True

            def answer(self):
                if fake.is_down:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if fake.delay:
                    time.sleep(fake.delay)
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                fake.requests.append((self.command, url.path))

                def body():
                    try:
                        return json.loads(raw or b"null")
                    except ValueError:
                        raise HttpError(400, "invalid JSON") from None

                operation, run = fake.route(self.command, url.path, parse_qs(url.query), body)
                forced = fake.forced.pop(operation, None)
                try:
                    status, payload = forced if forced else run()
                except HttpError as exc:
                    status, payload = exc.status, {"error": exc.message, "message": exc.message}
                data = b"" if payload is None else json.dumps(payload, indent=4).encode()
                if isinstance(payload, str):
                    data = payload.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("X-Kapacitor-Version", VERSION)
                self.send_header("Request-Id", str(uuid.uuid4()))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = do_HEAD = answer

        return Handler


@pytest.fixture(scope="session")
def fake_kapacitor_server():
    """One fake Kapacitor for the session (a real Celery worker subprocess talks to it too)."""
    server = FakeKapacitor()
    server.start()
    yield server
    server.stop()
