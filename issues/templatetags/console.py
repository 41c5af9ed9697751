"""The dashboard on the admin index (templates/admin/index.html): Django's index view takes no
extra context from an app, so its panel is an inclusion tag fed by issues.selectors."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

from issues import charts, selectors

register = template.Library()

# Panels other apps add below the issue panels (alerts adds failed Kapacitor syncs) without
# issues importing them: callables (request) -> {"template": ..., **context} or None.
DASHBOARD_PANELS = []


@register.inclusion_tag("admin/console/dashboard.html", takes_context=True)
def console_dashboard(context):
    request = context["request"]
    dashboard = selectors.dashboard(request.user, now=timezone.now())
    panels = [panel for panel in (build(request) for build in DASHBOARD_PANELS) if panel]
    return {
        "dashboard": dashboard,
        "chart": charts.bar_chart(dashboard.chart, width=960, height=90),
        "panels": panels,
        "request": request,
    }


AGES = [(365 * 86400, "y"), (30 * 86400, "mo"), (7 * 86400, "w"), (86400, "d"), (3600, "h"), (60, "min")]


@register.filter
def ago(moment):
    """ "3h ago", the full time on hover: narrow enough for the stream's columns."""
    if moment is None:
        return ""
    seconds = (timezone.now() - moment).total_seconds()
    age = next((f"{int(seconds // size)}{unit} ago" for size, unit in AGES if seconds >= size), "just now")
    return format_html('<span class="eh-when" title="{}">{}</span>', moment.strftime("%Y-%m-%d %H:%M:%S UTC"), age)
