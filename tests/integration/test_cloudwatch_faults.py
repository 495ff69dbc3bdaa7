"""What vigil's CloudWatch exporter does when CloudWatch throttles, fails, forgets a log stream,
refuses a request or is slow (acceptance item 3): retried with back-off and delivered once,
created on demand, or dropped and counted in vigil_dropped_items_total with AWS's message in
the log."""

import sys
import unittest

from cloudwatch_harness import (COMPONENT, HOSTNAME, CloudWatchTestCase, gauge, log_record,
                                logs_request, metrics_request, now_ns, number_point, wait_until)

SECOND = 1_000_000_000


class CloudWatchFaultsTest(CloudWatchTestCase):
    def codes(self, operation):
        return [c["code"] for c in self.server.calls_of(operation)]

    def gauges(self, n, name="g"):
        t = now_ns() - 30 * SECOND
        return metrics_request([gauge(name, "1", [number_point(float(i), t, {"device": str(i)})
                                                  for i in range(n)])])

    def retries(self):
        return self.vigil.counter("vigil_retries_total", component=COMPONENT)

    def test_throttled_metrics_are_retried_and_delivered_once(self):
        v = self.start()
        self.server.add_fault("throttle", "PutMetricData", count=2)
        self.assertEqual(v.post("metrics", self.gauges(3)), 200)
        self.assertEqual(self.codes("PutMetricData"), ["Throttling", "Throttling", ""])
        self.assertEqual(sorted(d["value"] for d in self.server.datums()), [0.0, 1.0, 2.0])
        self.assertEqual(self.retries(), 2)
        self.assertEqual(v.counter("vigil_dropped_items_total", component=COMPONENT), 0)

    def test_5xx_on_logs_is_retried_and_delivered_once(self):
        v = self.start()
        self.server.create_log_group("/vigil/logs")
        self.server.add_fault("unavailable", "PutLogEvents", count=1)
        self.server.add_fault("internal", "PutLogEvents", count=1)
        t = now_ns() - SECOND
        self.assertEqual(v.post("logs", logs_request([log_record("a", t), log_record("b", t + 1)])),
                         200)
        self.assertEqual([m for _, m in self.server.stream_events("/vigil/logs", HOSTNAME)],
                         ["a", "b"])
        self.assertIn("ServiceUnavailableException", self.codes("PutLogEvents"))
        self.assertIn("InternalFailure", self.codes("PutLogEvents"))
        self.assertGreaterEqual(self.retries(), 2)

    def test_resource_not_found_creates_the_stream_and_resends(self):
        v = self.start()
        t = now_ns() - SECOND
        self.assertEqual(v.post("logs", logs_request([log_record("one", t)])), 200)
        # The stream exists now; CloudWatch forgets it (deleted by an operator, say).
        self.server.add_fault("not_found", "PutLogEvents", count=1)
        self.assertEqual(v.post("logs", logs_request([log_record("two", t + 1)])), 200)
        self.assertEqual([m for _, m in self.server.stream_events("/vigil/logs", HOSTNAME)],
                         ["one", "two"])
        calls = [(c["operation"], c["code"]) for c in self.server.snapshot()["calls"]]
        # After the injected not-found: create (already there), then the resend.
        i = calls.index(("PutLogEvents", "ResourceNotFoundException"), 1)
        self.assertEqual(calls[i + 1:i + 3], [("CreateLogStream", "ResourceAlreadyExistsException"),
                                              ("PutLogEvents", "")])
        self.assertEqual(self.retries(), 0)  # create-on-demand is not a retry

    def test_invalid_parameter_is_dropped_counted_and_logged_with_aws_message(self):
        v = self.start()
        self.server.add_fault("invalid", "PutMetricData", count=1)
        self.assertEqual(v.post("metrics", self.gauges(5)), 200)
        wait_until(lambda: v.counter("vigil_dropped_items_total", component=COMPONENT,
                                     reason="permanent_error") == 5, 30, "5 dropped points", v)
        wait_until(lambda: "The value vigil-test for parameter MetricData.member.1.Value is invalid."
                   in v.stderr(), 10, "AWS's message in vigil's log", v)
        self.assertIn("InvalidParameterValue", v.stderr())
        self.assertEqual(self.codes("PutMetricData"), ["InvalidParameterValue"])
        self.assertEqual(self.retries(), 0)
        # The exporter goes on with the next batch.
        self.assertEqual(v.post("metrics", self.gauges(2, "after")), 200)
        self.assertEqual(len(self.server.datums()), 2)

    def test_one_refused_request_of_a_batch_drops_only_its_datums(self):
        v = self.start()
        self.server.add_fault("invalid", "PutMetricData", count=1)
        self.assertEqual(v.post("metrics", self.gauges(2500)), 200)
        self.assertEqual(self.codes("PutMetricData"), ["InvalidParameterValue", "", ""])
        self.assertEqual(len(self.server.datums()), 1500)
        self.assertEqual(v.counter("vigil_dropped_items_total", component=COMPONENT,
                                   reason="rejected"), 1000)
        self.assertEqual(v.counter("vigil_sent_items_total", component=COMPONENT,
                                   signal="metrics"), 1500)

    def test_a_throttled_request_of_a_batch_resends_only_what_was_not_delivered(self):
        v = self.start()
        # Request 1 of 3 goes through, request 2 is throttled: the retry must not send 1 again.
        self.server.add_fault("slow", "PutMetricData", count=1, delay=0)
        self.server.add_fault("throttle", "PutMetricData", count=1)
        self.assertEqual(v.post("metrics", self.gauges(2500)), 200)
        self.assertEqual(self.codes("PutMetricData"), ["", "Throttling", "", ""])
        values = sorted(d["value"] for d in self.server.datums())
        self.assertEqual(values, [float(i) for i in range(2500)])  # each exactly once
        self.assertEqual(self.retries(), 1)

    def test_slow_answers_time_out_and_are_retried(self):
        v = self.start('timeout = "1s"\n')
        self.server.add_fault("slow", "PutMetricData", count=1, delay=3)
        self.assertEqual(v.post("metrics", self.gauges(1)), 200)
        # vigil gave up after 1 s and sent again; the slow request also landed in the end, as it
        # would in CloudWatch (at-least-once).
        wait_until(lambda: len(self.server.calls_of("PutMetricData")) == 2, 30, "both requests", v)
        self.assertGreaterEqual(self.retries(), 1)
        self.assertIn("PutMetricData: no answer", v.stderr())
        self.assertEqual([d["value"] for d in self.server.datums()], [0.0, 0.0])

    def test_a_slow_answer_within_the_timeout_is_just_waited_for(self):
        v = self.start('timeout = "10s"\n')
        self.server.add_fault("slow", "PutMetricData", count=1, delay=1.5)
        self.assertEqual(v.post("metrics", self.gauges(1)), 200)
        self.assertEqual(len(self.server.calls_of("PutMetricData")), 1)
        self.assertEqual(self.retries(), 0)

    def test_throttled_create_calls_are_retried(self):
        v = self.start()
        self.server.add_fault("throttle", "CreateLogGroup", count=1)
        t = now_ns() - SECOND
        self.assertEqual(v.post("logs", logs_request([log_record("x", t)])), 200)
        self.assertEqual([m for _, m in self.server.stream_events("/vigil/logs", HOSTNAME)], ["x"])
        self.assertEqual(self.codes("CreateLogGroup"), ["ThrottlingException", ""])
        self.assertEqual(self.retries(), 1)

    def test_a_wrong_secret_is_refused_by_the_server_and_nothing_is_lost(self):
        # vigil signs with a secret the server does not know: botocore's signature differs, the
        # server answers 403 SignatureDoesNotMatch, and vigil keeps the data, retrying (a
        # rotated secret or a fixed clock may cure it).
        self.start(explicit_keys=False, env={"AWS_ACCESS_KEY_ID": "AKIDVIGILTEST",
                                             "AWS_SECRET_ACCESS_KEY": "not-the-secret"})
        thread, result = self.vigil.post_async("metrics", self.gauges(1))
        wait_until(lambda: len(self.server.calls_of("PutMetricData")) >= 2, 30, "two attempts",
                   self.vigil)
        self.assertEqual(set(self.codes("PutMetricData")), {"SignatureDoesNotMatch"})
        self.assertEqual(self.server.datums(), [])
        self.assertEqual(self.vigil.counter("vigil_dropped_items_total", component=COMPONENT), 0)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[1:])
