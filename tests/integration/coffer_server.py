"""Starts a real `coffer server --dev` on a free loopback port with a fresh data
directory, for the integration tests. The binary comes from $COFFER_BIN.

Under ctest, $COFFER_TEST_ARTIFACTS names a directory where data directories
(databases, audit logs) are made and kept, and where tests register the
secret values and key material they sent (canary()): after the whole suite,
scan_artifacts.py checks that none of them, and no token, is stored anywhere."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

COFFER_BIN = os.environ.get("COFFER_BIN", os.path.join(os.path.dirname(__file__), "../../build/coffer"))
ARTIFACTS = os.environ.get("COFFER_TEST_ARTIFACTS") or None
# The storage parameter of the suite: unset = each server's SQLite file in its data directory;
# the directory of a running PostgreSQL test cluster (tests/support/pg_cluster.py) = each server
# gets a fresh database there (ctest runs every integration test both ways).
PG_CLUSTER = os.environ.get("COFFER_TEST_PG") or None


def storage_args():
    """--storage for a new server under the suite's storage parameter ([] for SQLite)."""
    if not PG_CLUSTER:
        return []
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
    from pg_cluster import Cluster
    return ["--storage", Cluster(PG_CLUSTER).create_database()]


def new_data_dir(prefix="coffer-it-"):
    """A fresh directory for server data; under ctest it is kept for the final scan."""
    if ARTIFACTS:
        os.makedirs(ARTIFACTS, exist_ok=True)
    return tempfile.mkdtemp(prefix=prefix, dir=ARTIFACTS)


def remove_dir(path):
    if not ARTIFACTS:
        shutil.rmtree(path, ignore_errors=True)


def canary(value):
    """Registers a secret value (str or bytes) that must never be stored in clear."""
    if ARTIFACTS:
        raw = value.encode() if isinstance(value, str) else bytes(value)
        os.makedirs(ARTIFACTS, exist_ok=True)  # a module may register canaries before any server made it
        with open(os.path.join(ARTIFACTS, "canaries.txt"), "a") as f:
            f.write(raw.hex() + "\n")
    return value


class CofferServer:
    def __init__(self, data_dir=None, extra_args=(), open_files=None, storage=None, env=None):
        self.owns_dir = data_dir is None
        self.env = env  # variables added to the server's environment
        self.data_dir = data_dir or new_data_dir()
        # A database of its own under the PostgreSQL parameter, kept across restarts of this server.
        self.storage = storage if storage is not None else storage_args()
        self.extra_args = list(extra_args)
        self.open_files = open_files  # (soft, hard) RLIMIT_NOFILE for the server, as `ulimit -n` sets it
        self.proc = None
        self.port = None
        self.output = []

    def start(self, port=0, timeout=60):
        args = [COFFER_BIN, "server", "--dev", "--data-dir", self.data_dir,
                "--listen", f"localhost:{port}"] + self.storage + self.extra_args
        self.launch(args, r"Coffer dev server on https://localhost:(\d+)", timeout,
                    env=dict(os.environ, **self.env) if self.env else None)
        with open(os.path.join(self.data_dir, "dev.json")) as f:
            self.dev = json.load(f)
        return self

    def launch(self, args, ready_pattern, timeout, env=None):
        """Runs the server; ready once a line of its output matches `ready_pattern` (group 1: the port)."""
        limits = self.open_files

        def preexec():
            if limits:
                import resource
                resource.setrlimit(resource.RLIMIT_NOFILE, limits)

        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                     preexec_fn=preexec if limits else None)
        ready = threading.Event()

        def pump():
            for line in self.proc.stdout:
                self.output.append(line)
                m = re.search(ready_pattern, line)
                if m:
                    self.port = int(m.group(1))
                    ready.set()
            ready.set()

        self.pump = threading.Thread(target=pump, daemon=True)
        self.pump.start()
        if not ready.wait(timeout) or self.port is None:
            self.stop()
            raise RuntimeError("coffer server did not start:\n" + "".join(self.output))

    @property
    def authority(self):
        return f"https://localhost:{self.port}"

    @property
    def ca_file(self):
        return self.dev["caFile"]

    def vault_url(self, name="dev"):
        return f"https://{name}.vault.localhost:{self.port}"

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def kill(self):
        return self.stop(signal.SIGKILL)

    def sanitizer_report(self):
        """What AddressSanitizer, UBSan or LeakSanitizer reported in a sanitizer build (`make asan`), or None."""
        if self.proc and self.proc.poll() is not None and getattr(self, "pump", None):
            self.pump.join(10)  # the last lines (a leak report at exit) are still in the pipe
        out = "".join(self.output)
        for marker in ("==ERROR: ", "runtime error: ", "WARNING: ThreadSanitizer"):
            at = out.find(marker)
            if at >= 0:
                return out[max(0, out.rfind("\n", 0, at)):][:20000]
        return None

    def cleanup(self):
        self.stop()
        if self.owns_dir:
            remove_dir(self.data_dir)
        report = self.sanitizer_report()
        if report:
            raise AssertionError("the server's sanitizer reported:\n" + report)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()


