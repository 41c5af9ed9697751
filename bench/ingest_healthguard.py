#!/usr/bin/env python3
"""Load a running errorhub with HealthGuard batches and measure ingest and digest.

    python bench/ingest_healthguard.py --url http://127.0.0.1:8000 --batches 400 --concurrency 8

Registers a throwaway user and app, posts N batches of E events from C threads, prints
accepted events/s (the accept path: one durable insert per request), then polls the
user's /api/issues until every event is counted and prints how long the digest took.
Only talks to the URL given; meant for localhost.
"""

import argparse
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

FINGERPRINTS = 20


def make_batch(app_key, batch_number, size):
    now = int(time.time() * 1000)
    events = []
    for i in range(size):
        n = batch_number * size + i
        events.append(
            {
                "eventId": f"bench-{batch_number}-{i}-{uuid.uuid4().hex[:8]}",
                "appKey": app_key,
                "platform": "web",
                "type": "error",
                "timestamp": now,
                "sessionId": f"session-{batch_number}",
                "anonymousId": f"anon-{n % 500}",
                "sdkVersion": "0.1.0",
                "errorType": "js",
                "message": f"Cannot read property 'x{n % FINGERPRINTS}' of undefined",
                "stack": "TypeError: ...\n    at render (app.js:10:5)",
                "fingerprint": f"js:bench{n % FINGERPRINTS}",
                "breadcrumbs": [],
            }
        )
    return json.dumps({"appKey": app_key, "events": events})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--batches", type=int, default=400)
    parser.add_argument("--events-per-batch", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--digest-timeout", type=float, default=300)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    session = requests.Session()
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    token = session.post(f"{args.url}/api/auth/register", json={"email": email, "password": "bench-password"}).json()[
        "token"
    ]
    auth = {"Authorization": f"Bearer {token}"}
    app_key = session.post(f"{args.url}/api/apps", json={"name": "bench", "type": "web"}, headers=auth).json()["app"][
        "appKey"
    ]
    bodies = [make_batch(app_key, b, args.events_per_batch) for b in range(args.batches)]
    total = args.batches * args.events_per_batch

    def post(body):
        sent = time.perf_counter()
        response = requests.post(
            f"{args.url}/api/events/batch", data=body, headers={"Content-Type": "application/json"}, timeout=60
        )
        return response.status_code, time.perf_counter() - sent

    started = time.monotonic()
    with ThreadPoolExecutor(args.concurrency) as pool:
        results = list(pool.map(post, bodies))
    accept_seconds = time.monotonic() - started
    failed = sum(1 for status, _ in results if status != 202)
    latencies = sorted(seconds * 1000 for _, seconds in results)
    percentiles = {
        f"p{p}": round(latencies[min(len(latencies) - 1, len(latencies) * p // 100)], 1) for p in (50, 95, 99)
    }
    print(f"posted {args.batches} batches x {args.events_per_batch} events at concurrency {args.concurrency}")
    print(f"accept: {total} events in {accept_seconds:.2f}s = {total / accept_seconds:.0f} events/s, {failed} failed")
    print("latency per batch (ms): " + ", ".join(f"{name} {value}" for name, value in percentiles.items()))

    while True:
        issues = session.get(f"{args.url}/api/issues", params={"appKey": app_key}, headers=auth).json()["issues"]
        counted = sum(issue["eventCount"] for issue in issues)
        elapsed = time.monotonic() - started
        if counted >= total or elapsed > args.digest_timeout:
            break
        time.sleep(0.2)
    print(f"digested: {counted}/{total} events counted {elapsed:.2f}s after the first post")
    if args.json:
        result = {
            "events": total,
            "failed_batches": failed,
            "accepted_per_s": round((total - failed * args.events_per_batch) / accept_seconds, 1),
            "latency_ms": percentiles,
            "digested": counted,
            "all_digested_after_start_s": round(elapsed, 2) if counted >= total else None,
        }
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)


if __name__ == "__main__":
    main()
