import re

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.text import slugify

from accounts.models import PLATFORMS, Membership, Project, User, new_app_key_suffix
from accounts.selectors import project_for_key
from accounts.tokens import issue_token
from errorhub.payload import PayloadError

EMAIL_PATTERN = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
MIN_PASSWORD_LENGTH = 8
MAX_PROJECT_NAME = Project._meta.get_field("name").max_length


class AccountError(PayloadError):
    """A refused account request; `code` is HealthGuard's error code."""

    def __init__(self, code, message, status=400, field=None):
        super().__init__(field, message, status=status, code=code)


class IngestRejected(PayloadError):
    """An ingest request whose project key or identifier is not accepted (401)."""

    status = 401


def clean_credentials(email, password):
    if not isinstance(email, str) or not EMAIL_PATTERN.match(email.strip().lower()):
        raise AccountError("INVALID_EMAIL", "Email is invalid.")
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("PASSWORD_TOO_SHORT", f"Password must be at least {MIN_PASSWORD_LENGTH} characters.")
    return email.strip().lower(), password


def check_password_strength(email, password):
    """Django's password validators (AUTH_PASSWORD_VALIDATORS) in HealthGuard's codes."""
    try:
        validate_password(password, User(email=email))
    except ValidationError as exc:
        too_short = any(error.code == "password_too_short" for error in exc.error_list)
        raise AccountError("PASSWORD_TOO_SHORT" if too_short else "PASSWORD_TOO_WEAK", " ".join(exc.messages)) from None


def _password_login_enabled():
    if not settings.ERRORHUB_PASSWORD_LOGIN:
        raise AccountError("PASSWORD_LOGIN_DISABLED", "Sign in with single sign-on (/api/auth/sso).", status=403)


def register_user(email, password):
    _password_login_enabled()
    if not settings.ERRORHUB_OPEN_REGISTRATION:
        raise AccountError("REGISTRATION_CLOSED", "Registration is closed on this errorhub.", status=403)
    email, password = clean_credentials(email, password)
    check_password_strength(email, password)
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password)
            token = issue_token(user)
    except IntegrityError:
        raise AccountError("EMAIL_ALREADY_REGISTERED", "Email is already registered.", status=409) from None
    return user, token


def login_user(request, email, password):
    """Through accounts.backends.EmailPasswordBackend: case-blind, guarded, the same work for
    unknown emails; a locked-out sign-in raises accounts.signin_guard.SignInLocked."""
    _password_login_enabled()
    email, password = clean_credentials(email, password)
    user = authenticate(request, email=email, password=password)
    if user is None:
        raise AccountError("INVALID_CREDENTIALS", "Email or password is incorrect.", status=401)
    return user, issue_token(user)


def _unique_slug(name):
    base = slugify(name)[:180] or "project"
    slug, n = base, 1
    while Project.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_project(
    *,
    name,
    platform="other",
    owner=None,
    app_key=None,
    platforms=PLATFORMS,
    keyless_ingest=False,
    by_ingest=False,
    **quotas,
):
    """A new project (issues gives it its default group); the owner, when given, is its first member.

    `platforms` are the accepted names: HealthGuard's /api/apps passes its own app types.
    A project open ingest creates (`by_ingest`) is unique by name and accepts keyless ingest.
    `quotas` are its events_per_minute and events_per_hour (accounts.quotas).
    """
    if platform not in platforms:
        raise AccountError("UNSUPPORTED_APP_TYPE", "Unsupported app type", field="type")
    if len(name) > MAX_PROJECT_NAME:
        raise AccountError("NAME_TOO_LONG", f"App name must be at most {MAX_PROJECT_NAME} characters", field="name")
    project = Project.objects.create(
        name=name,
        slug=_unique_slug(name),
        platform=platform,
        app_key=app_key or f"{platform}_{new_app_key_suffix()}",
        keyless_ingest=keyless_ingest or by_ingest,
        created_by_ingest=by_ingest,
        **quotas,
    )
    if owner is not None:
        Membership.objects.create(project=project, user=owner)
    return project


def resolve_ingest_project(*, key="", app_key="", name="", field):
    """The project an ingest request lands in (docs/architecture.md, "Decisions").

    A project key (errorhub.http.project_key: the /k/<key>/ prefix, header X-Errorhub-Key or
    ?key=) decides and must exist. Otherwise the payload's identifier does: HealthGuard's
    appKey (the project's key itself), or a name/slug for the other formats, which reaches
    only a project that accepts keyless ingest. Open ingest creates the project an unknown
    identifier names, once however many requests race for it. `field` names the identifier
    in the payload for the 401 (IngestRejected).
    """
    if key:
        project = project_for_key(key)
        if project is None:
            raise IngestRejected("key", "Unknown project key.")
        return project
    if app_key:
        project = Project.objects.filter(app_key=app_key).first()
        lookup = {"app_key": app_key}
    else:
        project = Project.objects.filter(Q(name=name) | Q(slug=name)).order_by("id").first()
        lookup = {"name": name, "created_by_ingest": True}
        if project is not None and not project.keyless_ingest:
            raise IngestRejected(
                field, f"Project {name!r} accepts ingest only with its key (X-Errorhub-Key, ?key= or /k/<key>/)."
            )
    if project is not None:
        return project
    if not settings.ERRORHUB_OPEN_INGEST:
        raise IngestRejected(field, "Unknown project; this errorhub accepts only registered projects.")
    try:
        return create_project(name=app_key or name, app_key=app_key or None, by_ingest=True)
    except IntegrityError:
        # A concurrent request created it first (one_ingest_project_per_name, or the app_key).
        return Project.objects.get(**lookup)
