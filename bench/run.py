#!/usr/bin/env python3
"""`make bench`: errorhub in its production shape under load, beside a no-op ceiling.

Starts, on this machine: a fresh PostgreSQL database of its own (--database), a Redis
database of its own (--redis-url, flushed), one Celery worker of concurrency 2 and gunicorn
exactly as the Procfile's `web` line runs it, on a free port. Then, one after another:

  1. the no-op ceiling: bench/loadgen.py against a view that only reads the body
     (bench/urls.py, same gunicorn, same middleware), at each --concurrency;
  2. errorhub: bench/loadgen.py, --count Sentry envelopes at each --concurrency, waiting
     until every accepted event is grouped (has its issue);
  3. the HealthGuard bench (bench/ingest_healthguard.py).

With --against REV, the commit REV (a git worktree) and this checkout in alternating runs,
--rounds of each, then the means of each: the machine's speed drifts between runs minutes
apart, so only alternating runs compare a change.

With --embedded, the embedded default instead (SQLite, no broker, no worker), twice: with
the digest in each web process's background thread, and inside each request as it was
(ERRORHUB_DIGEST_IN_REQUEST=true), side by side with the same no-op ceiling.

Prints accepted events/s, latency p50/p95/p99, the time from the first request until every
accepted event was grouped, and the peak RSS of all errorhub processes (gunicorn master and
workers, the Celery worker and its children), then stops everything it started.

    make bench                                   # 10,000 envelopes at concurrency 8 and 32
    make bench BENCH_ARGS="--count 300 --healthguard-batches 20"   # a quick smoke run
    make bench BENCH_ARGS="--embedded --concurrency 8"             # the laptop install
    make bench BENCH_ARGS="--against REV --concurrency 8"          # REV and this checkout, alternating
"""

import argparse
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))


def procfile(name, code=ROOT):
    for line in (code / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit(f"Procfile has no {name} line")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database(server_url, name):
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url}/{name}"


