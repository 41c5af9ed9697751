"""The provider's directory, run once per test session: `python -m tests.support.openid_provider.directory
<errorhub callback URL>` creates the people, their groups and errorhub's client registration."""

import os
import sys

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.support.openid_provider.settings"
django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402  (after django.setup)
from oauth2_provider.models import Application  # noqa: E402

from tests.support.openid_provider import CLIENT_ID, CLIENT_SECRET, PASSWORD  # noqa: E402

# username, email, groups, last_name ("unverified": the provider does not vouch for the email)
PEOPLE = [
    ("ada", "ada@corp.example", ["errorhub-admins", "everyone"], ""),
    ("bob", "Bob@Corp.example", ["errorhub-staff", "everyone"], ""),
    ("carol", "carol@corp.example", ["everyone"], ""),
    ("eve", "eve@corp.example", ["errorhub-admins"], "unverified"),
]

if __name__ == "__main__":
    for username, email, groups, last_name in PEOPLE:
        user = User.objects.create_user(username, email, PASSWORD, last_name=last_name)
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in groups])
    Application.objects.create(
        name="errorhub",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=sys.argv[1],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
