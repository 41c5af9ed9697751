import os

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import AccountError, check_password_strength, clean_credentials


class Command(BaseCommand):
    help = "Create or update the admin from ERRORHUB_ADMIN_EMAIL / ERRORHUB_ADMIN_PASSWORD (no-op when unset)."

    def handle(self, *args, **options):
        email = os.environ.get("ERRORHUB_ADMIN_EMAIL", "").strip().lower()
        password = os.environ.get("ERRORHUB_ADMIN_PASSWORD", "")
        if not email or not password:
            return
        try:
            # The admin logs in at /api/auth/login too, which applies these rules; a password
            # set here meets the same validators as one set at register or in the admin.
            email, password = clean_credentials(email, password)
            check_password_strength(email, password)
        except AccountError as exc:
            raise CommandError(f"ERRORHUB_ADMIN_EMAIL/PASSWORD: {exc.message}") from None
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            User.objects.create_superuser(email=email, password=password)
            self.stdout.write(f"created admin {email}")
            return
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(f"updated admin {email}")