class SealedServer(CofferServer):
    """`coffer server --dev --seal SEAL` (shamir by default): ready when it listens, sealed (or, for
    keyfile, unsealed at once). With `env`, the server runs with those variables added."""

    def __init__(self, seal="shamir", env=None, **kwargs):
        super().__init__(env=env, **kwargs)
        self.seal = seal

    def start(self, port=0, timeout=60):
        self.port = None
        args = [COFFER_BIN, "server", "--dev", "--seal", self.seal, "--data-dir", self.data_dir,
                "--listen", f"localhost:{port}"] + self.storage + self.extra_args
        # A sealed start says SEALED; a keyfile seal unseals itself and says where its data is.
        self.launch(args, r"\(port (\d+)\), (?:SEALED|data in)", timeout,
                    env=dict(os.environ, **self.env) if self.env else None)
        return self

    @property
    def ca_file(self):
        return os.path.join(self.data_dir, "tls", "ca.crt")

    def wait_for_dev_json(self, timeout=30):
        path = os.path.join(self.data_dir, "dev.json")
        deadline = time.time() + timeout
        while time.time() < deadline:
            if os.path.exists(path):
                try:
                    with open(path) as f:
                        dev = json.load(f)
                    if dev.get("authorityHost", "").endswith(f":{self.port}"):  # not a file of an earlier start
                        self.dev = dev
                        return dev
                except ValueError:
                    pass
            time.sleep(0.1)
        raise AssertionError("the server did not finish starting after the unseal:\n" + "".join(self.output))


def credential(server, tenant="adfs"):
    """A ClientSecretCredential for the server's admin principal."""
    from azure.identity import ClientSecretCredential
    if tenant == "adfs":
        return ClientSecretCredential("adfs", server.dev["clientId"], server.dev["clientSecret"],
                                      authority=server.authority, connection_verify=server.ca_file)
    return ClientSecretCredential(server.dev["tenantId"], server.dev["clientId"], server.dev["clientSecret"],
                                  authority=server.authority, instance_discovery=False,
                                  connection_verify=server.ca_file)


def token(server, resource):
    """A raw access token for `resource`, fetched with plain HTTP."""
    import requests
    r = requests.post(f"{server.authority}/adfs/oauth2/token", verify=server.ca_file, data={
        "grant_type": "client_credentials", "client_id": server.dev["clientId"],
        "client_secret": server.dev["clientSecret"], "scope": resource + "/.default"})
    r.raise_for_status()
    return r.json()["access_token"]


class AzCli:
    """Debian's az with a fresh AZURE_CONFIG_DIR of its own, trusting `server`'s CA, telemetry off."""

    def __init__(self, server, prefix="coffer-az-"):
        self.config_dir = tempfile.mkdtemp(prefix=prefix)
        self.env = dict(os.environ, AZURE_CONFIG_DIR=self.config_dir, REQUESTS_CA_BUNDLE=server.ca_file,
                        AZURE_CORE_COLLECT_TELEMETRY="false", AZURE_CORE_NO_COLOR="true")

    def __call__(self, *args, check=True):
        p = subprocess.run(["az", *args], env=self.env, capture_output=True, text=True, timeout=180)
        if check and p.returncode != 0:
            raise AssertionError(f"az {' '.join(args[:3])} failed ({p.returncode}):\n{p.stderr}")
        return p

    def use_cloud_of(self, server):
        """Registers `server` as the cloud "Coffer" (ADFS-style authority, CLIENT-FLOWS.md §5.1) and selects it."""
        port = server.port
        cloud = {"endpoints": {"resourceManager": f"https://localhost:{port}/",
                               "activeDirectory": f"https://localhost:{port}/adfs",
                               "activeDirectoryResourceId": f"https://localhost:{port}/",
                               "activeDirectoryGraphResourceId": f"https://localhost:{port}/",
                               "microsoftGraphResourceId": f"https://localhost:{port}/"},
                 "suffixes": {"keyvaultDns": f".vault.localhost:{port}"}}
        path = os.path.join(self.config_dir, "cloud.json")
        with open(path, "w") as f:
            json.dump(cloud, f)
        self("cloud", "register", "-n", "Coffer", "--cloud-config", "@" + path)
        self("cloud", "set", "-n", "Coffer")


