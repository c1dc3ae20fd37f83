"""Latency of a well-behaved client during a flood of wrong client secrets,
against a reference flood measured in the same run: the same clients opening
the same TLS connections but asking GET /healthz, which costs the server
nothing past the handshake. On one machine the load generator competes with the
server for the CPU; the reference carries that cost too, so the ratio
token-flood / reference-flood is what the token endpoint adds. Secret PUT p50
and token p50 (a client that signed in before), server RSS.
Usage (bench/token_flood.sh): token_flood.py PORT CA_FILE DEV_JSON PID [SECONDS] [FLOODERS]"""
import http.client
import json
import ssl
import statistics
import sys
import threading
import time
import urllib.parse
import uuid

port, ca, dev_path, pid = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 8
flooders = int(sys.argv[6]) if len(sys.argv) > 6 else 48
dev = json.load(open(dev_path))
ctx = ssl.create_default_context(cafile=ca)
vault_resource = f"https://vault.localhost:{port}"


def get_health():
    c = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=120)
    c.request("GET", "/healthz")
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


def post_token(client_id, secret):
    c = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=120)
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id,
                                   "client_secret": secret, "scope": vault_resource + "/.default"})
    c.request("POST", "/adfs/oauth2/token", body, {"Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def rss_mb():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(duration):
    status, data = post_token(dev["clientId"], dev["clientSecret"])
    assert status == 200, data
    tok = json.loads(data)["access_token"]
    conn = http.client.HTTPSConnection(f"dev.vault.localhost", port, context=ctx, timeout=120)
    puts, tokens = [], []
    end = time.monotonic() + duration
    i = 0
    while time.monotonic() < end:
        t0 = time.monotonic()
        conn.request("PUT", f"/secrets/bench{i % 50}?api-version=7.4", json.dumps({"value": f"v{i}"}),
                     {"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        assert r.status == 200, r.status
        puts.append(time.monotonic() - t0)
        if i % 5 == 0:
            t0 = time.monotonic()
            status, _ = post_token(dev["clientId"], dev["clientSecret"])
            assert status == 200, status
            tokens.append(time.monotonic() - t0)
        i += 1
    return statistics.median(puts) * 1000, statistics.median(tokens) * 1000


def under_flood(request):
    stop = threading.Event()
    counts = {}
    lock = threading.Lock()

    def flood():
        while not stop.is_set():
            status = request()
            with lock:
                counts[status] = counts.get(status, 0) + 1

    threads = [threading.Thread(target=flood, daemon=True) for _ in range(flooders)]
    for t in threads:
        t.start()
    time.sleep(1)
    put, token = measure(seconds)
    rss = rss_mb()
    stop.set()
    for t in threads:
        t.join()
    return put, token, rss, dict(sorted(counts.items()))


quiet_put, quiet_token = measure(seconds / 2)
rss_quiet = rss_mb()
ref_put, ref_token, ref_rss, ref_counts = under_flood(get_health)
flood_put, flood_token, flood_rss, flood_counts = under_flood(lambda: post_token(str(uuid.uuid4()), "wrong-secret")[0])
print(f"quiet: secret PUT p50 {quiet_put:.1f} ms, token p50 {quiet_token:.1f} ms, RSS {rss_quiet:.0f} MB")
print(f"reference flood ({flooders} clients, a new TLS connection per GET /healthz; answers {ref_counts}): "
      f"secret PUT p50 {ref_put:.1f} ms, token p50 {ref_token:.1f} ms, RSS {ref_rss:.0f} MB")
print(f"token flood ({flooders} clients, a new TLS connection per wrong secret; answers {flood_counts}): "
      f"secret PUT p50 {flood_put:.1f} ms, token p50 {flood_token:.1f} ms, RSS {flood_rss:.0f} MB")
print(f"ratio token flood / reference flood: PUT {flood_put / ref_put:.2f}x, token {flood_token / ref_token:.2f}x")
