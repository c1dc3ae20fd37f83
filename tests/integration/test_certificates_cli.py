"""`coffer keyvault certificate …` against a real `coffer server --dev`: create
with az's default policy, show, download (checked with openssl), set-attributes,
import of a PFX and a PEM file, a CSR signed by an openssl CA and merged,
pending cancel/delete, delete → recover → purge, backup → restore, issuers
(a Coffer CA issuer signing at once) and contacts, and bad input as exit code
1 with an "ERROR:" message."""
import base64
import json
import os
import subprocess
import unittest

from coffer_server import COFFER_BIN, CofferCliTest, CofferServer, canary


def openssl(*args, stdin=None):
    return subprocess.run(["openssl", *args], check=True, capture_output=True, input=stdin).stdout


class CertificateCliTest(CofferCliTest):
    tmp_prefix = "coffer-certs-cli-"

    def cert(self, *args):
        return self.js("keyvault", "certificate", *args, "--vault-name", "dev")

    def fails(self, *args, expect=None):
        """The command exits 1 with an ERROR: message (containing `expect`)."""
        p = self.coffer(*args, check=False)
        self.assertEqual(p.returncode, 1, f"{args}: {p.stdout} {p.stderr}")
        self.assertIn("ERROR:", p.stderr)
        if expect:
            self.assertIn(expect, p.stderr)
        return p.stderr

    def path(self, name):
        return os.path.join(self.tmp, name)

    def default_policy(self, **x509):
        policy = self.js("keyvault", "certificate", "get-default-policy")
        policy["x509_props"].update(x509)
        return policy

    def test_create_show_download_set_attributes(self):
        policy = self.js("keyvault", "certificate", "get-default-policy")
        self.assertEqual(policy["issuer"], {"name": "Self"})
        self.assertEqual(policy["key_props"], {"exportable": True, "kty": "RSA", "key_size": 2048, "reuse_key": True})
        self.assertEqual(policy["lifetime_actions"],
                         [{"trigger": {"days_before_expiry": 90}, "action": {"action_type": "AutoRenew"}}])
        op = self.cert("create", "-n", "cli-default", "-p", json.dumps(policy), "--tags", "team=a")
        self.assertEqual(op["status"], "completed")
        self.assertTrue(op["target"].endswith("/certificates/cli-default"))

        shown = self.cert("show", "-n", "cli-default")
        self.assertEqual(shown["tags"], {"team": "a"})
        self.assertTrue(shown["attributes"]["enabled"])
        self.assertEqual(shown["policy"]["x509_props"]["subject"], "CN=CLIGetDefaultPolicy")
        self.assertEqual(sorted(shown["policy"]["x509_props"]["key_usage"]), sorted(policy["x509_props"]["key_usage"]))
        # --id, with or without the version, and --query as for keys and secrets.
        self.assertEqual(self.js("keyvault", "certificate", "show", "--id", shown["id"])["cer"], shown["cer"])
        latest = shown["id"].rsplit("/", 1)[0]
        self.assertEqual(self.js("keyvault", "certificate", "show", "--id", latest, "--query", "x5t"), shown["x5t"])

        pem, der = self.path("default.pem"), self.path("default.der")
        self.coffer("keyvault", "certificate", "download", "--vault-name", "dev", "-n", "cli-default", "-f", pem)
        self.coffer("keyvault", "certificate", "download", "--id", shown["id"], "-f", der, "-e", "DER")
        with open(pem) as f:
            text = f.read()
        self.assertTrue(text.startswith("-----BEGIN CERTIFICATE-----\n"))
        self.assertTrue(text.endswith("-----END CERTIFICATE-----\n"))
        self.assertTrue(all(len(line) <= 64 for line in text.splitlines()))
        self.assertIn("CN = CLIGetDefaultPolicy", openssl("x509", "-in", pem, "-noout", "-subject").decode())
        with open(der, "rb") as f:
            self.assertEqual(f.read(), base64.b64decode(shown["cer"]))
        self.assertEqual(openssl("x509", "-in", der, "-inform", "DER", "-outform", "PEM").decode(), text)
        self.fails("keyvault", "certificate", "download", "--vault-name", "dev", "-n", "cli-default", "-f", pem,
                   expect="already exists")

        attrs = self.cert("set-attributes", "-n", "cli-default", "--enabled", "false", "--tags", "env=test")
        self.assertFalse(attrs["attributes"]["enabled"])
        self.assertEqual(attrs["tags"], {"env": "test"})
        again = self.js("keyvault", "certificate", "set-attributes", "--id", shown["id"], "--enabled", "true")
        self.assertTrue(again["attributes"]["enabled"])

        # A new version, 3 months, disabled, from a policy in az's model names read from @file.
        camel = self.path("camel.json")
        with open(camel, "w") as f:
            json.dump({"issuerParameters": {"name": "Self"}, "keyProperties": {"keyType": "EC", "curve": "P-256"},
                       "x509CertificateProperties": {"subject": "CN=camel", "validityInMonths": 24}}, f)
        self.cert("create", "-n", "cli-default", "-p", "@" + camel, "--validity", "3", "--disabled")
        newest = self.cert("show", "-n", "cli-default")
        self.assertEqual(newest["policy"]["x509_props"]["validity_months"], 3)
        self.assertEqual(newest["policy"]["key_props"]["kty"], "EC")
        self.assertFalse(newest["attributes"]["enabled"])
        self.assertEqual(len(self.cert("list-versions", "-n", "cli-default")), 2)
        self.assertEqual(len(self.cert("list-versions", "-n", "cli-default", "--maxresults", "1")), 1)
        ids = self.js("keyvault", "certificate", "list", "--vault-name", "dev", "--query", "[].id")
        self.assertIn(latest, ids)

    def test_import_pfx_and_pem(self):
        key, crt, pfx = self.path("imp.key"), self.path("imp.crt"), self.path("imp.pfx")
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt, "-subj",
                "/CN=imported.example", "-days", "30")
        password = canary("pfx-pass-4711")
        openssl("pkcs12", "-export", "-inkey", key, "-in", crt, "-out", pfx, "-passout", "pass:" + password)
        der = openssl("x509", "-in", crt, "-outform", "DER")

        imported = self.cert("import", "-n", "cli-pfx", "-f", pfx, "--password", password, "--tags", "src=pfx")
        self.assertEqual(base64.b64decode(imported["cer"]), der)
        self.assertEqual(imported["tags"], {"src": "pfx"})
        self.assertEqual(imported["policy"]["secret_props"]["contentType"], "application/x-pkcs12")
        self.assertEqual(imported["policy"]["x509_props"]["subject"], "CN=imported.example")
        self.assertEqual(imported["policy"]["issuer"]["name"], "Unknown")
        self.fails("keyvault", "certificate", "import", "--vault-name", "dev", "-n", "cli-pfx2", "-f", pfx,
                   "--password", "wrong")

        bundle = self.path("imp-bundle.pem")
        with open(bundle, "wb") as f, open(key, "rb") as k, open(crt, "rb") as c:
            f.write(k.read() + c.read())
        pem = self.cert("import", "-n", "cli-pem", "-f", bundle, "--disabled")
        self.assertEqual(base64.b64decode(pem["cer"]), der)
        self.assertEqual(pem["policy"]["secret_props"]["contentType"], "application/x-pem-file")
        self.assertFalse(pem["attributes"]["enabled"])
        # A policy given with the file: its content type follows the file, as az does.
        policy = self.default_policy(subject="CN=imported.example")
        withpolicy = self.cert("import", "-n", "cli-pem-policy", "-f", bundle, "-p", json.dumps(policy))
        self.assertEqual(withpolicy["policy"]["secret_props"]["contentType"], "application/x-pem-file")
        self.assertEqual(withpolicy["policy"]["lifetime_actions"][0]["trigger"], {"days_before_expiry": 90})

        # The certificate alone has no private key: the server refuses it.
        self.fails("keyvault", "certificate", "import", "--vault-name", "dev", "-n", "cli-nokey", "-f", crt)

    def test_pending_merge_cancel_delete(self):
        ca_key, ca_crt = self.path("ca.key"), self.path("ca.crt")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca_key,
                "-out", ca_crt, "-subj", "/CN=CLI Test CA", "-days", "30")
        policy = self.default_policy(subject="CN=merged.example")
        policy["issuer"] = {"name": "Unknown"}
        op = self.cert("create", "-n", "cli-merge", "-p", json.dumps(policy))
        self.assertEqual(op["status"], "inProgress")
        self.assertEqual(op["issuer"]["name"], "Unknown")
        pending = self.cert("pending", "show", "-n", "cli-merge")
        csr_der, csr_pem, signed = self.path("merge.csr.der"), self.path("merge.csr"), self.path("merge.crt")
        with open(csr_der, "wb") as f:
            f.write(base64.b64decode(pending["csr"]))
        openssl("req", "-inform", "DER", "-in", csr_der, "-out", csr_pem)
        self.assertIn("CN = merged.example", openssl("req", "-in", csr_pem, "-noout", "-subject").decode())
        openssl("x509", "-req", "-in", csr_pem, "-CA", ca_crt, "-CAkey", ca_key, "-set_serial", "4242", "-days", "10",
                "-out", signed)
        chain = self.path("merge-chain.pem")
        with open(chain, "wb") as f, open(signed, "rb") as s, open(ca_crt, "rb") as c:
            f.write(s.read() + c.read())

        merged = self.cert("pending", "merge", "-n", "cli-merge", "-f", chain, "--tags", "merged=yes")
        self.assertEqual(base64.b64decode(merged["cer"]), openssl("x509", "-in", signed, "-outform", "DER"))
        self.assertEqual(merged["tags"], {"merged": "yes"})
        self.assertTrue(merged["attributes"]["enabled"])
        out = self.path("merged.pem")
        self.coffer("keyvault", "certificate", "download", "--vault-name", "dev", "-n", "cli-merge", "-f", out)
        self.assertIn("CN = CLI Test CA", openssl("x509", "-in", out, "-noout", "-issuer").decode())
        openssl("verify", "-CAfile", ca_crt, out)
        self.assertEqual(self.cert("pending", "show", "-n", "cli-merge")["status"], "completed")

        # A second pending operation: cancelled, then deleted; the version stays unissued.
        self.cert("create", "-n", "cli-cancel", "-p", json.dumps(policy))
        cancelled = self.cert("pending", "cancel", "-n", "cli-cancel")
        self.assertTrue(cancelled["cancellation_requested"])
        self.cert("pending", "delete", "-n", "cli-cancel")
        self.fails("keyvault", "certificate", "pending", "show", "--vault-name", "dev", "-n", "cli-cancel",
                   expect="Pending certificate not found")
        self.fails("keyvault", "certificate", "download", "--vault-name", "dev", "-n", "cli-cancel",
                   "-f", self.path("never.pem"), expect="pending")
        self.fails("keyvault", "certificate", "pending", "merge", "--vault-name", "dev", "-n", "cli-cancel",
                   "-f", ca_key, expect="CERTIFICATE")

    def test_delete_recover_purge_backup_restore(self):
        self.cert("create", "-n", "cli-life", "-p", json.dumps(self.default_policy()))
        deleted = self.cert("delete", "-n", "cli-life")
        self.assertTrue(deleted["recoveryId"].endswith("/deletedcertificates/cli-life"))
        self.fails("keyvault", "certificate", "show", "--vault-name", "dev", "-n", "cli-life",
                   expect="CertificateNotFound")
        self.assertEqual(self.cert("show-deleted", "-n", "cli-life")["recoveryId"], deleted["recoveryId"])
        self.assertIn(deleted["recoveryId"], [d["recoveryId"] for d in self.cert("list-deleted")])
        recovered = self.cert("recover", "-n", "cli-life")
        self.assertEqual(recovered["id"], deleted["id"])

        backup = self.path("life.bak")
        self.coffer("keyvault", "certificate", "backup", "--vault-name", "dev", "-n", "cli-life", "-f", backup)
        self.fails("keyvault", "certificate", "backup", "--vault-name", "dev", "-n", "cli-life", "-f", backup,
                   expect="already exists")
        self.fails("keyvault", "certificate", "restore", "--vault-name", "dev", "-f", backup)  # the name is taken
        self.cert("delete", "-n", "cli-life")
        purged = self.coffer("keyvault", "certificate", "purge", "--vault-name", "dev", "-n", "cli-life")
        self.assertEqual(purged.stdout, "")
        self.fails("keyvault", "certificate", "show-deleted", "--vault-name", "dev", "-n", "cli-life",
                   expect="CertificateNotFound")
        restored = self.cert("restore", "-f", backup)
        self.assertEqual(restored["id"], deleted["id"])
        self.assertEqual(restored["cer"], recovered["cer"])

    def test_issuers_and_contacts(self):
        root = self.default_policy(subject="CN=CLI Root", key_usage=["keyCertSign", "cRLSign"],
                                   basic_constraints={"ca": True})
        self.cert("create", "-n", "cli-root", "-p", json.dumps(root))
        password = canary("issuer-pass-0815")
        made = self.cert("issuer", "create", "--issuer-name", "cli-ca", "--provider-name", "Coffer",
                         "--account-id", "cli-root", "--password", password, "--organization-id", "org-1")
        self.assertEqual(made["provider"], "Coffer")
        self.assertEqual(made["credentials"], {"account_id": "cli-root"})  # never the password
        self.assertEqual(made["org_details"]["id"], "org-1")
        self.assertTrue(made["attributes"]["enabled"])
        self.assertEqual(self.cert("issuer", "show", "--issuer-name", "cli-ca")["id"], made["id"])
        self.assertIn(made["id"], [i["id"] for i in self.cert("issuer", "list")])

        leaf = self.default_policy(subject="CN=leaf.cli")
        leaf["issuer"] = {"name": "cli-ca"}
        self.assertEqual(self.cert("create", "-n", "cli-leaf", "-p", json.dumps(leaf))["status"], "completed")
        root_pem, leaf_pem = self.path("root.pem"), self.path("leaf.pem")
        self.coffer("keyvault", "certificate", "download", "--vault-name", "dev", "-n", "cli-root", "-f", root_pem)
        self.coffer("keyvault", "certificate", "download", "--vault-name", "dev", "-n", "cli-leaf", "-f", leaf_pem)
        openssl("verify", "-CAfile", root_pem, leaf_pem)

        updated = self.cert("issuer", "update", "--issuer-name", "cli-ca", "--enabled", "false")
        self.assertFalse(updated["attributes"]["enabled"])
        self.assertEqual(updated["credentials"], {"account_id": "cli-root"})
        self.cert("issuer", "delete", "--issuer-name", "cli-ca")
        self.fails("keyvault", "certificate", "issuer", "show", "--vault-name", "dev", "--issuer-name", "cli-ca",
                   expect="Issuer not found")

        self.fails("keyvault", "certificate", "contact", "list", "--vault-name", "dev", expect="Contacts not found")
        self.cert("contact", "add", "--email", "ops@example.com", "--name", "Ops", "--phone", "123")
        both = self.cert("contact", "add", "--email", "sec@example.com")
        self.assertEqual([c["email"] for c in both["contacts"]], ["ops@example.com", "sec@example.com"])
        self.assertEqual(both["contacts"][0], {"email": "ops@example.com", "name": "Ops", "phone": "123"})
        self.fails("keyvault", "certificate", "contact", "add", "--vault-name", "dev", "--email", "ops@example.com",
                   expect="already exists")
        left = self.cert("contact", "delete", "--email", "ops@example.com")
        self.assertEqual([c["email"] for c in left["contacts"]], ["sec@example.com"])
        self.assertEqual([c["email"] for c in self.cert("contact", "list")["contacts"]], ["sec@example.com"])
        self.fails("keyvault", "certificate", "contact", "delete", "--vault-name", "dev", "--email", "x@example.com",
                   expect="not found")
        self.cert("contact", "delete", "--email", "sec@example.com")  # the last one: the list is deleted
        self.fails("keyvault", "certificate", "contact", "list", "--vault-name", "dev", expect="Contacts not found")

    def test_bad_input(self):
        policy = json.dumps(self.default_policy())
        self.fails("keyvault", "certificate", "create", "--vault-name", "no-such-vault", "-n", "x", "-p", policy,
                   expect="VaultNotFound")
        self.fails("keyvault", "certificate", "show", "--vault-name", "no-such-vault", "-n", "x",
                   expect="VaultNotFound")
        self.fails("keyvault", "certificate", "create", "--vault-name", "dev", "-n", "x", "-p", '{"key_props": ',
                   expect="--policy is not a JSON object")
        self.fails("keyvault", "certificate", "create", "--vault-name", "dev", "-n", "x", "-p", "@" + self.path("none"),
                   expect="Cannot read")
        bad_kty = self.default_policy()
        bad_kty["key_props"]["kty"] = "DSA"
        self.fails("keyvault", "certificate", "create", "--vault-name", "dev", "-n", "x", "-p", json.dumps(bad_kty),
                   expect="BadParameter")
        self.fails("keyvault", "certificate", "import", "--vault-name", "dev", "-n", "x", "-f", self.path("none.pfx"),
                   expect="Cannot read")
        self.fails("keyvault", "certificate", "pending", "merge", "--vault-name", "dev", "-n", "x",
                   "-f", self.path("none.pem"), expect="Cannot read")
        self.fails("keyvault", "certificate", "show", "--vault-name", "dev", "-n", "never-made",
                   expect="CertificateNotFound")
        # Usage errors are exit code 2, as for the other commands.
        self.assertEqual(self.coffer("keyvault", "certificate", "create", "--vault-name", "dev", "-n", "x",
                                     check=False).returncode, 2)
        self.assertEqual(self.coffer("keyvault", "certificate", "download", "--vault-name", "dev", "-n", "x",
                                     "-f", self.path("x"), "-e", "BASE64", check=False).returncode, 2)


if __name__ == "__main__":
    unittest.main()
