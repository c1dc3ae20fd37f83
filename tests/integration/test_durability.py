"""Kill -9 during a stream of concurrent writes; after a restart every write
the server acknowledged (HTTP 200) must be present and readable."""
import concurrent.futures
import threading
import time
import unittest

import requests

from coffer_server import CofferServer, token


class DurabilityTest(unittest.TestCase):
    def test_acknowledged_writes_survive_sigkill(self):
        server = CofferServer().start()
        try:
            resource = f"https://vault.localhost:{server.port}"
            tok = token(server, resource)
            base = server.vault_url()
            acked = {}
            lock = threading.Lock()
            stop = threading.Event()

            def writer(w):
                session = requests.Session()
                session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
                session.verify = server.ca_file
                session.headers["Authorization"] = "Bearer " + tok
                i = 0
                while not stop.is_set():
                    name, value = f"d-{w}-{i}", f"value-{w}-{i}"
                    try:
                        r = session.put(f"{base}/secrets/{name}?api-version=7.4", json={"value": value}, timeout=10)
                    except requests.RequestException:
                        return  # server died mid-request: not acknowledged
                    if r.status_code == 200:
                        with lock:
                            acked[name] = (value, r.json()["id"].rsplit("/", 1)[1])
                    i += 1

            with concurrent.futures.ThreadPoolExecutor(16) as pool:
                futures = [pool.submit(writer, w) for w in range(16)]
                deadline = time.time() + 20
                while time.time() < deadline and len(acked) < 300:
                    time.sleep(0.05)
                server.kill()
                stop.set()
                for f in futures:
                    f.result()
            print(f"\n{len(acked)} writes acknowledged before SIGKILL", flush=True)
            self.assertGreater(len(acked), 50, "too few writes acknowledged before the kill")

            server.start()  # same data directory
            resource = f"https://vault.localhost:{server.port}"
            tok = token(server, resource)
            session = requests.Session()
            session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
            session.verify = server.ca_file
            session.headers["Authorization"] = "Bearer " + tok
            base = server.vault_url()
            missing = []
            for name, (value, version) in acked.items():
                r = session.get(f"{base}/secrets/{name}/{version}?api-version=7.4", timeout=10)
                if r.status_code != 200 or r.json().get("value") != value:
                    missing.append((name, r.status_code))
            self.assertEqual(missing, [], f"{len(missing)} of {len(acked)} acknowledged writes lost")
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
