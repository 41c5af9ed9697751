"""The four Kapacitor TICKscript templates of kapacitor-alerts-api, with every value escaped.

The original pasted request values into the script unescaped (a `'` broke it, worse could
rewrite it). Here every value goes through `string_literal` (TICKscript) or
`influxql_string`/`influxql_regex` (the InfluxQL inside the triple-quoted query), so a value
can only ever be data. The `{{ ... }}` parts are Kapacitor's own alert templates.
"""

import re

from django.conf import settings

# 5xx tolerance: "low" is the lowest sigma threshold, i.e. the most sensitive (original mapping).
TOLERANCE_SIGMA = {"low": "0.5", "medium": "1.0", "high": "1.5"}

MEMORY_METRIC = "sample.memory_total"
# Naming drift kept from the original: route `crashed`, id suffix `-crash`.
MEMORY_MEASUREMENT = f'"{MEMORY_METRIC}"'
EVENTS_MEASUREMENT = '"events"'
TASK_SUFFIX = {"5xx": "5xx", "crashed": "crash", "release": "release"}
# Marks tasks errorhub wrote, so the reconcile only ever removes its own tasks from Kapacitor.
OWNER_VAR = "managedby"
OWNER = "errorhub"


def task_id(kind, app, dynotype=""):
    """Task ids as the original: <app>-5xx, <app>-crash, <app>-release, <app>-sample.memory_total-<dyno>."""
    if kind == "memory":
        return f"{app}-{MEMORY_METRIC}-{dynotype}"
    return f"{app}-{TASK_SUFFIX[kind]}"


