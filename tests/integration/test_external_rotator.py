"""Secret rotation by an external rotator (issue 16, EVENTS-SPEC.md §4): a
rotation policy with a "rotator" makes Coffer drive a loopback HTTPS rotator
through createSecret, setSecret, testSecret and finishSecret with one
ClientRequestToken (the PENDING version). The test's rotator fails each step
before it succeeds: the old value stays current, the PENDING version is
readable by its id only (never latest, never listed), and one
SecretNewVersionCreated is sent when the rotation finishes. Also: a rotation
that times out (Failed, resumed by rotate with the same token), a client's
SetSecret aborting a rotation, rotate --force, a rotator that supplies the
value (generator none), and a kill -9 of the server between steps."""
import time
import unittest

from coffer_server import admin, canary, coffer_cli, metric
from webhook_receiver import HookedServerTest, verify_signature

STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"]
CREATED = "Microsoft.KeyVault.SecretNewVersionCreated"
STARTED = "Coffer.KeyVault.SecretRotationStarted"
FAILED = "Coffer.KeyVault.SecretRotationFailed"


class Rotator:
    """The script of the loopback rotator: `failures[step]` answers 500 that many times before 200;
    `always_fail` steps never succeed; `create_answer` is createSecret's answer body."""

    def __init__(self):
        self.failures = {}
        self.always_fail = set()
        self.create_answer = None
        self.calls = []

    def __call__(self, body):
        if not isinstance(body, dict) or "Step" not in body:
            return None  # an event post: the receiver's own answers
        self.calls.append(body)
        step = body["Step"]
        if step in self.always_fail:
            return 503, {"error": "target system unavailable"}
        if self.failures.get(step, 0) > 0:
            self.failures[step] -= 1
            return 500, None
        return 200, self.create_answer if step == "createSecret" else None


