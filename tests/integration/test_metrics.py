"""The server's Prometheus metrics (issue 17): with metricsListen set, a
plain-HTTP listener answers GET /metrics in the text exposition format.
After a known mix of SDK requests the request histogram counts each
operation and status exactly, buckets are cumulative and end at the count,
audit writes, commits, cache lookups, tokens and maintenance runs are
counted, and no secret value appears; other paths get 404;
the Grafana dashboard in deploy/ reads only families the server exports."""
import re
import time
import unittest
from urllib.error import HTTPError

from azure.core.exceptions import ResourceNotFoundError
from azure.keyvault.secrets import SecretClient

from coffer_server import PG_CLUSTER, CofferServer, credential, parse_metrics, scrape_metrics

class MetricsTest(unittest.TestCase):
    def setUp(self):
        self.server = CofferServer(env={"COFFER_METRICS_LISTEN": "127.0.0.1:0",
                                        "COFFER_MAINTENANCE_INTERVAL_SECONDS": "1"}).start()
        self.secrets = SecretClient(self.server.vault_url(), credential(self.server),
                                    connection_verify=self.server.ca_file)

    def tearDown(self):
        self.server.cleanup()

    def scrape(self, path="/metrics"):
        text, content_type = scrape_metrics(self.server, path)
        self.assertEqual(content_type, "text/plain; version=0.0.4; charset=utf-8")
        return text

    def test_a_known_request_mix_is_counted_exactly(self):
        for i in range(3):
            self.secrets.set_secret(f"metric-{i}", f"value-never-in-metrics-{i}")
        self.secrets.get_secret("metric-0")
        self.secrets.get_secret("metric-1")
        with self.assertRaises(ResourceNotFoundError):
            self.secrets.get_secret("absent")
        text = self.scrape()
        self.assertNotIn("value-never-in-metrics", text)
        samples, types = parse_metrics(text)
        self.assertEqual(types["coffer_request_duration_seconds"], "histogram")
        count = lambda op, status: samples.get(("coffer_request_duration_seconds_count",
                                                frozenset({("operation", op), ("status", status)})), 0)
        self.assertEqual(count("SecretSet", "200"), 3)
        self.assertEqual(count("SecretGet", "200"), 2)
        self.assertEqual(count("SecretGet", "404"), 1)
        self.assertGreaterEqual(count("Authentication", "401"), 1, "the SDK's challenge probe")
        # Buckets are cumulative and end at the count.
        labels = {("operation", "SecretSet"), ("status", "200")}
        buckets = sorted((float("inf") if dict(k[1])["le"] == "+Inf" else float(dict(k[1])["le"]), v)
                         for k, v in samples.items()
                         if k[0] == "coffer_request_duration_seconds_bucket" and labels <= k[1])
        self.assertGreater(len(buckets), 10)
        self.assertEqual([v for _, v in buckets], sorted(v for _, v in buckets), "cumulative")
        self.assertEqual(buckets[-1], (float("inf"), 3))
        self.assertGreater(samples[("coffer_request_duration_seconds_sum", frozenset(labels))], 0)
        # Every request was audited; nothing failed.
        audited = samples[("coffer_audit_records_total", frozenset())]
        self.assertGreaterEqual(audited, 6 + 3, "the six requests, their challenges and tokens' sign-ins")
        self.assertEqual(samples.get(("coffer_audit_write_failures_total", frozenset()), 0), 0)
        self.assertEqual(types["coffer_audit_write_duration_seconds"], "histogram")
        # Commits, cache lookups, tokens and maintenance runs.
        backend = "postgresql" if PG_CLUSTER else "sqlite"
        self.assertGreaterEqual(samples[("coffer_store_commit_batch_size_count",
                                         frozenset({("backend", backend)}))], 3, "three sets committed")
        self.assertEqual(types["coffer_store_commit_duration_seconds"], "histogram")
        if PG_CLUSTER:  # the invalidation protocol: every committed write settled, snapshot queries counted
            self.assertGreaterEqual(samples[("coffer_store_acknowledgment_wait_duration_seconds_count", frozenset())], 3)
            self.assertGreaterEqual(samples[("coffer_store_snapshot_queries_total", frozenset())], 1)
            # The only replica holds its lease (registered at start, renewed every quarter lease; a
            # loaded machine may let it lapse for a moment before it registers again).
            self.assertEqual(types["coffer_store_answering_from_memory"], "gauge")
            holding, deadline = samples[("coffer_store_answering_from_memory", frozenset())], time.time() + 10
            while holding != 1 and time.time() < deadline:
                time.sleep(0.2)
                holding = parse_metrics(self.scrape())[0][("coffer_store_answering_from_memory", frozenset())]
            self.assertEqual(holding, 1)
        else:
            self.assertNotIn("coffer_store_snapshot_queries_total", types)
            self.assertNotIn("coffer_store_answering_from_memory", types)
        lookups = {r: samples.get(("coffer_read_cache_lookups_total",
                                   frozenset({("cache", "secrets"), ("result", r)})), 0) for r in ("hit", "miss")}
        self.assertGreaterEqual(lookups["hit"] + lookups["miss"], 3, "every SecretGet looks in the cache")
        self.assertGreaterEqual(samples[("coffer_tokens_issued_total", frozenset({("credential", "secret")}))], 1)
        deadline = time.time() + 10
        while True:
            runs = parse_metrics(self.scrape())[0].get(("coffer_maintenance_runs_total", frozenset({("result", "ok")})), 0)
            if runs >= 1 or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertGreaterEqual(runs, 1, "the maintenance job runs every second here")
        # Counts only grow.
        self.secrets.get_secret("metric-2")
        again, _ = parse_metrics(self.scrape())
        self.assertEqual(again[("coffer_request_duration_seconds_count",
                                frozenset({("operation", "SecretGet"), ("status", "200")}))], 3)

    def test_the_grafana_dashboard_reads_metrics_the_server_exports(self):
        import json
        import os
        path = os.path.join(os.path.dirname(__file__), "../../deploy/grafana/coffer-dashboard.json")
        with open(path) as f:
            dashboard = json.load(f)
        self.secrets.set_secret("dashboard", "x")  # so the families have series
        _, types = parse_metrics(self.scrape())
        exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
        self.assertTrue(exprs)
        # The replicas' panel reads families only a PostgreSQL store exports.
        postgres_only = {"coffer_store_answering_from_memory", "coffer_store_snapshot_queries_total",
                         "coffer_store_acknowledgment_wait_duration_seconds"}
        read = set()
        for expr in exprs:
            for name in re.findall(r"coffer_[a-z_]+", expr):
                family = re.sub(r"_(bucket|count|sum)$", "", name)
                read.add(family)
                if family in postgres_only and not PG_CLUSTER:
                    self.assertNotIn(family, types)
                else:
                    self.assertIn(family, types, f"{expr} reads {name}, which /metrics does not have")
        self.assertLessEqual(postgres_only, read, "the dashboard shows the replicas' coherence")

    def test_only_metrics_is_served(self):
        with self.assertRaises(HTTPError) as refused:
            self.scrape("/healthz")
        self.assertEqual(refused.exception.code, 404)


if __name__ == "__main__":
    unittest.main()
