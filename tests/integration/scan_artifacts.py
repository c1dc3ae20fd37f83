"""Runs after the whole integration suite (ctest fixture cleanup): every data
directory the tests used is still in $COFFER_TEST_ARTIFACTS. No file there —
databases with their WAL, audit logs, anything else the server wrote — may
hold a secret value or key material a test registered with canary(), any
access token or client assertion (a JWT), or a client secret outside the
credential files the server hands out by design (dev.json, initial-admin.json)."""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

ARTIFACTS = os.environ.get("COFFER_TEST_ARTIFACTS", "")
CREDENTIAL_FILES = {"dev.json", "initial-admin.json", "canaries.txt"}
JWT = re.compile(rb"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")


def files():
    for root, _, names in os.walk(ARTIFACTS):
        for name in names:
            yield os.path.join(root, name)


def sentinel(value):
    """The longest run of `value` without a newline or NUL: every file that holds `value` holds it."""
    return max(re.split(rb"[\n\0]", value), key=len)


def files_holding_any(sentinels):
    """The files under ARTIFACTS holding one of `sentinels` (fixed byte strings), found by one
    `grep -F` pass (a multi-pattern search) instead of one Python search per value per file."""
    with tempfile.NamedTemporaryFile("wb", suffix=".patterns") as patterns:
        patterns.write(b"\n".join(sentinels) + b"\n")
        patterns.flush()
        found = subprocess.run(["grep", "-r", "-l", "-a", "-F", "-f", patterns.name, ARTIFACTS],
                               capture_output=True, env=dict(os.environ, LC_ALL="C"))
    if found.returncode not in (0, 1):  # 1: no file holds any
        raise RuntimeError(f"grep failed: {found.stderr.decode(errors='replace')}")
    return {os.fsdecode(line) for line in found.stdout.splitlines()}


class NothingSecretAtRestTest(unittest.TestCase):
    def setUp(self):
        if not os.path.isdir(ARTIFACTS):
            self.skipTest("no $COFFER_TEST_ARTIFACTS (run through ctest)")

    def test_no_canary_token_or_client_secret_is_stored(self):
        canaries = set()
        path = os.path.join(ARTIFACTS, "canaries.txt")
        if os.path.exists(path):
            with open(path) as f:
                canaries = {bytes.fromhex(line.strip()) for line in f if line.strip()}
        client_secrets = set()
        for p in files():
            if os.path.basename(p) in ("dev.json", "initial-admin.json"):
                with open(p) as f:
                    client_secrets.add(json.load(f)["clientSecret"].encode())
        # Values with a long enough sentinel are looked for only in the files grep found holding
        # one; the few others (binary values without 8 bytes free of newlines and NULs) everywhere.
        values = canaries | client_secrets
        prefiltered = {v for v in values if len(sentinel(v)) >= 8}
        everywhere = values - prefiltered
        candidates = files_holding_any(sorted({sentinel(v) for v in prefiltered})) if prefiltered else set()
        scanned = 0
        for p in files():
            if os.path.basename(p) in CREDENTIAL_FILES or not os.path.isfile(p):
                continue
            with open(p, "rb") as f:
                data = f.read()
            scanned += 1
            for value in (values if p in candidates else everywhere):
                if value in data:
                    self.fail(f"{p} holds a registered secret value or client secret at byte {data.index(value)}")
            m = JWT.search(data)
            if m:
                self.fail(f"{p} holds a token at byte {m.start()}: {m.group(0)[:40]}...")
        print(f"scanned {scanned} files for {len(canaries)} canaries, {len(client_secrets)} client secrets and JWTs "
              f"({len(candidates)} files held a sentinel; {len(everywhere)} values looked for everywhere)",
              file=sys.stderr)
        self.assertGreater(scanned, 0)
        self.assertGreater(len(canaries), 0, "the suite registered no canaries")


if __name__ == "__main__":
    unittest.main()
