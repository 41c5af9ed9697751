"""Password sign-in for /api/auth/login and the admin login alike."""

from django.contrib.auth.backends import ModelBackend

from accounts import signin_guard
from accounts.models import User


class EmailPasswordBackend(ModelBackend):
    """Email (case-blind) and password, behind the sign-in guard.

    Unknown emails and accounts without a password (created by single sign-on) still run one
    password hash, so the answer takes as long as for a known email with a wrong password.
    """

    def authenticate(self, request, email=None, password=None, username=None, **kwargs):
        email = email or username  # Django's admin form passes USERNAME_FIELD as `username`
        if not email or password is None:
            return None
        signin_guard.check(request, email)
        user = User.objects.filter(email__iexact=email.strip()).order_by("id").first()
        if user is None or not user.has_usable_password():
            User().set_password(password)
        elif user.check_password(password) and self.user_can_authenticate(user):
            signin_guard.record_success(request, email)
            return user
        signin_guard.record_failure(request, email)
        return None