class ExternalRotatorTest(HookedServerTest):
    def setUp(self):
        super().setUp()
        self.rotator = Rotator()
        self.hook.respond = self.rotator

    def subscribe(self):
        body = {"properties": {"destination": {"endpointType": "WebHook",
                                               "properties": {"endpointUrl": self.hook.url()}},
                               "filter": {"includedEventTypes": [CREATED, STARTED, FAILED]}}}
        self.assertEqual(admin(self.server, "PUT", "/vaults/dev/eventSubscriptions/rotations", body).status_code,
                         200)

    def set_policy(self, name, generator=None, **rotator):
        policy = {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"}, "action": {"type": "Rotate"}}],
                  "generator": generator or {"type": "randomBytes", "length": 24, "encoding": "base64url"},
                  "rotator": dict({"endpointUrl": self.hook.url("/rotator")}, **rotator)}
        r = self.rest("PUT", f"/secrets/{name}/rotationpolicy", policy)
        self.assertEqual(r.status_code, 200, r.text)
        return r.json()

    def status(self, name):
        r = self.rest("GET", f"/secrets/{name}/rotation")
        self.assertEqual(r.status_code, 200, r.text)
        return r.json()

    def wait_status(self, name, done, what, timeout=20):
        deadline = time.time() + timeout
        while True:
            s = self.status(name)
            if done(s):
                return s
            if time.time() > deadline:
                self.fail(f"{what}: the rotation stands at {s}; rotator calls {self.rotator.calls}")
            time.sleep(0.1)

    def events_of(self, event_type):
        return [p["body"][0] for p in self.hook.events() if p["body"][0]["eventType"] == event_type]

    def test_four_steps_each_failing_once_then_the_pending_version_becomes_current(self):
        self.subscribe()
        old = self.secrets.set_secret("db-password", "old-value", tags={"CredentialId": "user1"})
        self.hook.wait_events(1)
        policy = self.set_policy("db-password", strategy="alternating", rotationTimeout="PT6H")
        self.assertEqual(policy["rotator"], {"endpointUrl": self.hook.url("/rotator"), "strategy": "alternating",
                                             "rotationTimeout": "PT6H"})
        for step in STEPS:
            self.rotator.failures[step] = 1

        started = self.rest("POST", "/secrets/db-password/rotate")
        self.assertEqual(started.status_code, 202, started.text)
        s = started.json()
        self.assertEqual(s["status"], "InProgress")
        self.assertEqual(s["step"], "createSecret")
        token = s["stages"]["PENDING"]
        self.assertEqual(s["stages"]["CURRENT"], old.properties.version)

        # PENDING: readable by its version id, never the latest, never listed.
        pending = self.secrets.get_secret("db-password", token)
        canary(pending.value)
        self.assertNotEqual(pending.value, "old-value")
        self.assertEqual(pending.properties.tags, {"CredentialId": "user1"})
        self.assertEqual(self.secrets.get_secret("db-password").value, "old-value")
        listed = [p.version for p in self.secrets.list_properties_of_secret_versions("db-password")]
        self.assertEqual(listed, [old.properties.version])
        self.assertEqual(self.rest("POST", "/secrets/db-password/backup").status_code, 200)

        # Each step fails once (500), is retried 10 s later by the server's clock, then succeeds.
        for i, step in enumerate(STEPS):
            s = self.wait_status("db-password", lambda s, step=step: s.get("attempts") == 1 and s["step"] == step,
                                 f"{step} failed once")
            self.assertIn("500", s["lastError"])
            self.assertEqual(self.secrets.get_secret("db-password").value, "old-value", "the old value stays current")
            self.advance(11)
            if i + 1 < len(STEPS):
                self.wait_status("db-password", lambda s, i=i: s.get("step") == STEPS[i + 1], f"{step} done")
        s = self.wait_status("db-password", lambda s: s["status"] == "Idle", "the rotation finished")
        self.assertEqual(s["stages"], {"CURRENT": token, "PREVIOUS": old.properties.version})
        for step in STEPS:
            self.assertEqual(metric(self.server, "coffer_secret_rotation_steps_total", step=step, result="failed"), 1)
            self.assertEqual(metric(self.server, "coffer_secret_rotation_steps_total", step=step, result="done"), 1)

        current = self.secrets.get_secret("db-password")
        self.assertEqual(current.properties.version, token)
        self.assertEqual(current.value, pending.value)
        self.assertEqual(self.secrets.get_secret("db-password", old.properties.version).value, "old-value",
                         "PREVIOUS stays readable for version-pinned readers")
        self.assertEqual(sorted(p.version for p in self.secrets.list_properties_of_secret_versions("db-password")),
                         sorted([old.properties.version, token]))

        calls = self.rotator.calls
        self.assertEqual([c["Step"] for c in calls], [s for s in STEPS for _ in range(2)])
        for c in calls:
            self.assertEqual(c["ClientRequestToken"], token)
            self.assertEqual(c["SecretId"], f"{self.server.vault_url()}/secrets/db-password")
            self.assertEqual(c["CurrentVersion"], old.properties.version)
            self.assertEqual(c["Strategy"], "alternating")
            self.assertNotIn(pending.value, str(c), "no secret value travels to the rotator")

        # Exactly one NewVersionCreated for the rotation, sent when it finished; Started before it.
        deadline = time.time() + 20
        while len(self.events_of(CREATED)) < 2 and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual([e["data"]["Version"] for e in self.events_of(CREATED)], [old.properties.version, token])
        self.assertEqual([e["data"]["Version"] for e in self.events_of(STARTED)], [token])
        self.assertEqual(self.events_of(FAILED), [])

        # The next rotation hands the rotator PREVIOUS and its CredentialId (alternating users).
        self.rotator.calls.clear()
        second = self.rest("POST", "/secrets/db-password/rotate").json()
        self.wait_status("db-password", lambda s: s["status"] == "Idle", "the second rotation finished")
        self.assertEqual(self.rotator.calls[0]["PreviousVersion"], old.properties.version)
        self.assertEqual(self.rotator.calls[0]["CredentialId"], "user1")
        self.assertEqual(self.status("db-password")["stages"],
                         {"CURRENT": second["stages"]["PENDING"], "PREVIOUS": token})

    def test_a_rotation_that_times_out_fails_keeps_the_old_value_and_resumes_with_its_token(self):
        self.subscribe()
        self.secrets.set_secret("api-key", "old-value")
        self.set_policy("api-key", rotationTimeout="PT5M")
        self.rotator.always_fail.add("setSecret")
        token = self.rest("POST", "/secrets/api-key/rotate").json()["stages"]["PENDING"]
        # 10 s, 30 s, 60 s, then 300 s would pass the five minutes: Failed.
        for attempts in (1, 2, 3):
            self.wait_status("api-key", lambda s, a=attempts: s.get("attempts") == a, f"setSecret try {attempts}")
            self.advance(61)
        s = self.wait_status("api-key", lambda s: s["status"] == "Failed", "the rotation gave up")
        self.assertEqual(s["stages"]["PENDING"], token)
        self.assertIn("503", s["lastError"])
        self.assertEqual(self.secrets.get_secret("api-key").value, "old-value")
        self.hook.wait_events(3)  # NewVersionCreated (the set), Started, Failed
        failed = self.events_of(FAILED)
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed[0]["data"]["Version"], token)
        self.assertIn("setSecret failed", failed[0]["data"]["Reason"])

        # The rotator is back: a manual rotate resumes the same rotation where it stopped.
        self.rotator.always_fail.clear()
        self.rotator.calls.clear()
        resumed = self.rest("POST", "/secrets/api-key/rotate")
        self.assertEqual(resumed.status_code, 202, resumed.text)
        self.assertEqual(resumed.json()["stages"]["PENDING"], token)
        self.wait_status("api-key", lambda s: s["status"] == "Idle", "the resumed rotation finished")
        self.assertEqual([c["Step"] for c in self.rotator.calls], STEPS[1:])
        self.assertEqual(self.secrets.get_secret("api-key").properties.version, token)

    def test_a_clients_set_wins_over_a_rotation_and_force_restarts_one(self):
        self.subscribe()
        self.secrets.set_secret("shared-token", "v1")
        self.set_policy("shared-token")
        self.rotator.always_fail.add("testSecret")
        token = self.rest("POST", "/secrets/shared-token/rotate").json()["stages"]["PENDING"]
        self.wait_status("shared-token", lambda s: s.get("step") == "testSecret" and s.get("attempts") == 1,
                         "testSecret failed")
        self.assertEqual(self.rest("POST", "/secrets/shared-token/rotate", query="&force=false").status_code, 202)

        by_client = self.secrets.set_secret("shared-token", "set-by-a-client")
        s = self.status("shared-token")
        self.assertEqual(s["status"], "Idle")
        self.assertEqual(s["stages"]["CURRENT"], by_client.properties.version)
        self.assertEqual(self.secrets.get_secret("shared-token").value, "set-by-a-client")
        r = self.rest("GET", f"/secrets/shared-token/{token}")
        self.assertEqual((r.status_code, r.json()["error"]["code"]), (403, "Forbidden"), "the aborted PENDING")
        deadline = time.time() + 20
        while not self.events_of(FAILED) and time.time() < deadline:
            time.sleep(0.1)
        self.assertIn("client set a new version", self.events_of(FAILED)[0]["data"]["Reason"])

        # rotate --force abandons the rotation in progress and starts another with a new token.
        first = self.rest("POST", "/secrets/shared-token/rotate").json()["stages"]["PENDING"]
        out = coffer_cli(self.server, "keyvault", "secret", "rotate", "--vault-name", "dev", "--name",
                         "shared-token", "--force")
        self.assertEqual(out.returncode, 0, out.stderr)
        import json
        second = json.loads(out.stdout)["stages"]["PENDING"]
        self.assertNotEqual(second, first)
        self.assertEqual(self.rest("GET", f"/secrets/shared-token/{first}").status_code, 403)
        shown = coffer_cli(self.server, "keyvault", "secret", "rotation", "show", "--vault-name", "dev", "--name",
                           "shared-token")
        self.assertEqual(json.loads(shown.stdout)["stages"]["PENDING"], second)
        self.assertEqual(self.secrets.get_secret("shared-token").value, "set-by-a-client")

    def test_the_rotator_supplies_the_value_and_a_kill_between_steps_resumes(self):
        self.secrets.set_secret("db-admin", "old-value")
        self.set_policy("db-admin", generator={"type": "none"})
        self.rotator.create_answer = {"value": "chosen-by-the-target", "tags": {"CredentialId": "admin2"}}
        self.rotator.always_fail.add("testSecret")
        token = self.rest("POST", "/secrets/db-admin/rotate").json()["stages"]["PENDING"]
        self.wait_status("db-admin", lambda s: s.get("step") == "testSecret" and s.get("attempts") == 1,
                         "testSecret failed")
        pending = self.secrets.get_secret("db-admin", token)
        self.assertEqual((pending.value, pending.properties.tags),
                         ("chosen-by-the-target", {"CredentialId": "admin2"}))

        port = self.server.port
        self.server.kill()
        self.rotator.always_fail.clear()
        self.rotator.calls.clear()
        self.server.start(port=port)  # the clients keep their URLs
        self.assertEqual(self.secrets.get_secret("db-admin").value, "old-value")
        self.advance(120)  # past the retry and any claim the killed server held
        self.wait_status("db-admin", lambda s: s["status"] == "Idle", "the rotation resumed after the restart")
        self.assertEqual([(c["Step"], c["ClientRequestToken"]) for c in self.rotator.calls],
                         [("testSecret", token), ("finishSecret", token)])
        self.assertEqual(self.secrets.get_secret("db-admin").value, "chosen-by-the-target")

    def test_signed_steps_carry_standard_webhooks_signatures(self):
        self.secrets.set_secret("signed", "old-value")
        stored = self.set_policy("signed", signing={"scheme": "standard-webhooks"})
        secret = stored["rotator"]["signing"]["secret"]
        self.assertTrue(secret.startswith("whsec_"), stored)
        shown = self.rest("GET", "/secrets/signed/rotationpolicy").json()
        self.assertEqual(shown["rotator"]["signing"], {"scheme": "standard-webhooks"}, "shown once, when made")
        again = self.set_policy("signed", signing={"scheme": "standard-webhooks"})
        self.assertNotIn("secret", again["rotator"]["signing"], "a new put keeps the secret")
        self.rotator.failures["setSecret"] = 1
        self.rest("POST", "/secrets/signed/rotate")
        self.wait_status("signed", lambda s: s.get("attempts") == 1, "setSecret failed once")
        self.advance(11)
        self.wait_status("signed", lambda s: s["status"] == "Idle", "the signed rotation finished")
        steps = [r for r in self.hook.requests if isinstance(r["body"], dict) and "Step" in r["body"]]
        self.assertEqual([r["body"]["Step"] for r in steps], ["createSecret", "setSecret", "setSecret",
                                                               "testSecret", "finishSecret"])
        for r in steps:
            self.assertTrue(verify_signature(r, secret), r["headers"])
            self.assertEqual(r["headers"]["webhook-id"], f"{r['body']['ClientRequestToken']}.{r['body']['Step']}")
        self.assertEqual(steps[1]["headers"]["webhook-id"], steps[2]["headers"]["webhook-id"], "stable on retry")
        self.assertFalse(verify_signature(steps[0], "whsec_" + "QUFB" * 8), "another secret does not verify")
        # A new secret on request; the old one no longer verifies.
        rotated = self.set_policy("signed", signing={"scheme": "standard-webhooks", "rotateSecret": True})
        new_secret = rotated["rotator"]["signing"]["secret"]
        self.assertNotEqual(new_secret, secret)
        before = len(self.hook.requests)
        token = self.rest("POST", "/secrets/signed/rotate").json()["stages"]["PENDING"]
        self.wait_status("signed", lambda s: s["stages"]["CURRENT"] == token, "the second rotation finished")
        latest = self.hook.requests[before]
        self.assertTrue(verify_signature(latest, new_secret))
        self.assertFalse(verify_signature(latest, secret))

    def test_bad_rotator_policies_are_refused(self):
        self.secrets.set_secret("s", "x")
        bad = [
            {"rotator": {"endpointUrl": "http://plain.example/rotate"}},
            {"rotator": {"endpointUrl": "https://r.example/", "strategy": "sometimes"}},
            {"rotator": {"endpointUrl": "https://r.example/", "rotationTimeout": "PT1M"}},
            {"rotator": {"endpointUrl": "https://r.example/", "rotationTimeout": "P30D"}},
            {"rotator": {"endpointUrl": "https://r.example/", "rotationTimeout": "soon"}},
            {"rotator": {}},
            {"rotator": "https://r.example/"},
            {"generator": {"type": "none"}},
            {"generator": {"type": "none", "length": 3}, "rotator": {"endpointUrl": "https://r.example/"}},
            {"rotator": {"endpointUrl": "https://r.example/", "signing": {"scheme": "hmac-please"}}},
            {"rotator": {"endpointUrl": "https://r.example/", "signing": {}}},
            {"rotator": {"endpointUrl": "https://r.example/", "signing": "yes"}},
        ]
        for policy in bad:
            r = self.rest("PUT", "/secrets/s/rotationpolicy", policy)
            self.assertEqual(r.status_code, 400, f"{policy}: {r.text}")
            self.assertEqual(r.json()["error"]["code"], "BadParameter")
        self.assertEqual(self.rest("GET", "/secrets/missing/rotation").status_code, 404)
        s = self.status("s")
        self.assertEqual((s["status"], list(s["stages"])), ("Idle", ["CURRENT"]))


if __name__ == "__main__":
    unittest.main()
