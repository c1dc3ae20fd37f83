"""Events to webhooks (issue 16, EVENTS-SPEC.md §1–§3): event
subscriptions on the admin API with Event Grid's validation handshake; the
NewVersionCreated events of secrets, keys and certificates written with
their change and delivered to a loopback HTTPS receiver in the Event Grid
schema and in CloudEvents 1.0, parsed by Debian's azure-eventgrid; filters;
order per object; retries on Event Grid's schedule (moved by --test-clock)
with the same event id; dead letters; an event that survives a kill -9 of
the server while its receiver is away; NearExpiry and Expired by the test
clock; VaultAccessPolicyChanged on role assignments; and `coffer
event-subscription`."""
import json
import time
import unittest
import uuid

import requests
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent
from azure.keyvault.keys import KeyClient
from azure.keyvault.secrets import SecretClient

from coffer_server import CofferServer, admin, coffer_cli, credential, metric, token
from webhook_receiver import WebhookReceiver, server_for, verify_signature

TYPES = "Microsoft.KeyVault."


class EventsTest(unittest.TestCase):
    def setUp(self):
        self.hook = WebhookReceiver()
        self.server = server_for(self.hook)
        self.secrets = SecretClient(self.server.vault_url(), credential(self.server),
                                    connection_verify=self.server.ca_file)

    def tearDown(self):
        self.server.cleanup()
        self.hook.close()

    def subscribe(self, name, **properties):
        body = {"properties": dict({"destination": {"endpointType": "WebHook",
                                                    "properties": {"endpointUrl": self.hook.url()}}}, **properties)}
        return admin(self.server, "PUT", f"/vaults/dev/eventSubscriptions/{name}", body)

    def test_the_handshake_is_required_and_the_subscription_is_shown(self):
        r = self.subscribe("all-events")
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.json()["properties"]["provisioningState"], "Succeeded")
        handshake = self.hook.requests[0]
        self.assertEqual(handshake["headers"]["aeg-event-type"], "SubscriptionValidation")
        self.assertEqual(handshake["headers"]["aeg-subscription-name"], "ALL-EVENTS")
        self.assertEqual(handshake["body"][0]["eventType"], "Microsoft.EventGrid.SubscriptionValidationEvent")
        listed = admin(self.server, "GET", "/vaults/dev/eventSubscriptions").json()["value"]
        self.assertEqual([s["name"] for s in listed], ["all-events"])
        # A secret in the endpoint's query is never shown back.
        body = {"properties": {"destination": {"endpointType": "WebHook", "properties": {
            "endpointUrl": self.hook.url("/hook?code=webhook-secret-1234")}}}}
        r = admin(self.server, "PUT", "/vaults/dev/eventSubscriptions/with-code", body)
        self.assertEqual(r.status_code, 200, r.text)
        self.assertNotIn("webhook-secret-1234", r.text)
        self.assertEqual(r.json()["properties"]["destination"]["properties"]["endpointBaseUrl"], self.hook.url("/hook"))
        self.assertEqual(self.hook.requests[-1]["path"], "/hook?code=webhook-secret-1234", "but it is used")
        self.assertEqual(admin(self.server, "DELETE", "/vaults/dev/eventSubscriptions/with-code").status_code, 204)
        # An endpoint that answers 200 without the code may validate by hand (validationUrl) within 5 minutes.
        self.hook.echo_validation = False
        r = self.subscribe("by-hand")
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.json()["properties"]["provisioningState"], "AwaitingManualAction")
        link = self.hook.requests[-1]["body"][0]["data"]["validationUrl"]
        self.assertTrue(link.startswith(f"https://localhost:{self.server.port}/coffer/eventvalidation?"), link)
        self.secrets.set_secret("unseen", "x")  # before validation: not for it
        time.sleep(1.5)  # fanned out meanwhile (every 0.5 s), to the validated subscriptions only
        plain = requests.Session()
        plain.trust_env = False
        self.assertEqual(plain.get(link + "x", verify=self.server.ca_file).status_code, 400, "a wrong token")
        got = plain.get(link, verify=self.server.ca_file)  # no Coffer identity: the link is the credential
        self.assertEqual((got.status_code, got.json()), (200, {"provisioningState": "Succeeded"}), got.text)
        self.assertEqual(plain.get(link, verify=self.server.ca_file).status_code, 400, "used once")
        shown = admin(self.server, "GET", "/vaults/dev/eventSubscriptions/by-hand").json()
        self.assertEqual(shown["properties"]["provisioningState"], "Succeeded")
        self.secrets.set_secret("seen", "x")
        deadline = time.time() + 20
        by_hand = lambda: [p["body"][0]["subject"] for p in self.hook.events()
                           if p["headers"]["aeg-subscription-name"] == "BY-HAND"]
        while not by_hand() and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(by_hand(), ["seen"])
        self.assertEqual(admin(self.server, "DELETE", "/vaults/dev/eventSubscriptions/by-hand").status_code, 204)
        self.assertEqual(self.subscribe("too-late").status_code, 200)
        link = self.hook.requests[-1]["body"][0]["data"]["validationUrl"]
        admin(self.server, "POST", "/clock/advance", {"seconds": 301})
        shown = admin(self.server, "GET", "/vaults/dev/eventSubscriptions/too-late").json()
        self.assertEqual(shown["properties"]["provisioningState"], "Failed")
        self.assertEqual(plain.get(link, verify=self.server.ca_file).status_code, 400, "expired")
        self.assertEqual(admin(self.server, "DELETE", "/vaults/dev/eventSubscriptions/too-late").status_code, 204)
        # An endpoint nobody answers at is refused the same way (a clear 400, not a 500).
        unreachable = {"properties": {"destination": {"properties": {"endpointUrl": "https://localhost:1/hook"}}}}
        r = admin(self.server, "PUT", "/vaults/dev/eventSubscriptions/nobody", unreachable)
        self.assertEqual(r.status_code, 400, r.text)
        self.assertIn("validation handshake", r.json()["error"]["message"])
        # Bad shapes are 400 BadParameter, never 500.
        self.hook.echo_validation = True
        for bad in ({"properties": {}},
                    {"properties": {"destination": {"properties": {"endpointUrl": "http://plain.example/"}}}},
                    {"properties": {"destination": {"properties": {"endpointUrl": self.hook.url()}},
                                    "filter": {"includedEventTypes": ["Microsoft.KeyVault.Nope"]}}},
                    {"properties": {"destination": {"properties": {"endpointUrl": self.hook.url()}},
                                    "retryPolicy": {"maxDeliveryAttempts": 0}}}):
            r = admin(self.server, "PUT", "/vaults/dev/eventSubscriptions/bad-shape", bad)
            self.assertEqual(r.status_code, 400, r.text)
            self.assertEqual(r.json()["error"]["code"], "BadParameter", r.text)
        self.assertEqual(admin(self.server, "DELETE", "/vaults/dev/eventSubscriptions/all-events").status_code, 204)
        self.assertEqual(admin(self.server, "DELETE", "/vaults/dev/eventSubscriptions/all-events").status_code, 404)

    def test_new_versions_arrive_in_the_event_grid_schema_in_order(self):
        self.assertEqual(self.subscribe("grid").status_code, 200)
        versions = [self.secrets.set_secret("db-password", f"v{i}").properties.version for i in range(3)]
        exp = self.secrets.update_secret_properties("db-password", versions[-1]).expires_on
        self.assertIsNone(exp)
        posts = self.hook.wait_events(3)
        self.assertEqual([p["body"][0]["data"]["Version"] for p in posts], versions, "in the order of the changes")
        first = posts[0]
        self.assertEqual(first["headers"]["content-type"], "application/json")
        self.assertEqual(first["headers"]["aeg-delivery-count"], "0")
        self.assertEqual(len(first["body"]), 1)
        event = EventGridEvent.from_dict(first["body"][0])
        self.assertEqual(event.event_type, TYPES + "SecretNewVersionCreated")
        self.assertEqual(event.subject, "db-password")
        self.assertTrue(event.topic.endswith("/providers/Microsoft.KeyVault/vaults/dev"), event.topic)
        self.assertEqual(event.data["Id"], f"{self.server.vault_url()}/secrets/db-password/{versions[0]}")
        self.assertEqual(event.data["VaultName"], "dev")
        self.assertEqual(event.data["ObjectType"], "Secret")
        self.assertNotIn("EXP", event.data)
        self.assertRegex(first["body"][0]["eventTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$")
        self.assertNotIn("v0", str(posts), "no secret value travels in an event")
        # Keys and certificates too, with EXP when set.
        keys = KeyClient(self.server.vault_url(), credential(self.server), connection_verify=self.server.ca_file)
        key = keys.create_ec_key("signing", curve="P-256", expires_on=None)
        posts = self.hook.wait_events(4)
        self.assertEqual(posts[3]["body"][0]["eventType"], TYPES + "KeyNewVersionCreated")
        self.assertEqual(posts[3]["body"][0]["data"]["Id"], key.id)

    def test_cloud_events_and_filters(self):
        # CloudEvents subscriptions do the CloudEvents webhook abuse protection, not Event Grid's validation event.
        self.hook.allowed_origin = None  # 405: no consent
        r = self.subscribe("cloud", eventDeliverySchema="CloudEventSchemaV1_0")
        self.assertEqual(r.status_code, 400, r.text)
        self.assertIn("abuse-protection", r.json()["error"]["message"])
        self.hook.allowed_origin = "someone-else.example"
        self.assertEqual(self.subscribe("cloud", eventDeliverySchema="CloudEventSchemaV1_0").status_code, 400)
        self.hook.allowed_origin = "eventgrid.azure.net"
        self.assertEqual(self.subscribe("cloud", eventDeliverySchema="CloudEventSchemaV1_0",
                                        filter={"includedEventTypes": [TYPES + "SecretNewVersionCreated"],
                                                "subjectBeginsWith": "db-"}).status_code, 200)
        probe = self.hook.requests[-1]
        self.assertEqual((probe["method"], probe["headers"]["webhook-request-origin"]),
                         ("OPTIONS", "eventgrid.azure.net"))
        self.assertFalse([r for r in self.hook.requests if r["headers"].get("aeg-event-type") ==
                          "SubscriptionValidation"], "no Event Grid validation event for CloudEvents")
        self.secrets.set_secret("web-token", "ignored by the prefix")
        expires = int(time.time()) + 86400 * 60
        s = self.secrets.set_secret("db-user", "x", expires_on=__import__("datetime").datetime.fromtimestamp(
            expires, __import__("datetime").timezone.utc))
        KeyClient(self.server.vault_url(), credential(self.server),
                  connection_verify=self.server.ca_file).create_ec_key("db-key", curve="P-256")
        posts = self.hook.wait_events(1)
        time.sleep(2)  # nothing else may come
        posts = self.hook.events()
        self.assertEqual(len(posts), 1, posts)
        post = posts[0]
        self.assertEqual(post["headers"]["content-type"], "application/cloudevents+json; charset=utf-8")
        self.assertEqual(post["headers"]["webhook-request-origin"], "eventgrid.azure.net")
        event = CloudEvent.from_dict(post["body"])
        self.assertEqual(event.type, TYPES + "SecretNewVersionCreated")
        self.assertEqual(event.subject, "db-user")
        self.assertEqual(event.specversion, "1.0")
        self.assertEqual(event.data["Version"], s.properties.version)
        self.assertEqual(event.data["EXP"], expires)

    def test_failed_deliveries_retry_with_the_same_id_then_dead_letter(self):
        self.assertEqual(self.subscribe("flaky", retryPolicy={"maxDeliveryAttempts": 3,
                                                              "eventTimeToLiveInMinutes": 1440}).status_code, 200)
        self.hook.answers = [500, 503]
        self.secrets.set_secret("retried", "x")
        self.hook.wait_events(1)
        for seconds, count in ((10, 2), (30, 3)):
            time.sleep(0.5)
            self.assertEqual(len(self.hook.events()), count - 1, "not before the schedule says")
            admin(self.server, "POST", "/clock/advance", {"seconds": seconds})
            self.hook.wait_events(count)
        posts = self.hook.events()
        self.assertEqual(len({p["body"][0]["id"] for p in posts}), 1, "one event id across the attempts")
        self.assertEqual([p["headers"]["aeg-delivery-count"] for p in posts], ["0", "1", "2"])
        # A receiver that refuses an event (400) sends it to the dead letters at once.
        self.hook.answers = [400]
        self.secrets.set_secret("refused", "x")
        self.hook.wait_events(4)
        deadline = time.time() + 10
        while time.time() < deadline:
            dead = admin(self.server, "GET", "/vaults/dev/eventSubscriptions/flaky/deadLetters").json()["value"]
            if dead:
                break
            time.sleep(0.2)
        self.assertEqual(len(dead), 1, dead)
        self.assertEqual(dead[0]["deadLetterReason"], "BadRequest")
        self.assertEqual(dead[0]["subject"], "refused")
        # Three failures in a row end at maxDeliveryAttempts.
        self.hook.answers = [500, 500, 500]
        self.secrets.set_secret("given-up", "x")
        self.hook.wait_events(5)
        for seconds, count in ((10, 6), (30, 7)):
            admin(self.server, "POST", "/clock/advance", {"seconds": seconds})
            self.hook.wait_events(count)
        deadline = time.time() + 10
        while time.time() < deadline:
            dead = admin(self.server, "GET", "/vaults/dev/eventSubscriptions/flaky/deadLetters").json()["value"]
            if len(dead) == 2:
                break
            time.sleep(0.2)
        self.assertEqual(sorted(d["deadLetterReason"] for d in dead), ["BadRequest", "MaxDeliveryAttemptsExceeded"])
        # Replayed: sent again (same ids, attempts afresh), gone from the dead letters.
        dead_ids = {d["id"] for d in dead}
        r = admin(self.server, "POST", "/vaults/dev/eventSubscriptions/flaky/deadLetters/replay")
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.json(), {"replayed": 2})
        posts = self.hook.wait_events(9)
        self.assertEqual({p["body"][0]["id"] for p in posts[7:]}, dead_ids)
        self.assertEqual([p["headers"]["aeg-delivery-count"] for p in posts[7:]], ["0", "0"])
        self.assertEqual(admin(self.server, "GET", "/vaults/dev/eventSubscriptions/flaky/deadLetters").json()["value"],
                         [])
        # Purged: dead letters removed for good.
        self.hook.answers = [400]
        self.secrets.set_secret("purged", "x")
        self.hook.wait_events(10)
        deadline = time.time() + 10
        while time.time() < deadline and not admin(
                self.server, "GET", "/vaults/dev/eventSubscriptions/flaky/deadLetters").json()["value"]:
            time.sleep(0.2)
        r = admin(self.server, "DELETE", "/vaults/dev/eventSubscriptions/flaky/deadLetters")
        self.assertEqual(r.json(), {"purged": 1})
        self.assertEqual(admin(self.server, "GET", "/vaults/dev/eventSubscriptions/flaky/deadLetters").json()["value"],
                         [])
        self.assertEqual(admin(self.server, "POST", "/vaults/dev/eventSubscriptions/nobody/deadLetters/replay")
                         .status_code, 404)

    def test_an_endpoint_that_is_gone_disables_its_subscription(self):
        self.assertEqual(self.subscribe("gone").status_code, 200)
        self.hook.answers = [410]
        self.secrets.set_secret("first", "x")
        self.hook.wait_events(1)
        deadline = time.time() + 10
        while time.time() < deadline:
            shown = admin(self.server, "GET", "/vaults/dev/eventSubscriptions/gone").json()
            if shown["properties"]["provisioningState"] == "Disabled":
                break
            time.sleep(0.2)
        self.assertEqual(shown["properties"]["provisioningState"], "Disabled")
        dead = admin(self.server, "GET", "/vaults/dev/eventSubscriptions/gone/deadLetters").json()["value"]
        self.assertEqual([d["deadLetterReason"] for d in dead], ["Gone"])
        self.secrets.set_secret("second", "x")
        time.sleep(2.5)
        self.assertEqual(len(self.hook.events()), 1, "a disabled subscription is sent nothing")
        self.assertEqual(self.subscribe("gone").status_code, 200, "put again (a new handshake): enabled")
        self.secrets.set_secret("third", "x")
        posts = self.hook.wait_events(2)
        self.assertEqual(posts[1]["body"][0]["subject"], "third")

    def test_receivers_on_private_addresses_are_refused_unless_allowed(self):
        strict = CofferServer(env={"COFFER_EVENTS_CA_FILE": self.hook.cert}).start()
        try:
            for url in (self.hook.url(), f"https://127.0.0.1:{self.hook.port}/hook", "https://169.254.169.254/hook",
                        "https://10.0.0.1/hook"):
                body = {"properties": {"destination": {"endpointType": "WebHook", "properties": {"endpointUrl": url}}}}
                r = admin(strict, "PUT", "/vaults/dev/eventSubscriptions/inside", body)
                self.assertEqual(r.status_code, 400, f"{url}: {r.text}")
                self.assertIn("not a public address", r.json()["error"]["message"])
            self.assertEqual(admin(strict, "GET", "/vaults/dev/eventSubscriptions/inside").status_code, 404)
            self.assertEqual([r for r in self.hook.requests], [], "nothing was sent to the receiver")
        finally:
            strict.cleanup()

    def test_a_signed_subscription_signs_every_delivery(self):
        signing = {"scheme": "standard-webhooks"}
        body = {"properties": {"destination": {"endpointType": "WebHook", "properties": {
            "endpointUrl": self.hook.url(), "signing": signing}}}}
        r = admin(self.server, "PUT", "/vaults/dev/eventSubscriptions/signed", body)
        self.assertEqual(r.status_code, 200, r.text)
        secret = r.json()["properties"]["destination"]["properties"]["signing"]["secret"]
        shown = admin(self.server, "GET", "/vaults/dev/eventSubscriptions/signed").json()
        self.assertEqual(shown["properties"]["destination"]["properties"]["signing"], signing, "shown once")
        self.hook.answers = [500]
        version = self.secrets.set_secret("signed-secret", "x").properties.version
        self.hook.wait_events(1)
        admin(self.server, "POST", "/clock/advance", {"seconds": 11})
        first, retry = self.hook.wait_events(2)
        for post in (first, retry):
            self.assertTrue(verify_signature(post, secret), post["headers"])
            self.assertEqual(post["headers"]["webhook-id"], post["body"][0]["id"])
        self.assertEqual(retry["body"][0]["data"]["Version"], version)
        self.assertEqual(first["headers"]["webhook-id"], retry["headers"]["webhook-id"], "stable across retries")
        self.assertEqual(metric(self.server, "coffer_events_retried_total", reason="GenericError"), 1)
        deadline = time.time() + 10
        while metric(self.server, "coffer_events_delivered_total") < 1 and time.time() < deadline:
            time.sleep(0.1)  # the acknowledgement is recorded just after the receiver answered
        self.assertEqual(metric(self.server, "coffer_events_delivered_total"), 1)
        self.assertFalse(verify_signature(first, "whsec_" + "QUFB" * 8))
        r = admin(self.server, "PUT", "/vaults/dev/eventSubscriptions/signed", body)
        self.assertNotIn("secret", r.json()["properties"]["destination"]["properties"]["signing"],
                         "a new put keeps the secret the receiver knows")
        bad = {"properties": {"destination": {"properties": {"endpointUrl": self.hook.url(),
                                                             "signing": {"scheme": "md5"}}}}}
        self.assertEqual(admin(self.server, "PUT", "/vaults/dev/eventSubscriptions/bad-signing", bad).status_code, 400)
        out = coffer_cli(self.server, "event-subscription", "create", "--vault-name", "dev", "-n", "signed-by-cli",
                         "--endpoint", self.hook.url(), "--signing", "standard-webhooks")
        self.assertEqual(out.returncode, 0, out.stderr)
        made = json.loads(out.stdout)["properties"]["destination"]["properties"]["signing"]
        self.assertTrue(made["secret"].startswith("whsec_"), made)

    def test_an_event_survives_a_kill_while_its_receiver_is_away(self):
        self.assertEqual(self.subscribe("durable").status_code, 200)
        self.hook.answers = [503]
        version = self.secrets.set_secret("survivor", "x").properties.version
        self.hook.wait_events(1)
        self.server.kill()
        self.server.start()
        admin(self.server, "POST", "/clock/advance", {"seconds": 60})
        posts = self.hook.wait_events(2)
        self.assertEqual(posts[1]["body"][0]["data"]["Version"], version)
        self.assertEqual(posts[1]["body"][0]["id"], posts[0]["body"][0]["id"])

    def test_near_expiry_and_expired_follow_the_servers_clock(self):
        self.assertEqual(self.subscribe("expiry", filter={"includedEventTypes": [
            TYPES + "SecretNearExpiry", TYPES + "SecretExpired", TYPES + "KeyNearExpiry"]}).status_code, 200)
        now = admin(self.server, "POST", "/clock/advance", {"seconds": 0}).json().get("now")
        start = int(now) if now else int(time.time())
        import datetime
        at = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
        kept = self.secrets.set_secret("cert-password", "x", expires_on=at(start + 40 * 86400))
        # A version superseded before its time, and one whose exp moves later, say nothing of the old dates.
        self.secrets.set_secret("rotated", "old", expires_on=at(start + 35 * 86400))
        self.secrets.set_secret("rotated", "new")
        moved = self.secrets.set_secret("moved", "x", expires_on=at(start + 35 * 86400))
        self.secrets.update_secret_properties("moved", moved.properties.version, expires_on=at(start + 100 * 86400))
        # Already within 30 days: NearExpiry at once.
        soon = self.secrets.set_secret("soon", "x", expires_on=at(start + 5 * 86400))
        admin(self.server, "POST", "/clock/advance", {"seconds": 1})
        posts = self.hook.wait_events(1)
        self.assertEqual([(p["body"][0]["eventType"], p["body"][0]["subject"]) for p in posts],
                         [(TYPES + "SecretNearExpiry", "soon")])
        self.assertEqual(posts[0]["body"][0]["data"]["EXP"], start + 5 * 86400)
        admin(self.server, "POST", "/clock/advance", {"seconds": 10 * 86400})  # day 10: soon expired, cert-password near
        posts = self.hook.wait_events(3)
        got = sorted((p["body"][0]["eventType"][len(TYPES):], p["body"][0]["subject"]) for p in posts[1:])
        self.assertEqual(got, [("SecretExpired", "soon"), ("SecretNearExpiry", "cert-password")])
        near = [p["body"][0] for p in posts if p["body"][0]["subject"] == "cert-password"]
        self.assertEqual(near[0]["data"]["Version"], kept.properties.version)
        admin(self.server, "POST", "/clock/advance", {"seconds": 30 * 86400})  # day 40
        posts = self.hook.wait_events(4)
        self.assertEqual((posts[3]["body"][0]["eventType"], posts[3]["body"][0]["subject"]),
                         (TYPES + "SecretExpired", "cert-password"))
        time.sleep(1.5)
        subjects = [p["body"][0]["subject"] for p in self.hook.events()]
        self.assertNotIn("rotated", subjects)
        self.assertNotIn("moved", subjects, "its exp moved to day 100")
        self.assertEqual(subjects.count("soon"), 2, soon.name)

    def test_role_assignments_at_a_vault_raise_vault_access_policy_changed(self):
        self.assertEqual(self.subscribe("access", filter={"includedEventTypes": [
            TYPES + "VaultAccessPolicyChanged"]}).status_code, 200)
        principal = admin(self.server, "POST", "/service-principals", {"displayName": "reader"}).json()
        name = str(uuid.uuid4())
        url = (f"{self.server.authority}/vaults/dev/providers/Microsoft.Authorization/roleAssignments/{name}"
               "?api-version=7.4")
        headers = {"Authorization": "Bearer " + token(self.server, self.server.authority)}
        r = requests.put(url, json={"properties": {
            "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6",
            "principalId": principal["objectId"]}}, headers=headers, verify=self.server.ca_file)
        self.assertEqual(r.status_code, 201, r.text)
        self.assertEqual(requests.delete(url, headers=headers, verify=self.server.ca_file).status_code, 200)
        posts = self.hook.wait_events(2)
        for post in posts:
            event = EventGridEvent.from_dict(post["body"][0])
            self.assertEqual(event.event_type, TYPES + "VaultAccessPolicyChanged")
            self.assertEqual(event.subject, "dev")
            self.assertEqual(event.data["ObjectType"], "Vault")
            self.assertEqual(event.data["Id"], self.server.vault_url())
        self.assertNotEqual(posts[0]["body"][0]["id"], posts[1]["body"][0]["id"])

    def test_the_coffer_cli_manages_subscriptions(self):
        def coffer(*args, check=True):
            p = coffer_cli(self.server, *args)
            if check:
                self.assertEqual(p.returncode, 0, p.stderr)
            return p

        made = json.loads(coffer("event-subscription", "create", "--vault-name", "dev", "-n", "from-cli",
                                 "--endpoint", self.hook.url(), "--included-event-types",
                                 TYPES + "SecretNewVersionCreated", "--subject-begins-with", "cli-").stdout)
        self.assertEqual(made["properties"]["provisioningState"], "Succeeded")
        self.assertEqual(made["properties"]["filter"]["subjectBeginsWith"], "cli-")
        listed = json.loads(coffer("event-subscription", "list", "--vault-name", "dev").stdout)
        self.assertEqual([s["name"] for s in listed], ["from-cli"])
        self.secrets.set_secret("cli-secret", "x")
        self.hook.wait_events(1)
        self.assertEqual(json.loads(coffer("event-subscription", "dead-letters", "--vault-name", "dev", "-n",
                                           "from-cli").stdout), [])
        coffer("event-subscription", "delete", "--vault-name", "dev", "-n", "from-cli")
        missing = coffer("event-subscription", "show", "--vault-name", "dev", "-n", "from-cli", check=False)
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("not found", missing.stderr)


if __name__ == "__main__":
    unittest.main()
