"""A loopback HTTPS webhook receiver for the event tests (EVENTS-SPEC.md §3
test plan): a self-signed certificate for localhost (its PEM is what the
server trusts through eventsCaFile), every request recorded (method, path,
headers, parsed JSON body), and scripted answers — it echoes Event Grid's
validation code unless told not to, grants CloudEvents' OPTIONS abuse
protection to `allowed_origin`, and answers events with the statuses
queued in `answers` (200 once the queue is empty), or, when `respond` is
set, with what it returns for each post: (status, JSON-able answer or None)
— the external rotator of the rotation tests."""
import datetime
import json
import os
import ssl
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed(directory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = os.path.join(directory, "hook.crt"), os.path.join(directory, "hook.key")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_path, key_path


class WebhookReceiver:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="coffer-hook-")
        self.cert, key = self_signed(self.dir)
        self.requests = []
        self.answers = []          # statuses for the next event posts (then 200)
        self.echo_validation = True
        self.respond = None        # body -> (status, answer); called under the lock
        self.allowed_origin = "eventgrid.azure.net"  # CloudEvents abuse protection: the OPTIONS grant (None: 405)
        self.lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_OPTIONS(self):
                with receiver.lock:
                    receiver.requests.append({"method": "OPTIONS", "path": self.path, "body": None, "raw": b"",
                                              "headers": {k.lower(): v for k, v in self.headers.items()}})
                    allowed = receiver.allowed_origin
                self.send_response(200 if allowed else 405)
                if allowed:
                    self.send_header("WebHook-Allowed-Origin", allowed)
                    self.send_header("Allow", "POST")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                body = json.loads(raw) if raw else None
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in
                                                                             self.headers.items()}, "body": body,
                                              "raw": raw})
                    receiver.lock.notify_all()
                    validation = self.headers.get("aeg-event-type") == "SubscriptionValidation"
                    scripted = None if validation or not receiver.respond else receiver.respond(body)
                    status = 200 if validation or not receiver.answers else receiver.answers.pop(0)
                    echo = receiver.echo_validation
                if scripted:
                    status, answer = scripted[0], (json.dumps(scripted[1]).encode() if scripted[1] else b"")
                elif validation and echo:
                    answer = json.dumps({"validationResponse": body[0]["data"]["validationCode"]}).encode()
                else:
                    answer = b""
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/hook"):
        return f"https://localhost:{self.port}{path}"

    def events(self):
        """The event posts received so far (not the handshakes)."""
        with self.lock:
            return [r for r in self.requests if r["headers"].get("aeg-event-type") == "Notification"]

    def wait_events(self, count, timeout=20):
        import time
        deadline = time.time() + timeout
        with self.lock:
            while True:
                got = [r for r in self.requests if r["headers"].get("aeg-event-type") == "Notification"]
                if len(got) >= count:
                    return got
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError(f"{len(got)} event posts arrived, {count} expected: {got}")
                self.lock.wait(left)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        import shutil
        shutil.rmtree(self.dir, ignore_errors=True)


def verify_signature(request, secret):
    """Checks a request's Standard Webhooks headers against `secret` ("whsec_…") as a receiver would."""
    import base64
    import hashlib
    import hmac
    h = request["headers"]
    key = base64.b64decode(secret[len("whsec_"):])
    content = f"{h['webhook-id']}.{h['webhook-timestamp']}.".encode() + request["raw"]
    expected = "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, s) for s in h["webhook-signature"].split(" "))


def server_for(hook, **kwargs):
    """A started dev server with the test clock that trusts `hook`'s certificate and may send to its loopback
    address (eventsAllowPrivateEndpoints), with /metrics on a loopback port (coffer_server.metric)."""
    from coffer_server import CofferServer
    return CofferServer(extra_args=["--test-clock"], env={
        "COFFER_EVENTS_CA_FILE": hook.cert, "COFFER_EVENTS_ALLOW_PRIVATE_ENDPOINTS": "true",
        "COFFER_METRICS_LISTEN": "127.0.0.1:0"}, **kwargs).start()


class HookedServerTest(unittest.TestCase):
    """A test with a loopback receiver (`hook`), a dev server with the test clock that may post to it
    (`server`), the SDK's SecretClient (`secrets`) and a plain HTTPS session with a vault token (`rest`)."""
    API = "api-version=7.4"

    def setUp(self):
        from azure.keyvault.secrets import SecretClient
        from coffer_server import credential, token
        self.hook = WebhookReceiver()
        self.server = server_for(self.hook)
        self.secrets = SecretClient(self.server.vault_url(), credential(self.server),
                                    connection_verify=self.server.ca_file)
        self.session = requests.Session()
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
        self.session.verify = self.server.ca_file
        self.session.headers["Authorization"] = "Bearer " + token(self.server,
                                                                  f"https://vault.localhost:{self.server.port}")

    def tearDown(self):
        self.server.cleanup()
        self.hook.close()

    def rest(self, method, path, body=None, session=None, query=""):
        return (session or self.session).request(method, f"{self.server.vault_url()}{path}?{self.API}{query}",
                                                 json=body)

    def advance(self, seconds):
        from coffer_server import admin
        r = admin(self.server, "POST", "/clock/advance", {"seconds": seconds})
        self.assertEqual(r.status_code, 200, r.text)
        return r.json()

