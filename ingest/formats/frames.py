"""Stack frames every format shares: in-app by path, the culprit, and JavaScript stack strings.

Frames are dicts (filename, function, lineno, colno, module, in_app, ...), innermost last as
Sentry orders them.
"""

import re

# Paths of code the app did not write: Python's standard library and installed packages,
# Go's module cache and standard library, npm packages.
LIBRARY_PATHS = (
    "site-packages/", "dist-packages/", "/lib/python", "<frozen ", "/go/pkg/mod/", "/usr/local/go/src/",
    "node_modules/",
)  # fmt: skip
# Node's own modules, the engines' placeholders, and browser extensions (they inject scripts
# into every page; their errors are not the app's).
NOT_APP_PREFIXES = (
    "node:", "internal/", "<anonymous>", "[native code]", "native", "chrome-extension://", "moz-extension://",
    "safari-extension://", "safari-web-extension://",
)  # fmt: skip

# V8 (Chrome, Node, Edge): `    at fn (url:line:col)`, `    at url:line:col`, `at async fn (...)`.
_V8_FRAME = re.compile(
    r"^\s*at (?:(?P<function>.+?) \((?P<url>.+?):(?P<line>\d+):(?P<col>\d+)\)"
    r"|(?P<bare>.+?):(?P<bline>\d+):(?P<bcol>\d+))\s*$"
)
# SpiderMonkey and JavaScriptCore (Firefox, Safari): `fn@url:line:col`, `@url:line:col`.
_GECKO_FRAME = re.compile(r"^\s*(?P<function>[^@]*)@(?P<url>.+?):(?P<line>\d+)(?::(?P<col>\d+))?\s*$")


def in_app_path(path):
    """Whether a frame's file is the app's own code, judged by its path alone."""
    path = path.replace("\\", "/") if isinstance(path, str) else ""
    return bool(path) and not any(part in path for part in LIBRARY_PATHS) and not path.startswith(NOT_APP_PREFIXES)


def crash_location(frames):
    """Sentry's generated culprit: the innermost in-app frame (else the innermost), as "module in function"."""
    in_app = [f for f in frames if f.get("in_app")] or frames
    if not in_app:
        return ""
    crash = in_app[-1]
    location = str(crash.get("module") or crash.get("filename") or "")
    return f"{location} in {crash.get('function') or '?'}"[:500]


def javascript_frames(stack):
    """Frames (innermost last) from an Error's `stack` string; lines that are no frame are skipped."""
    frames = []
    for line in (stack or "").splitlines():
        v8 = _V8_FRAME.match(line)
        if v8:
            url = v8["url"] or v8["bare"]
            function, lineno, colno = v8["function"], v8["line"] or v8["bline"], v8["col"] or v8["bcol"]
        else:
            gecko = _GECKO_FRAME.match(line)
            if not gecko:
                continue
            url, function, lineno, colno = gecko["url"], gecko["function"], gecko["line"], gecko["col"]
        frame = {"filename": url, "function": (function or "").strip() or "?", "lineno": int(lineno)}
        if colno:
            frame["colno"] = int(colno)
        frame["in_app"] = in_app_path(url)
        frames.append(frame)
    frames.reverse()
    return frames
