"""Server time of the console's pages on seeded data (manage.py seed_demo_data).

Logs in through the admin's login form as --email/--password, then requests the issue
stream (plain, with a search query, sorted by priority), the busiest issue's page, one of
its events and the dashboard --repeat times each, and prints the median and slowest time.

    python bench/console_pages.py --url http://127.0.0.1:8000 --email ops@example.com --password ...
"""

import argparse
import re
import statistics
import time

import requests


def log_in(session, url, email, password):
    page = session.get(f"{url}/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{url}/admin/login/?next=/admin/",
        data={"csrfmiddlewaretoken": token, "username": email, "password": password},
        headers={"Referer": f"{url}/admin/login/"},
    )
    answer.raise_for_status()
    if "/admin/login/" in answer.url:
        raise SystemExit("login refused")


def timed(session, url, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        answer = session.get(url)
        times.append(time.perf_counter() - start)
        answer.raise_for_status()
    return statistics.median(times), max(times), answer.text


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    session = requests.Session()
    log_in(session, args.url, args.email, args.password)

    stream = f"{args.url}/admin/issues/issue/"
    pages = [
        ("issue stream", stream),
        ("stream, query is:unresolved level:error browser:\"Chrome 131\"",
         f"{stream}?q=is%3Aunresolved+level%3Aerror+browser%3A%22Chrome+131%22"),
        ("stream sorted by priority", f"{stream}?o=-10"),
        ("stream sorted by events", f"{stream}?o=-6"),
    ]  # fmt: skip
    _, _, by_count = timed(session, f"{stream}?o=-6", 1)
    busiest = re.search(r'href="/admin/issues/issue/(\d+)/change/', by_count).group(1)
    _, _, issue_page = timed(session, f"{stream}{busiest}/change/", 1)
    event = re.search(r'href="/admin/issues/event/(\d+)/change/"', issue_page).group(1)
    pages += [
        (f"issue page (busiest issue, {busiest})", f"{stream}{busiest}/change/"),
        ("event page", f"{args.url}/admin/issues/event/{event}/change/"),
        ("dashboard", f"{args.url}/admin/"),
    ]
    print(f"{'page':<64} {'median':>8} {'slowest':>8}")
    for name, page in pages:
        median, slowest, _ = timed(session, page, args.repeat)
        print(f"{name:<64} {median * 1000:>6.0f}ms {slowest * 1000:>6.0f}ms")


if __name__ == "__main__":
    main()