class Services:
    """The errorhub processes this run started; stopped (by their pids) however the run ends."""

    def __init__(self, env, logs, code):
        self.env, self.logs, self.code, self.processes = env, logs, code, {}

    def start(self, name, command):
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115  (written while the process runs)
        # `exec`: the pid is the server's own, not a shell's, so its process tree is errorhub's.
        self.processes[name] = subprocess.Popen(
            f"exec {command}", shell=True, cwd=self.code, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def pids(self):
        return [process.pid for process in self.processes.values()]

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_for(url, services, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if any(p.poll() is not None for p in services.processes.values()):
            break
        time.sleep(0.2)
    raise SystemExit(f"errorhub did not start; see the logs in {services.logs}")


def sentry_project(base):
    """A user and a project through errorhub's own API; returns the project's DSN."""
    session = requests.Session()
    email = f"bench-{os.getpid()}@example.com"
    token = session.post(f"{base}/api/auth/register", json={"email": email, "password": "bench-password"}).json()
    session.headers["Authorization"] = f"Bearer {token['token']}"
    project = session.post(f"{base}/api/v1/projects/", json={"name": "bench", "platform": "python"}).json()
    return project["dsn"], project["id"]


def process_tree(roots):
    """The pids of `roots` and all their descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat[stat.rindex(")") + 2 :].split()[1]), []).append(int(entry))
    tree, stack = set(), list(roots)
    while stack:
        pid = stack.pop()
        if pid not in tree:
            tree.add(pid)
            stack.extend(children.get(pid, []))
    return tree


def memory_kib(pids):
    """(summed RSS, summed PSS) of `pids`: RSS counts a page shared by forked processes once
    per process; PSS splits it between them, so its sum is what they take together."""
    rss = pss = 0
    for pid in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        for line in rollup:
            name, _, value = line.partition(":")
            if name == "Rss":
                rss += int(value.split()[0])
            elif name == "Pss":
                pss += int(value.split()[0])
    return rss, pss


def cpu_seconds(pids):
    """User + system CPU time the processes `pids` and their exited children have used so far
    (a PostgreSQL backend that exits adds its time to the postmaster's children's)."""
    ticks = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks += sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def database_pids():
    """PostgreSQL's and Redis's processes: their CPU is spent on errorhub's behalf too."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                name = Path(f"/proc/{entry}/comm").read_text().strip()
            except OSError:
                continue
            if name.startswith(("postgres", "redis-server")):
                pids.append(int(entry))
    return pids


def cpu_by_part(services):
    parts = {name: cpu_seconds(process_tree([process.pid])) for name, process in services.processes.items()}
    parts["postgres+redis"] = cpu_seconds(database_pids())
    return parts


class MemorySampler(threading.Thread):
    """Peak summed RSS and PSS of errorhub's process trees, every quarter second."""

    def __init__(self, roots):
        super().__init__(daemon=True)
        self.roots, self.peak_rss, self.peak_pss, self.halt = roots, 0, 0, threading.Event()

    def run(self):
        while not self.halt.is_set():
            rss, pss = memory_kib(process_tree(self.roots))
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.halt.wait(0.25)

    def stop(self):
        self.halt.set()
        self.join()


SEED_ISSUES = """
INSERT INTO issues_issue (project_id, fingerprint, title, culprit, message, level, source, error_type, status,
    substatus, first_seen, last_seen, event_count, users_affected, priority, platform_distribution, status_details,
    first_release, last_release)
SELECT %(project)s, 'seed-' || g, 'SeedError: seeded issue ' || g, 'app/seed.py in handler_' || g,
    'seeded issue ' || g, 'error', 'sentry', 'SeedError', 'unresolved', 'ongoing', now() - interval '2 days',
    now() - (g %% 2880) * interval '1 minute', 0, 0, 0, '{"python": 1}', '{}', 'shop@1.0', 'shop@1.0'
FROM generate_series(1, %(issues)s) AS g
"""
# Events of about 1.3 KB of JSON each, spread over the seeded issues and the last two days.
SEED_EVENTS = """
INSERT INTO issues_event (project_id, issue_id, event_id, source, kind, timestamp, received_at, level, platform,
    message, exception_type, exception_value, frames, "user", environment, release, tags, fingerprint, count,
    groupable, digested, digest_error, data, raw)
SELECT %(project)s, first.id + g %% %(issues)s, md5(g::text), 'sentry', 'error', at, at, 'error', 'python',
    'seeded event', 'SeedError', 'seeded event ' || g, %(frames)s::jsonb, 'user-' || g %% 5000, 'production',
    'shop@1.0', '{"browser": "Chrome 120"}', 'seed-' || (1 + g %% %(issues)s), 1, true, true, '',
    %(data)s::jsonb, %(data)s::jsonb
FROM generate_series(1, %(events)s) AS g,
    LATERAL (SELECT now() - (g %% 172800) * interval '1 second' AS at) AS moment,
    (SELECT min(id) AS id FROM issues_issue WHERE project_id = %(project)s) AS first
"""


def seed(database_url, project_id, events, issues):
    """Stores `issues` issues and `events` events in the bench's project before the run, with
    SQL: the tables and their indexes at the size the run should be measured at. Returns the
    last seeded event's id. VACUUM, as a database that grew over months would be, so that no
    autovacuum of the fresh rows runs during the measurement."""
    frame = {
        "filename": "app/seed.py",
        "function": "handler",
        "lineno": 10,
        "in_app": True,
        "context_line": "    raise SeedError(value)",
        "pre_context": ["def handler():"],
        "vars": {"n": "1"},
    }
    params = {
        "project": project_id,
        "issues": issues,
        "events": events,
        "frames": json.dumps([frame] * 5),
        "data": json.dumps({"exceptions": [{"type": "SeedError", "frames": [frame] * 3}], "title": "seed"}),
    }
    started = time.monotonic()
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(SEED_ISSUES, params)
        if events:
            connection.execute(SEED_EVENTS, params)
        connection.execute("VACUUM ANALYZE")
        last_id = connection.execute("SELECT coalesce(max(id), 0) FROM issues_event").fetchone()[0]
    print(f"seeded {issues:,} issues and {events:,} events in {time.monotonic() - started:.0f} s", flush=True)
    return last_id


def measured(command, services, json_path):
    """Runs one load phase; its results, with the peak memory of errorhub's processes during it."""
    sampler = MemorySampler(services.pids())
    cpu_before, children_before = cpu_by_part(services), os.times()
    sampler.start()
    try:
        subprocess.run(command, cwd=ROOT, check=False)
    finally:
        sampler.stop()
    cpu_after, children_after = cpu_by_part(services), os.times()
    result = json.loads(Path(json_path).read_text())
    # Where the cores went during the phase, in CPU seconds (the load generator included).
    result["cpu_s"] = {part: round(cpu_after[part] - cpu_before.get(part, 0), 2) for part in cpu_after}
    result["cpu_s"]["load generator"] = round(
        children_after.children_user + children_after.children_system
        - children_before.children_user - children_before.children_system, 2
    )  # fmt: skip
    result["peak_rss_mib"] = round(sampler.peak_rss / 1024, 1)
    result["peak_pss_mib"] = round(sampler.peak_pss / 1024, 1)
    return result


def loadgen(args, dsn, concurrency, json_path, visibility=()):
    command = [
        sys.executable, str(ROOT / "bench" / "loadgen.py"), "--dsn", dsn, "--count", str(args.count),
        "--concurrency", str(concurrency), "--error-types", "50", "--json", json_path, *visibility,
    ]  # fmt: skip
    return command


def row(phase, label, accepted_per_s, latency, grouped_after, measured_run, ceiling=None):
    """One phase's figures; `phase` names it alike in every run, for the means of --against."""
    return {
        "phase": phase, "label": label, "accepted": accepted_per_s,
        "share": accepted_per_s / ceiling if ceiling else None,
        "latency": [latency[p] for p in ("p50", "p95", "p99")], "grouped": grouped_after,
        "memory": [measured_run["peak_rss_mib"], measured_run["peak_pss_mib"]], "cpu": measured_run["cpu_s"],
    }  # fmt: skip


def table_line(figures):
    share = "—" if figures["share"] is None else f"{figures['share']:.0%}"
    grouped = "—" if figures["grouped"] is None else f"{figures['grouped']:.1f} s"
    memory = " / ".join(f"{mib:.0f}" for mib in figures["memory"]) + " MiB"
    latencies = " / ".join(f"{ms:.1f}" for ms in figures["latency"])
    cpu = ", ".join(f"{part} {seconds:.1f}" for part, seconds in figures["cpu"].items())
    return f"| {figures['label']} | {figures['accepted']:,.0f} | {share} | {latencies} | {grouped} | {memory} | {cpu} |"


def means(runs):
    """The figures of several runs of one phase, averaged (None where a run has none)."""

    def mean(values):
        values = [value for value in values if value is not None]
        return sum(values) / len(values) if values else None

    first = runs[0]
    return {
        "phase": first["phase"], "label": f"{first['phase']}, mean of {len(runs)}",
        "accepted": mean([run["accepted"] for run in runs]), "share": mean([run["share"] for run in runs]),
        "latency": [mean(values) for values in zip(*(run["latency"] for run in runs), strict=True)],
        "grouped": mean([run["grouped"] for run in runs]),
        "memory": [mean(values) for values in zip(*(run["memory"] for run in runs), strict=True)],
        "cpu": {part: mean([run["cpu"].get(part) for run in runs]) for part in first["cpu"]},
    }  # fmt: skip


TABLE_HEAD = (
    "| run | accepted ev/s | of the no-op | p50 / p95 / p99 ms | all grouped after start | peak RSS / PSS "
    "| CPU seconds |\n|---|---|---|---|---|---|---|"
)


class Shape:
    """One way of running errorhub: its environment, whether it has a worker, how to count grouped events."""

    def __init__(self, name, env, worker, grouped_count):
        self.name, self.env, self.worker, self.grouped_count = name, env, worker, grouped_count


def shapes(args, logs, base_env):
    if not args.embedded:
        database_url = fresh_database(args.postgres, args.database)
        redis.Redis.from_url(args.redis_url).flushdb()
        env = {**base_env, "DATABASE_URL": database_url.replace("postgresql://", "postgres://")}
        env["CELERY_BROKER_URL"] = args.redis_url

        def psql(sql):
            return ["--visibility-cmd", f"psql -tAc {shlex.quote(sql)} {shlex.quote(database_url)}"]

        workers = "a worker" if args.workers == 1 else f"{args.workers} workers"
        yield Shape(f"PostgreSQL + Redis, {workers} of concurrency 2", env, True, psql)
        return
    # The embedded default (SQLite, no broker), with its digest where it is and where it was.
    for name, in_request in (("background digest thread", "false"), ("digest inside the request", "true")):
        data = logs / f"data-{in_request}"
        env = {**base_env, "ERRORHUB_DATA_DIR": str(data), "ERRORHUB_DIGEST_IN_REQUEST": in_request}

        def sqlite(sql, data=data):
            return ["--visibility-sqlite", str(data / "errorhub.sqlite3"), "--visibility-sql", sql]

        yield Shape(f"embedded SQLite, {name}", env, False, sqlite)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000, help="envelopes per loadgen run")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--healthguard-batches", type=int, default=1000, help="of 10 events, at concurrency 8")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432", help="server URL, no database")
    parser.add_argument("--database", default="errorhub_bench", help="dropped and created afresh")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12", help="a Redis database of its own")
    parser.add_argument("--web-concurrency", help="gunicorn workers (default: the Procfile's)")
    parser.add_argument("--workers", type=int, default=1, help="Celery worker processes, of concurrency 2 each")
    parser.add_argument("--stored-events", type=int, default=0, help="events stored before the run (PostgreSQL)")
    parser.add_argument("--stored-issues", type=int, default=0, help="issues stored before the run (PostgreSQL)")
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="the embedded default instead (SQLite, no broker), digest in a thread and in the request",
    )
    parser.add_argument("--against", metavar="REV", help="also run the commit REV (a git worktree), alternating")
    parser.add_argument("--rounds", type=int, default=4, help="with --against: runs of each checkout")
    args = parser.parse_args()

    logs = Path(tempfile.mkdtemp(prefix="errorhub-bench-"))
    base_env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL", "KAPACITOR_URL")
    }
    base_env.update(
        PATH=f"{BIN}{os.pathsep}{base_env.get('PATH', '')}",
        # settings refuse a short key with DATABASE_URL set; a fresh one per run is enough here.
        SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SETTINGS_MODULE="bench.settings",
        ERRORHUB_DATA_DIR=str(logs / "data"),
        LOG_LEVEL="WARNING",
    )
    if args.web_concurrency:
        base_env["WEB_CONCURRENCY"] = args.web_concurrency

    if not args.against:
        print(f"\n{TABLE_HEAD}\n" + "\n".join(table_line(figures) for figures in run_all(args, logs, base_env, ROOT)))
        print(f"\n{args.count} envelopes per run; raw results in {logs}")
        return
    against = logs / "against"
    subprocess.run(["git", "worktree", "add", "--detach", str(against), args.against], cwd=ROOT, check=True)
    try:
        compare(args, logs, base_env, {"this checkout": ROOT, args.against: against})
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(against)], cwd=ROOT, check=False)


