"""Real receivers for issue alerts, on 127.0.0.1: an HTTP server that stands in for a Slack
incoming webhook or a generic webhook, and an SMTP server (aiosmtpd) that keeps every mail."""

import email
import email.policy
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


@dataclass
class ReceivedRequest:
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class HTTPReceiver:
    """Answers every POST with `status` (Slack answers 200 "ok") and records it."""

    server: ThreadingHTTPServer
    status: int = 200
    answer: bytes = b"ok"
    requests: list = field(default_factory=list)

    @property
    def url(self):
        host, port = self.server.server_address
        return f"http://{host}:{port}/hooks/T000/B000/secretpath"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def start_http_receiver():
    receiver = None

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.requests.append(ReceivedRequest(self.path, dict(self.headers), body))
            self.send_response(receiver.status)
            self.send_header("Content-Length", str(len(receiver.answer)))
            self.end_headers()
            self.wfile.write(receiver.answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = HTTPReceiver(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver


class Mailbox:
    """aiosmtpd handler: every message received, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append({"to": list(envelope.rcpt_tos), "from": envelope.mail_from, "message": message})
        return "250 Message accepted for delivery"


def start_smtp_server(port):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, mailbox
