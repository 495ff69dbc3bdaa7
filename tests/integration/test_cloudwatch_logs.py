"""vigil's CloudWatch exporter for logs (PutLogEvents) against the botocore-checked test server.

Logs enter through vigil's OTLP receiver; the server checks every request's signature with
botocore and every PutLogEvents batch against the documented limits (events, bytes with the
26-byte overhead, event size, order, 24-hour span), and only accepts events into groups and
streams that exist: vigil has to create them.
"""

import os
import sys
import time
import unittest

from cloudwatch_harness import (COMPONENT, HOSTNAME, CloudWatchTestCase, log_record,
                                logs_request, now_ns, wait_until)

MS = 1_000_000
HOUR_MS = 3600 * 1000


class CloudWatchLogsTest(CloudWatchTestCase):
    def log_requests(self):
        return self.server.snapshot()["log_requests"]

    def test_templates_order_and_create_on_demand(self):
        v = self.start('log_group = "/app/{service.name}"\nlog_stream = "{host}/{file}"\n'
                       'retention_days = 7\n')
        t = now_ns() - 60_000 * MS
        records = [
            log_record("third", t + 3 * MS, {"log.file.path": "/var/log/a.log"}),
            log_record("first", t + 1 * MS, {"log.file.path": "/var/log/a.log"}),
            log_record("other", t + 2 * MS, {"log.file.path": "/var/log/b.log"}),
            log_record("second", t + 2 * MS, {"log.file.path": "/var/log/a.log"}),
            log_record("second bis", t + 2 * MS, {"log.file.path": "/var/log/a.log"}),
        ]
        self.assertEqual(v.post("logs", logs_request(records, {"service.name": "shop"})), 200)
        stream_a = f"{HOSTNAME}//var/log/a.log"
        stream_b = f"{HOSTNAME}//var/log/b.log"
        events = self.server.stream_events("/app/shop", stream_a)
        # Sorted by time; equal times keep the order they came in.
        self.assertEqual([m for _, m in events], ["first", "second", "second bis", "third"])
        self.assertEqual([ts for ts, _ in events],
                         [(t + 1 * MS) // MS, (t + 2 * MS) // MS, (t + 2 * MS) // MS,
                          (t + 3 * MS) // MS])
        self.assertEqual([m for _, m in self.server.stream_events("/app/shop", stream_b)], ["other"])
        snapshot = self.server.snapshot()
        self.assertEqual(snapshot["log_groups"]["/app/shop"]["retention"], 7)
        creates = [tuple(c) for c in snapshot["creates"]]
        self.assertEqual(creates.count(("CreateLogGroup", "/app/shop", None)), 1)
        self.assertIn(("CreateLogStream", "/app/shop", stream_a), creates)
        self.assertIn(("CreateLogStream", "/app/shop", stream_b), creates)
        # The first PutLogEvents found nothing; vigil created the group, its retention, the
        # stream, and sent again.
        codes = [(c["operation"], c["code"]) for c in snapshot["calls"]]
        self.assertEqual(codes[:5], [("PutLogEvents", "ResourceNotFoundException"),
                                     ("CreateLogStream", "ResourceNotFoundException"),
                                     ("CreateLogGroup", ""), ("PutRetentionPolicy", ""),
                                     ("CreateLogStream", "")])
        self.assertEqual(v.counter("vigil_sent_items_total", component=COMPONENT, signal="logs"), 5)

    def test_lines_tailed_from_a_file(self):
        path = os.path.join(self.tmp.name, "app.log")
        with open(path, "w") as f:
            f.write("alpha\nbeta\n\ngamma\n")
        before_ms = time.time_ns() // MS
        v = self.start('log_stream = "{host}/{file}"\n', collectors_toml=f"""
[[collectors.tail]]
name = "app"
paths = ["{path}"]
start_at = "beginning"
""")
        stream = f"{HOSTNAME}/{path}"
        wait_until(lambda: len(self.server.stream_events("/vigil/logs", stream)) >= 3, 30,
                   "the tailed lines", v)
        events = self.server.stream_events("/vigil/logs", stream)
        self.assertEqual([m for _, m in events], ["alpha", "beta", "gamma"])
        self.assertTrue(all(before_ms - 1000 <= ts <= time.time_ns() // MS for ts, _ in events))
        # The empty line cannot be a CloudWatch event: dropped and counted.
        self.assertEqual(v.counter("vigil_dropped_items_total", component=COMPONENT,
                                   reason="empty_message"), 1)

    def test_15000_events_make_two_requests(self):
        v = self.start()
        t = now_ns() - 60_000 * MS
        records = [log_record(f"line {i}", t + i * 1000, None) for i in range(15000)]
        self.assertEqual(v.post("logs", logs_request(records)), 200)
        requests = self.log_requests()
        self.assertEqual([len(r["events"]) for r in requests], [10000, 5000])
        self.assertTrue(all(r["bytes"] <= 1_048_576 for r in requests))
        events = self.server.stream_events("/vigil/logs", HOSTNAME)
        self.assertEqual([m for _, m in events], [f"line {i}" for i in range(15000)])

    def test_bytes_limit_and_truncated_event(self):
        v = self.start()
        t = now_ns() - 60_000 * MS
        big = "é" + "x" * 300_000  # over 256 KiB: cut to 262,118 bytes, counted
        records = [log_record("y" * 200_000, t + i * MS) for i in range(8)]
        records.append(log_record(big, t + 100 * MS))
        self.assertEqual(v.post("logs", logs_request(records)), 200)
        requests = self.log_requests()
        self.assertGreaterEqual(len(requests), 2)
        self.assertTrue(all(r["bytes"] <= 1_048_576 for r in requests), [r["bytes"] for r in requests])
        events = self.server.stream_events("/vigil/logs", HOSTNAME)
        self.assertEqual(len(events), 9)
        truncated = events[-1][1]
        self.assertEqual(len(truncated.encode()), 262_118)
        self.assertTrue(big.startswith(truncated))
        self.assertEqual(v.counter("vigil_cloudwatch_truncated_log_events_total",
                                   component=COMPONENT), 1)

    def test_a_request_never_spans_more_than_a_day(self):
        v = self.start()
        now_ms = time.time_ns() // MS
        records = [log_record("old", (now_ms - 30 * HOUR_MS) * MS),
                   log_record("older-day", (now_ms - 5 * HOUR_MS) * MS),
                   log_record("new", (now_ms - 1000) * MS)]
        self.assertEqual(v.post("logs", logs_request(records)), 200)
        requests = self.log_requests()
        self.assertEqual([[m for _, m in r["events"]] for r in requests],
                         [["old"], ["older-day", "new"]])

    def test_missing_group_without_create_is_dropped_and_counted(self):
        v = self.start('create_log_group = false\nlog_group = "/precreated"\n')
        t = now_ns() - 1000 * MS
        # The group does not exist: nothing vigil may do about it. Dropped, counted, logged.
        self.assertEqual(v.post("logs", logs_request([log_record("lost", t)])), 200)
        wait_until(lambda: v.counter("vigil_dropped_items_total", component=COMPONENT,
                                     reason="permanent_error") == 1, 30, "the drop count", v)
        wait_until(lambda: "log group /precreated is missing and create_log_group = false"
                   in v.stderr(), 10, "the log line", v)
        self.assertIn("The specified log group does not exist.", v.stderr())
        self.assertEqual(self.server.calls_of("CreateLogGroup"), [])
        # Once the operator creates it, vigil creates its stream and delivers.
        self.server.create_log_group("/precreated")
        self.assertEqual(v.post("logs", logs_request([log_record("kept", t)])), 200)
        self.assertEqual([m for _, m in self.server.stream_events("/precreated", HOSTNAME)],
                         ["kept"])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[1:])