def run_all(args, logs, base_env, code):
    """Every shape and phase once, errorhub being the checkout `code`; the rows."""
    rows, ceilings = [], {}
    for shape in shapes(args, logs, base_env):
        rows += run_shape(args, logs, shape, ceilings, code)
    return rows


def compare(args, logs, base_env, trees):
    """--against: the two checkouts in alternating runs, each first in every other round (the
    machine's speed drifts between runs minutes apart), then the means of each tree's runs."""
    names = list(trees)
    runs = {name: [] for name in names}
    for number in range(args.rounds):
        for name in names if number % 2 == 0 else names[::-1]:
            run_logs = logs / f"round-{number}-{''.join(c if c.isalnum() else '-' for c in name)}"
            run_logs.mkdir()
            rows = run_all(args, run_logs, {**base_env, "ERRORHUB_DATA_DIR": str(run_logs / "data")}, trees[name])
            runs[name].append(rows)
            print(f"\nround {number + 1}, {name}:\n{TABLE_HEAD}\n" + "\n".join(map(table_line, rows)), flush=True)
    print(f"\nmeans of {args.rounds} alternating runs each:\n{TABLE_HEAD}")
    for position in range(len(runs[names[0]][0])):
        for name in names:
            figures = means([rows[position] for rows in runs[name]])
            print(table_line({**figures, "label": f"{name}: {figures['label']}"}))
    print(f"\n{args.count} envelopes per run; raw results in {logs}")


