"""bench/events.sh's webhook: HTTPS on 127.0.0.1 with the certificate and key
given, answering Event Grid's validation handshake and every event post with
200, counting the events into COUNT_FILE once a second.
Usage: event_receiver.py CERT KEY PORT_FILE COUNT_FILE"""
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

cert, key, port_file, count_file = sys.argv[1:5]
count = 0
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        answer = b""
        if self.headers.get("aeg-event-type") == "SubscriptionValidation":
            answer = json.dumps({"validationResponse": json.loads(body)[0]["data"]["validationCode"]}).encode()
        else:
            with lock:
                count += 1
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
with open(port_file, "w") as f:
    f.write(str(httpd.server_address[1]))


def report():
    while True:
        time.sleep(1)
        with lock, open(count_file, "w") as f:
            f.write(str(count))


threading.Thread(target=report, daemon=True).start()
httpd.serve_forever()