def assert_needs_admin(test, server, method, path):
    """`method /coffer/admin{path}` answers 401 without a token and 403 to a new service principal
    that has no role; nothing else is sent to it."""
    import requests
    url = server.authority + "/coffer/admin" + path
    test.assertEqual(requests.request(method, url, verify=server.ca_file, timeout=10).status_code, 401)
    made = admin(server, "POST", "/service-principals", {"displayName": "no-role"})
    test.assertEqual(made.status_code, 201, made.text)
    sp = made.json()
    canary(sp["clientSecret"])
    r = requests.post(f"{server.authority}/adfs/oauth2/token", verify=server.ca_file, timeout=10, data={
        "grant_type": "client_credentials", "client_id": sp["clientId"], "client_secret": sp["clientSecret"],
        "scope": server.authority + "/.default"})
    r.raise_for_status()
    denied = requests.request(method, url, verify=server.ca_file, timeout=10,
                              headers={"Authorization": "Bearer " + r.json()["access_token"]})
    test.assertEqual(denied.status_code, 403, denied.text)


def coffer_cli(server, *args, timeout=120):
    """The `coffer` CLI run against `server` through --data-dir, without the caller's AZURE_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
    return subprocess.run([COFFER_BIN, *args, "--data-dir", server.data_dir], capture_output=True, text=True,
                          timeout=timeout, env=env)


def admin(server, method, path, body=None):
    import requests
    t = token(server, server.authority)
    return requests.request(method, server.authority + "/coffer/admin" + path, json=body,
                            headers={"Authorization": "Bearer " + t}, verify=server.ca_file)


class CofferCliTest(unittest.TestCase):
    """A dev server per test class and the `coffer` CLI pointed at it through
    --data-dir (no AZURE_* settings from the environment); `tmp` is a scratch
    directory removed afterwards."""
    tmp_prefix = "coffer-cli-"

    @classmethod
    def setUpClass(cls):
        cls.server = CofferServer().start()
        cls.env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
        cls.tmp = tempfile.mkdtemp(prefix=cls.tmp_prefix)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def coffer(self, *args, check=True, timeout=120):
        p = subprocess.run([COFFER_BIN, *args, "--data-dir", self.server.data_dir], capture_output=True, text=True,
                           timeout=timeout, env=self.env)
        if check and p.returncode != 0:
            raise AssertionError(f"coffer {' '.join(args)} exited {p.returncode}: {p.stderr}")
        return p

    def js(self, *args):
        return json.loads(self.coffer(*args).stdout)


METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
METRIC_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Prometheus text: ({(name, frozenset(labels)): value}, {name: type from the # TYPE lines})."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            types[name] = kind
            continue
        if not line or line.startswith("#"):
            continue
        m = METRIC_LINE.match(line)
        assert m, f"not a sample line: {line!r}"
        samples[(m.group(1), frozenset(METRIC_LABEL.findall(m.group(3) or "")))] = float(m.group(4))
    return samples, types


def metrics_port(server):
    """The port of `server`'s /metrics listener (metricsListen with port 0), from its log."""
    for line in server.output:
        m = re.search(r"coffer metrics on http://\S+ \(port (\d+)\)", line)
        if m:
            return int(m.group(1))
    raise AssertionError("the server logged no metrics listener")


def scrape_metrics(server, path="/metrics"):
    """GET /metrics of `server` (plain HTTP on loopback): (text, content type)."""
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port(server)}{path}", timeout=10) as r:
        return r.read().decode(), r.headers["Content-Type"]


def metric(server, name, **labels):
    """One sample of `server`'s /metrics now (0 when the series does not exist)."""
    samples, _ = parse_metrics(scrape_metrics(server)[0])
    return samples.get((name, frozenset(labels.items())), 0)