def run_shape(args, logs, shape, ceilings, code):
    """Starts errorhub (the checkout `code`) in one shape, runs every phase against it, stops
    it; the table's rows."""
    port = free_port()
    env = {**shape.env, "PORT": str(port)}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=code, env=env, check=True)
    tag = "".join(c if c.isalnum() else "-" for c in shape.name)
    (logs / tag).mkdir()
    services = Services(env, logs / tag, code)
    rows = []
    try:
        if shape.worker:
            # Several workers stand for several machines: they share only PostgreSQL and Redis.
            for n in range(args.workers):
                worker = procfile("worker", code)
                services.start(f"worker-{n}", f"{worker} --concurrency 2 --loglevel warning -n bench{n}@%h")
        services.start("web", procfile("web", code))
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/health", services)
        dsn, project_id = sentry_project(base)
        seeded = 0
        if args.stored_issues and not args.embedded:
            seeded = seed(shape.env["DATABASE_URL"].replace("postgres://", "postgresql://"), project_id,
                          args.stored_events, args.stored_issues)  # fmt: skip
        # Past the seeded rows on the primary key: counting 10 M seeded rows at every poll was
        # most of PostgreSQL's CPU in the run it measured.
        grouped = shape.grouped_count(
            f"SELECT count(*) FROM issues_event WHERE id > {seeded} AND issue_id IS NOT NULL"
            f" AND project_id = {project_id}"
        )
        print(f"{shape.name} ({code}): {base}, web `{procfile('web', code)}`; logs in {logs / tag}", flush=True)
        if not ceilings:
            # The same no-op view in the first shape's server: the ceiling for every shape.
            noop_dsn = dsn.rsplit("/", 1)[0] + f"/noop/{project_id}"
            for concurrency in args.concurrency:
                out = str(logs / f"noop-c{concurrency}.json")
                noop = measured(loadgen(args, noop_dsn, concurrency, out), services, out)
                ceilings[concurrency] = noop["throughput_accepted_per_s"]
                label = f"no-op view, c={concurrency}"
                rows.append(row(label, label, ceilings[concurrency], noop["latency_ms"], None, noop))
        for concurrency in args.concurrency:
            out = str(logs / f"{tag}-c{concurrency}.json")
            run = measured(loadgen(args, dsn, concurrency, out, grouped), services, out)
            visibility = run.get("visibility", {})
            grouped_after = visibility.get("load_start_to_all_visible_s") if visibility.get("all_visible") else None
            phase = f"{shape.name}: envelopes, c={concurrency}"
            label = f"{phase} ({run['accepted_2xx']} of {run['sent']} accepted)"
            rows.append(
                row(phase, label, run["throughput_accepted_per_s"], run["latency_ms"], grouped_after, run,
                    ceilings[concurrency])
            )  # fmt: skip
        if args.healthguard_batches:
            out = str(logs / f"{tag}-healthguard.json")
            command = [
                sys.executable, str(ROOT / "bench" / "ingest_healthguard.py"), "--url", base,
                "--batches", str(args.healthguard_batches), "--concurrency", "8", "--json", out,
            ]  # fmt: skip
            hg = measured(command, services, out)
            phase = f"{shape.name}: HealthGuard batches of 10, c=8"
            label = f"{phase} ({hg['failed_batches']} failed)"
            rows.append(row(phase, label, hg["accepted_per_s"], hg["latency_ms"], hg["all_digested_after_start_s"], hg))
    finally:
        services.stop()
    return rows


if __name__ == "__main__":
    main()
