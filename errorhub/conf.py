"""Every ERRORHUB_* switch with its default and why; settings.py reads them from the environment."""

DEFAULTS = {
    # Every original accepts ingest from anyone who knows the URL; teams opt into closing it.
    "ERRORHUB_OPEN_INGEST": True,
    # HealthGuard lets anyone register; a private install turns it off.
    "ERRORHUB_OPEN_REGISTRATION": True,
    # Legacy reads (Periskop export, Eventsum search, Sentry collector) are token-protected
    # unless the install sits on a trusted network with unmodified legacy clients.
    "ERRORHUB_OPEN_LEGACY_API": False,
    # HealthGuard sessions last 7 days (SESSION_TTL_MS upstream).
    "ERRORHUB_TOKEN_TTL_DAYS": 7,
    # Largest request body we read (after decompression): Sentry's Relay caps one event at 1 MiB;
    # HealthGuard's 50-event batches stay far below this.
    "ERRORHUB_MAX_BODY_BYTES": 1024 * 1024,
    # Events digested per transaction: large enough to amortize the issue upserts, small
    # enough to keep the write lock short (SQLite has one writer).
    "ERRORHUB_DIGEST_BATCH_SIZE": 200,
    # How long a digest lets events gather before it claims them: a digest per few events paid
    # its ~20 queries each time (bench: 1,136 passes for 3,000 events), one per 100 ms is a
    # batch; grouping waits that much longer.
    "ERRORHUB_DIGEST_GATHER_MS": 100,
    # How long a request may wait on the broker to ask for a digest: Redis answers in well
    # under a millisecond; a broker that does not must not hold ingest (the events are stored).
    "ERRORHUB_BROKER_TIMEOUT_MS": 100,
    # Quotas: events accepted per window, 0 is no limit (no original limits by default). A
    # project's own value wins over the two project defaults; the cap covers all projects.
    "ERRORHUB_PROJECT_EVENTS_PER_MINUTE": 0,
    "ERRORHUB_PROJECT_EVENTS_PER_HOUR": 0,
    "ERRORHUB_INSTALLATION_EVENTS_PER_MINUTE": 0,
    # Without a broker a background thread in each web process digests (ingest.digester);
    # true digests inside each request instead (the tests' in-process client, comparisons).
    "ERRORHUB_DIGEST_IN_REQUEST": False,
    # Days an event, a time bucket and an activity row are kept (GlitchTip's default event
    # life); issues and their counters outlive them. 0 keeps everything forever.
    "ERRORHUB_EVENT_RETENTION_DAYS": 90,
    # Rows one CSV export of the issue or event list streams at most: a spreadsheet's worth,
    # and a bound on how long one request holds a database cursor.
    "ERRORHUB_EXPORT_MAX_ROWS": 10000,
    # Width of a time-series bucket; Eventsum's datapoints and sparklines are sums of these.
    "ERRORHUB_BUCKET_SECONDS": 60,
    # Eventsum's `time_format` (capture timestamps, /search times), as strftime; the original's
    # Go layout "2006-01-02 15:04:05".
    "ERRORHUB_EVENTSUM_TIME_FORMAT": "%Y-%m-%d %H:%M:%S",
    # Eventsum's `time_interval`: the width of /search datapoints, in minutes (its shipped config).
    "ERRORHUB_EVENTSUM_TIME_INTERVAL_MINUTES": 10,
    # Sentry webhook client secret (HMAC-SHA256 of the body); empty accepts unsigned deliveries,
    # as the seed collector did, except status changes, which then need the project key.
    "SENTRY_WEBHOOK_SECRET": "",
    # GlitchTip cannot sign its webhooks; when set, its URL must carry ?token=<this>.
    "GLITCHTIP_WEBHOOK_TOKEN": "",
    # The public base URL in the client settings a project shows (DSN, endpoints); empty builds
    # it from each request, which is wrong only behind a proxy that rewrites the host.
    "ERRORHUB_BASE_URL": "",
    # Off by default: HSTS is sticky in browsers, so it is a deliberate choice for an HTTPS-only host.
    "SECURE_HSTS_SECONDS": 0,
    # Off by default: TLS is usually terminated by a proxy, which redirects itself.
    "SECURE_SSL_REDIRECT": False,
    # Password sign-in (/api/auth/login, /api/auth/register, the admin form); off leaves single sign-on.
    "ERRORHUB_PASSWORD_LOGIN": True,
    # Guessing protection (the fault injection tried 200 passwords in 24 s): per email, lower
    # than per address, since many people share one NAT address.
    "ERRORHUB_SIGNIN_MAX_FAILURES_PER_EMAIL": 10,
    "ERRORHUB_SIGNIN_MAX_FAILURES_PER_IP": 30,
    "ERRORHUB_SIGNIN_WINDOW_SECONDS": 15 * 60,
    # OpenID Connect: ID tokens signed with the provider's RSA key (what every major provider uses).
    "OIDC_SIGN_ALGO": "RS256",
    "OIDC_SCOPES": "openid email profile",
    "OIDC_GROUPS_CLAIM": "groups",
    # Kapacitor alert tasks. No KAPACITOR_URL: tasks are stored and stay `pending` until one is set.
    "KAPACITOR_URL": "",
    # The original's dbrp: database `opentsdb`, retention policy literally named `retention_policy`.
    "KAPACITOR_DATABASE": "opentsdb",
    "KAPACITOR_RETENTION_POLICY": "retention_policy",
    # The 5xx alert's "Link To Memory Banks"; `{app}` is replaced. The original's O.C. Tanner Grafana.
    "KAPACITOR_DASHBOARD_URL": (
        "https://membanks.octanner.io/dashboard/db/alamo-router-scanner"
        "?var-url={app}&from=now-1h&to=now&panelId=4&fullscreen"
    ),
    # Each Kapacitor call; a hung Kapacitor must not hold a worker (or an eager request) for long.
    "KAPACITOR_TIMEOUT_SECONDS": 5,
    # Sync retries back off 2, 4, 8, ... seconds; after the last one the periodic reconcile takes over.
    "KAPACITOR_SYNC_MAX_RETRIES": 6,
    "KAPACITOR_RECONCILE_SECONDS": 60,
    # PostgreSQL that does not answer a connect within this long is down: answer 503 at once
    # rather than hold a gunicorn worker (libpq's default waits forever).
    "DATABASE_CONNECT_TIMEOUT_SECONDS": 5,
    # A statement (or its wait for a lock) running longer is cancelled and the request gets
    # 503, well inside gunicorn's 30 s worker timeout; a digest batch or prune batch takes far less.
    "DATABASE_STATEMENT_TIMEOUT_SECONDS": 10,
    # Issue alerts.
    # A webhook or Slack URL must not be a way into the internal network; internal installs
    # (and the tests' local receivers) opt in.
    "ERRORHUB_ALLOW_PRIVATE_TARGETS": False,
    # Each send to a target (HTTP or SMTP): a hung receiver must not hold a worker for long.
    "ERRORHUB_ALERT_TIMEOUT_SECONDS": 10,
    # Attempts per delivery before its target is marked failing; retries wait 10, 20, 40, 80 s.
    "ERRORHUB_ALERT_MAX_ATTEMPTS": 5,
    "ERRORHUB_ALERT_RETRY_BACKOFF_SECONDS": 10.0,
    # New issues of one rule within this window go out as one digest message, not one each.
    "ERRORHUB_ALERT_BURST_SECONDS": 60.0,
    # Outgoing mail: the console backend on a laptop, SMTP once EMAIL_URL or EMAIL_HOST is set.
    "DEFAULT_FROM_EMAIL": "errorhub@localhost",
}
