"""A real OpenID Connect provider process (tests/support/openid_provider) for single sign-on tests."""

import os
import subprocess
import sys
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.openid_provider import CLIENT_ID, CLIENT_SECRET, PASSWORD
from tests.support.server import ROOT, free_port, serve, stop

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "PASSWORD", "OpenIDProvider", "start_provider"]


@dataclass
class OpenIDProvider:
    process: subprocess.Popen
    url: str
    issuer: str
    env: dict

    def register_people_and_client(self, redirect_uri):
        """The directory (tests.support.openid_provider.directory) with errorhub's callback URL."""
        command = [sys.executable, "-m", "tests.support.openid_provider.directory", redirect_uri]
        subprocess.run(command, cwd=ROOT, env=self.env, check=True)

    def stop(self):
        stop(self.process)


def start_provider(tmp_path):
    """Migrates a fresh provider database, then serves it with gunicorn on a free port; the RSA
    key that signs its ID tokens is generated here, for this run only."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.support.openid_provider.settings",
        PROVIDER_DATABASE=str(tmp_path / "provider.sqlite3"),
        PROVIDER_ISSUER=f"{url}/o",
        PROVIDER_RSA_PRIVATE_KEY=pem.decode(),
    )
    subprocess.run([sys.executable, "-m", "django", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
    log_path = tmp_path / "provider.log"
    command = [
        sys.executable, "-m", "gunicorn", "tests.support.openid_provider.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--access-logfile", "-",
    ]  # fmt: skip
    process = serve(command, env, log_path, probe=f"{url}/o/.well-known/openid-configuration")
    return OpenIDProvider(process, url, f"{url}/o", env)
