"""People sign in to the console and the API with the company's OpenID Connect provider: a real
provider process (django-oauth-toolkit), errorhub under gunicorn configured only by OIDC_ISSUER,
the client id and secret, and a browser-like HTTP client following every redirect."""

import html
import re

import pytest
import requests

from accounts.models import User
from tests.support.oidc import CLIENT_ID, CLIENT_SECRET, PASSWORD, start_provider
from tests.support.server import start_gunicorn, stop


@pytest.fixture(scope="module")
def sso(django_db_setup, django_db_blocker, tmp_path_factory):
    """(provider, errorhub base URL): password login off, groups mapped to staff and superuser."""
    tmp = tmp_path_factory.mktemp("sso")
    provider = start_provider(tmp)
    errorhub, url = start_gunicorn(
        tmp / "errorhub.log",
        extra_env={
            "OIDC_ISSUER": provider.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_PROVIDER_NAME": "Corp SSO",
            "OIDC_STAFF_GROUP": "errorhub-staff",
            "OIDC_SUPERUSER_GROUP": "errorhub-admins",
            "ERRORHUB_PASSWORD_LOGIN": "false",
        },
    )
    provider.register_people_and_client(f"{url}/oidc/callback/")
    yield provider, url
    stop(errorhub)
    provider.stop()


def sign_in_at_provider(session, provider, page, username):
    """The provider's login form (where errorhub sent the browser), filled in and submitted."""
    assert page.url.startswith(f"{provider.url}/login/"), page.url
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(page.url, data={"csrfmiddlewaretoken": csrf, "username": username, "password": PASSWORD})


def console_sign_in(sso, username):
    provider, url = sso
    session = requests.Session()
    login_page = session.get(f"{url}/admin/login/?next=/admin/")
    assert login_page.status_code == 200
    button = re.search(r'<a class="button" id="sso-sign-in" href="([^"]+)">Sign in with Corp SSO</a>', login_page.text)
    provider_page = session.get(url + html.unescape(button.group(1)))
    return session, sign_in_at_provider(session, provider, provider_page, username)


def test_the_admin_login_offers_the_provider_and_no_password_form(sso, transactional_db):
    _, url = sso
    page = requests.get(f"{url}/admin/login/")
    assert "Sign in with Corp SSO" in page.text
    assert 'name="password"' not in page.text


def test_a_member_of_the_superuser_group_lands_in_the_admin_as_superuser(sso, transactional_db):
    _, url = sso
    session, landed = console_sign_in(sso, "ada")

    assert landed.url == f"{url}/admin/"
    assert "<title>Dashboard | errorhub</title>" in landed.text  # the console's dashboard, signed in
    assert "ada@corp.example" in landed.text
    assert "/admin/accounts/user/" in landed.text  # a superuser manages users
    ada = User.objects.get(email="ada@corp.example")
    assert (ada.is_staff, ada.is_superuser, ada.has_usable_password()) == (True, True, False)
    assert session.get(f"{url}/admin/accounts/apitoken/").status_code == 200


def test_a_member_of_the_staff_group_lands_in_the_admin_as_staff(sso, transactional_db):
    _, url = sso
    User.objects.create_user(email="bob@corp.example", password="old-local-password")  # matched by email

    _, landed = console_sign_in(sso, "bob")

    assert landed.url == f"{url}/admin/"
    assert "<title>Dashboard | errorhub</title>" in landed.text  # the console's dashboard, signed in
    assert "/admin/accounts/user/" not in landed.text
    bob = User.objects.get()
    assert (bob.email, bob.is_staff, bob.is_superuser) == ("bob@corp.example", True, False)


def test_someone_in_neither_group_is_signed_in_but_not_let_into_the_admin(sso, transactional_db):
    _, url = sso
    User.objects.create_superuser(email="carol@corp.example", password=None)  # demoted at the provider

    _, landed = console_sign_in(sso, "carol")

    assert landed.url.startswith(f"{url}/admin/login/")
    assert "You are authenticated as carol@corp.example, but are not authorized" in landed.text
    carol = User.objects.get()
    assert (carol.is_staff, carol.is_superuser) == (False, False)


def test_an_unverified_email_does_not_sign_in(sso, transactional_db):
    _, url = sso
    User.objects.create_superuser(email="eve@corp.example", password=None)

    _, landed = console_sign_in(sso, "eve")

    assert landed.url == f"{url}/admin/login/?sso=failed"
    assert "the provider must vouch for your email address" in landed.text
    assert "<title>Dashboard | errorhub</title>" not in landed.text


def test_the_api_login_through_the_provider_answers_a_token(sso, transactional_db):
    provider, url = sso
    session = requests.Session()
    provider_page = session.get(f"{url}/api/auth/sso")

    answer = sign_in_at_provider(session, provider, provider_page, "bob")

    assert answer.url == f"{url}/api/auth/sso/token"
    body = answer.json()
    assert body["user"]["email"] == "bob@corp.example"
    me = requests.get(f"{url}/api/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json()["user"]["email"] == "bob@corp.example"


def test_password_login_is_off(sso, transactional_db):
    _, url = sso
    User.objects.create_superuser(email="ops@example.com", password="ops-password")

    api = requests.post(f"{url}/api/auth/login", json={"email": "ops@example.com", "password": "ops-password"})
    assert api.status_code == 403
    assert api.json()["code"] == "PASSWORD_LOGIN_DISABLED"
    registered = requests.post(f"{url}/api/auth/register", json={"email": "x@example.com", "password": "a-long-pass"})
    assert registered.status_code == 403
