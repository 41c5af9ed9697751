import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

# HealthGuard app types (they differ from event platforms).
PROJECT_TYPES = ["web", "wechat-miniprogram", "alipay-miniprogram", "flutter", "uni-app", "other"]
# Sentry's platform names (an SDK event's `platform`), for projects of every other client.
SENTRY_PLATFORMS = [
    "as3", "c", "cfml", "cocoa", "csharp", "elixir", "go", "groovy", "haskell", "java", "javascript",
    "native", "node", "objc", "perl", "php", "python", "ruby", "other",
]  # fmt: skip
PLATFORMS = PROJECT_TYPES + [name for name in SENTRY_PLATFORMS if name not in PROJECT_TYPES]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).strip().lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person; the email is the login everywhere (HealthGuard API and Django admin)."""

    email = models.EmailField(unique=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    def __str__(self):
        return self.email


class SessionToken(models.Model):
    """An API token from register/login. Only its SHA-256 is stored, so a leaked table leaks no token."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="token_expiry_cleanup")]

    def __str__(self):
        return f"token of {self.user} until {self.expires_at:%Y-%m-%d}"


class ApiToken(models.Model):
    """A named, long-lived token for scrapers and CI: read-only or read-write, optionally one
    project's, with an optional expiry. Hashed like a session token; revoked by deleting it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=200)
    key_hash = models.CharField(max_length=64, unique=True)
    can_write = models.BooleanField(default=False)
    project = models.ForeignKey(
        "Project", null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens",
        help_text="Empty: every project of the user",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="api_tokens_of_user"),
            models.Index(fields=["expires_at"], name="api_token_expiry_cleanup"),
        ]

    def __str__(self):
        return f"{self.name} ({self.user})"

    @property
    def scopes(self):
        return ["read", "write"] if self.can_write else ["read"]


def new_app_key_suffix():
    return secrets.token_hex(6)


def new_sentry_key():
    return uuid.uuid4().hex


class Project(models.Model):
    """The tenant: a HealthGuard app, an Eventsum service, a Sentry project or a Periskop target."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    platform = models.CharField(max_length=40, default="other", help_text="HealthGuard app type or Sentry platform")
    app_key = models.CharField(max_length=200, unique=True)
    sentry_key = models.CharField(max_length=32, unique=True, default=new_sentry_key)
    periskop_target_uuid = models.UUIDField(unique=True, default=uuid.uuid4)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="projects")
    # Keyless writes reach only keyless projects (docs/architecture.md, "Decisions"): open ingest
    # creates projects that accept their identifier alone; a person's project needs its key.
    keyless_ingest = models.BooleanField(
        default=False,
        help_text="Accept ingest that names this project without its key "
        "(Eventsum service, Sentry webhook project slug, Periskop ?project=).",
    )
    created_by_ingest = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    # Quotas (accounts.quotas): None takes the installation default, 0 is no limit.
    events_per_minute = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: ERRORHUB_PROJECT_EVENTS_PER_MINUTE; 0: no limit"
    )
    events_per_hour = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: ERRORHUB_PROJECT_EVENTS_PER_HOUR; 0: no limit"
    )
    # Refused over quota, as flushed from the counters (accounts.quotas.rejected_events adds the rest).
    rejected_events = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["name"], name="project_by_name"),
            # The admin changelist's order.
            models.Index(fields=["-created_at", "-id"], name="project_list"),
        ]
        constraints = [
            # Concurrent first pushes for one new name create one project, not `<name>-2`.
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(created_by_ingest=True), name="one_ingest_project_per_name"
            )
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    # Served by one_membership_per_user (project, user).
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="one_membership_per_user")]

    def __str__(self):
        return f"{self.user} in {self.project}"


class Environment(models.Model):
    # Served by environment_name_per_project (project, name).
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="environments", db_index=False)
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="environment_name_per_project")]

    def __str__(self):
        return self.name
