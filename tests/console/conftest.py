"""A real browser (Debian's chromium, driven by Playwright) on the console served by gunicorn."""

import os
import shutil
from pathlib import Path

import pytest

from tests.support.needs import missing

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "console-password"


def chromium_path():
    return shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        missing("the browser tests need Debian's chromium (`make test` installs it under CI=true)")
    # Playwright's sync API keeps an asyncio loop on this thread; Django's ORM, used by the
    # same test to arrange and check data, refuses to run beside one unless told it is safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where chromium's sandbox cannot start.
        launched = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


def screenshot(page, name):
    """Written on every run, for a person to look at the layout (test-artifacts/ is not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def log_in(page, server, email, password=PASSWORD):
    """Through the admin's own login form, as a person would."""
    page.goto(f"{server}/admin/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{server}/admin/")