def string_literal(value):
    r"""A single-quoted TICKscript string; the lexer knows only \\ and \' escapes."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


# InfluxQL string literals escape exactly as TICKscript's do.
influxql_string = string_literal


def influxql_regex(value):
    """An InfluxQL /regex/ matching `value` literally (the original's substring match, made safe)."""
    return "/" + re.escape(str(value)).replace("/", "\\/") + "/"


def query_block(influxql):
    # A triple-quoted TICKscript string has no escapes at all, so it must never contain one.
    if "'''" in influxql:
        raise ValueError("InfluxQL may not contain '''")
    return f"|query('''\n        {influxql}\n    ''')"


def dyno_filter(dynotype):
    """The WHERE expression after "dyno": every dyno, web dynos (no `--` in the name), or a substring."""
    if dynotype == "all":
        return "=~ /.*/"
    if dynotype == "web":
        return "!~ /--/"
    return "=~ " + influxql_regex(dynotype)


def crashed_app_parts(app):
    """(shortapp, space) from an Akkeris app name, as the original parseforparts.

    `app--dyno-space` takes the segment between the first and second `--`; else the text
    before the first `-` is the short app and the rest is the space.
    """
    if "--" in app:
        shortapp, rest = app.split("--")[0], app.split("--")[1]
        return shortapp, "-".join(rest.split("-")[1:])
    shortapp, _, space = app.partition("-")
    return shortapp, space


def dashboard_url(app):
    return settings.KAPACITOR_DASHBOARD_URL.replace("{app}", app)


def handlers(task):
    """Slack, then message and details, then one email per address, then post (the original order)."""
    lines = []
    if task["slack"]:
        lines += ["        .slack()", f"        .channel({string_literal(task['slack'])})"]
    lines.append(f"        .message({string_literal(task['message'])})")
    lines.append(f"        .details({string_literal(task['details'])})")
    lines += [f"        .email({string_literal(address)})" for address in email_addresses(task["email"])]
    if task["post"]:
        lines.append(f"        .post({string_literal(task['post'])})")
    return lines


def email_addresses(email):
    return [address.strip() for address in email.split(",") if address.strip()]


def source(measurement):
    db, rp = settings.KAPACITOR_DATABASE, settings.KAPACITOR_RETENTION_POLICY
    return f'"{db}"."{rp}".{measurement}'


def render_5xx(task):
    app, sigma = task["app"], TOLERANCE_SIGMA[task["tolerance"]]
    message = (
        f"{app}: "
        '{{ if eq .Level "CRITICAL" }}Excessive 5xxs {{ else if eq .Level "OK" }}5xxs back to normal '
        '{{ else if eq .Level "INFO" }}5xxs Returning to Normal {{ else if eq .Level "WARNING" }}Elevated 5xxs '
        '{{ end }} Metric: {{ .Name }}  Sigma: {{ index .Fields "sigma" | printf "%0.2f" }} '
        'Count: {{ index .Fields "count" }}'
    )
    details = f'<h3>{{{{ .Message }}}}</h3><a href="{dashboard_url(app)}">Link To Memory Banks</a>'
    query = f'SELECT count("value") FROM {source("/router.status.(5.*)/")} WHERE "fqdn" =~ {influxql_regex(app)}'
    lines = [
        "batch",
        "    " + query_block(query),
        "        .period(10m)",
        "        .every(1m)",
        '    |eval(lambda: sigma("count"))',
        "        .as('sigma')",
        "        .keep('count', 'sigma')",
        "    |alert()",
        f'        .crit(lambda: "sigma" > {sigma})',
        f'        .warn(lambda: "sigma" <= {sigma} AND "sigma" >= 0.1)',
        "        .stateChangesOnly()",
        *handlers({**task, "message": message, "details": details}),
    ]
    return "\n".join(lines) + "\n"


def render_memory(task):
    warn, crit = task["warn"], task["crit"]
    query = (
        f'SELECT mean("value")/1024/1024 AS "value" FROM {source(MEMORY_MEASUREMENT)} '
        f'WHERE "app" = {influxql_string(task["app"])} AND "dyno" {dyno_filter(task["dynotype"])}'
    )
    message = 'Memory is {{ .Level }} for {{ .Group }} : {{ index .Fields "rvalue" }} MB - limits ' + f"{warn}/{crit}"
    details = '<h3>{{ .Message }}</h3><h3>Value: {{ index .Fields "rvalue" }}</h3>'
    lines = [
        "batch",
        "    " + query_block(query),
        f"        .period({task['window']})",
        f"        .every({task['every']})",
        "        .groupBy('app', 'dyno')",
        '    |eval(lambda: ceil("value"))',
        "        .as('rvalue')",
        "        .keep('value', 'rvalue')",
        "    |alert()",
        f'        .crit(lambda: "value" > {crit})',
        f'        .warn(lambda: "value" > {warn})',
        "        .stateChangesOnly()",
        *handlers({**task, "message": message, "details": details}),
    ]
    return "\n".join(lines) + "\n"


def render_event(task, influxql, sentence):
    """Crashed and release: every matching event point raises a WARNING (no stateChangesOnly)."""
    lines = [
        "batch",
        "    " + query_block(influxql),
        "        .period(60s)",
        "        .every(61s)",
        "    |alert()",
        "        .warn(lambda: 1 > 0)",
        *handlers({**task, "message": sentence, "details": f"<h3>{{{{ .Message }}}}</h3>{sentence}"}),
    ]
    return "\n".join(lines) + "\n"


def render_crashed(task):
    shortapp, space = crashed_app_parts(task["app"])
    query = (
        f'SELECT "text", "title", "app", "tags" FROM {source(EVENTS_MEASUREMENT)} '
        f'WHERE "app" = {influxql_string(task["app"])} AND "title" = \'crashed\' AND "text" = \'App crashed\' '
        f'AND "tags" =~ {influxql_regex(f"{space},{shortapp},")}'
    )
    return render_event(task, query, '{{ index .Fields "app" }} crashed. Info: {{ index .Fields "tags" }}')


def render_release(task):
    query = (
        f'SELECT "text", "title", "app" FROM {source(EVENTS_MEASUREMENT)} '
        f'WHERE "app" = {influxql_string(task["app"])} AND "title" = \'released\''
    )
    # Two spaces before "New image", as the original message.
    return render_event(task, query, '{{ index .Fields "app" }} released.  New image is {{ index .Fields "text" }}')


RENDERERS = {"5xx": render_5xx, "memory": render_memory, "crashed": render_crashed, "release": render_release}


def string_var(name, value):
    return {"value": value, "type": "string", "description": name}


def number_var(name, value):
    number = float(value)
    if number.is_integer():
        return {"value": int(number), "type": "int", "description": name}
    return {"value": number, "type": "float", "description": name}


def task_vars(kind, task):
    """The vars the original sent (non-empty only); import_kapacitor_tasks reads them back."""
    tid = task_id(kind, task["app"], task.get("dynotype", ""))
    strings = {"type": "batch", "app": task["app"], "slack": task["slack"], "post": task["post"]}
    strings["email"] = task["email"]
    numbers = {}
    if kind == "5xx":
        strings.update(id=tid, tolerance=task["tolerance"], sigma=TOLERANCE_SIGMA[task["tolerance"]])
    elif kind == "memory":
        strings.update(
            id=tid,
            metric=MEMORY_METRIC,
            dynotyperequest=task["dynotype"],
            dynotype=dyno_filter(task["dynotype"]),
            window=task["window"],
            every=task["every"],
        )
        numbers = {"crit": task["crit"], "warn": task["warn"]}
    strings[OWNER_VAR] = OWNER
    result = {name: string_var(name, value) for name, value in strings.items() if value}
    result.update({name: number_var(name, value) for name, value in numbers.items()})
    return result


def kapacitor_task(kind, task):
    """The body of POST /kapacitor/v1/tasks for one alert task."""
    return {
        "id": task_id(kind, task["app"], task.get("dynotype", "")),
        "type": "batch",
        "dbrps": [{"db": settings.KAPACITOR_DATABASE, "rp": settings.KAPACITOR_RETENTION_POLICY}],
        "script": RENDERERS[kind](task),
        "vars": task_vars(kind, task),
        "status": "enabled",
    }
