"""A small client for the Kapacitor v1 task API (there is no maintained Python one)."""

import requests
from django.conf import settings

PAGE_SIZE = 100  # Kapacitor's default limit; the original's import stopped after this first page.


class KapacitorError(Exception):
    """Kapacitor refused a request; `message` is its own `error` text when it sent one."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        self.status = status

    @property
    def transient(self):
        """Unreachable, slow or a 5xx: worth retrying. A 4xx will fail the same way again."""
        return self.status is None or self.status >= 500


class KapacitorNotConfigured(KapacitorError):
    pass


class KapacitorClient:
    def __init__(self, base_url=None, timeout=None):
        self.base_url = (settings.KAPACITOR_URL if base_url is None else base_url).rstrip("/")
        self.timeout = settings.KAPACITOR_TIMEOUT_SECONDS if timeout is None else timeout
        if not self.base_url:
            raise KapacitorNotConfigured("KAPACITOR_URL is not set")

    def request(self, method, path, expected, **kwargs):
        url = f"{self.base_url}/kapacitor/v1{path}"
        try:
            response = requests.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise KapacitorError(f"Kapacitor at {self.base_url} is unreachable: {exc.__class__.__name__}") from exc
        if response.status_code not in expected:
            raise KapacitorError(error_message(response), response.status_code)
        return response

    def read(self, response, key):
        """One field of a JSON answer; anything else (a proxy's HTML page, ...) is a transient error."""
        try:
            return response.json()[key]
        except (ValueError, KeyError, TypeError):
            raise KapacitorError(f"Kapacitor sent an unreadable answer: {response.text[:200]}", 502) from None

    def create_task(self, task):
        """Create; False when Kapacitor already has a task with this id."""
        try:
            self.request("POST", "/tasks", (200,), json=task)
        except KapacitorError as exc:
            if exc.status == 400 and "already exists" in exc.message:
                return False
            raise
        return True

    def update_task(self, task_id, task):
        """Update in place (PATCH); False when Kapacitor has no such task."""
        try:
            self.request("PATCH", f"/tasks/{task_id}", (200,), json=task)
        except KapacitorError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def delete_task(self, task_id):
        """Idempotent: Kapacitor answers 204 for a task that does not exist."""
        self.request("DELETE", f"/tasks/{task_id}", (204,))

    def tasks(self, fields=("vars", "script", "status")):
        """Every task, page by page; scripts raw, as we wrote them."""
        offset = 0
        while True:
            params = {"offset": offset, "limit": PAGE_SIZE, "script-format": "raw", "fields": list(fields)}
            page = self.read(self.request("GET", "/tasks", (200,), params=params), "tasks")
            yield from page
            if len(page) < PAGE_SIZE:
                return
            offset += len(page)

    def alert_topics(self, pattern):
        return self.read(self.request("GET", "/alerts/topics", (200,), params={"pattern": pattern}), "topics")


def error_message(response):
    """Kapacitor's `error` field (1.6+ repeats it as `message`; only `error` is read)."""
    try:
        message = response.json().get("error")
    except (ValueError, AttributeError):
        message = None
    return message or f"Kapacitor answered {response.status_code}: {response.text[:200]}"
