"""The CloudWatch test server checks what it claims to check: requests made by botocore's own
clients (the real SDK's request shapes) are accepted, and requests that break the signature or a
documented limit are refused with AWS's error codes. Without this, a lenient stand-in would let
the vigil tests pass on anything."""

import datetime
import gzip
import http.client
import json
import sys
import time
import unittest

import botocore.auth
import botocore.config
import botocore.credentials
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError

from cloudwatch_server import CloudWatchServer


class ServerChecksTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = CloudWatchServer(region="eu-west-1").start()
        session = botocore.session.get_session()
        config = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})

        def client(service, secret=cls.server.secret_key, region="eu-west-1"):
            return session.create_client(
                service, region_name=region, endpoint_url=cls.server.url,
                aws_access_key_id=cls.server.access_key, aws_secret_access_key=secret,
                config=config)

        cls.client = staticmethod(client)
        cls.cw = client("cloudwatch")
        cls.logs = client("logs")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def assert_code(self, code, call, *args, **kwargs):
        with self.assertRaises(ClientError) as caught:
            call(*args, **kwargs)
        self.assertEqual(caught.exception.response["Error"]["Code"], code,
                         caught.exception.response["Error"])
        return caught.exception.response["Error"]["Message"]

    def send_raw(self, headers, body, sign=True, tamper=None):
        """A hand-made signed request (botocore signs it), optionally changed after signing."""
        request = AWSRequest(method="POST", url=self.server.url, data=body, headers=headers)
        if sign:
            creds = botocore.credentials.Credentials(self.server.access_key, self.server.secret_key)
            botocore.auth.SigV4Auth(creds, "monitoring", "eu-west-1").add_auth(request)
        prepared = dict(request.headers.items())
        if tamper:
            body = tamper(prepared, body)
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        conn.request("POST", "/", body=body, headers=prepared)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, data.decode()

    def test_botocore_requests_are_accepted(self):
        self.cw.put_metric_data(Namespace="Check", MetricData=[
            {"MetricName": "m", "Value": 1.5, "Unit": "Bytes",
             "Dimensions": [{"Name": "host", "Value": "a b"}], "Timestamp": time.time()},
            {"MetricName": "h", "Values": [1, 2], "Counts": [3, 4], "StorageResolution": 1},
            {"MetricName": "s", "StatisticValues": {"SampleCount": 2, "Sum": 3, "Minimum": 1,
                                                    "Maximum": 2}}])
        self.logs.create_log_group(logGroupName="/check")
        self.logs.put_retention_policy(logGroupName="/check", retentionInDays=7)
        self.logs.create_log_stream(logGroupName="/check", logStreamName="s")
        now = int(time.time() * 1000)
        answer = self.logs.put_log_events(logGroupName="/check", logStreamName="s", logEvents=[
            {"timestamp": now - 20 * 86400 * 1000, "message": "too old"},
            {"timestamp": now - 20 * 86400 * 1000 + 1, "message": "too old too"}])
        self.assertEqual(answer["rejectedLogEventsInfo"], {"tooOldLogEventEndIndex": 2})
        answer = self.logs.put_log_events(logGroupName="/check", logStreamName="s", logEvents=[
            {"timestamp": now, "message": "hello"},
            {"timestamp": now + 3 * 3600 * 1000, "message": "too new"}])
        self.assertEqual(answer["rejectedLogEventsInfo"], {"tooNewLogEventStartIndex": 1})
        self.assertEqual(self.server.stream_events("/check", "s"), [(now, "hello")])
        datum = next(d for d in self.server.datums() if d["name"] == "h")
        self.assertEqual((datum["values"], datum["counts"], datum["storage_resolution"]),
                         ([1.0, 2.0], [3.0, 4.0], 1))

    def test_signature_problems_are_refused(self):
        self.assert_code("SignatureDoesNotMatch", self.client("cloudwatch", "wrong").put_metric_data,
                         Namespace="N", MetricData=[{"MetricName": "x", "Value": 1}])
        self.assert_code("InvalidSignatureException", self.client("logs", "wrong").create_log_group,
                         logGroupName="/x")
        self.assert_code("SignatureDoesNotMatch",
                         self.client("cloudwatch", region="us-east-1").put_metric_data,
                         Namespace="N", MetricData=[{"MetricName": "x", "Value": 1}])
        form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        body = b"Action=PutMetricData&Version=2010-08-01&Namespace=N&MetricData.member.1.MetricName=x&MetricData.member.1.Value=1"
        self.assertEqual(self.send_raw(form, body)[0], 200)
        # The body changed after signing.
        status, text = self.send_raw(form, body, tamper=lambda h, b: b.replace(b"Value=1", b"Value=2"))
        self.assertEqual(status, 403)
        self.assertIn("<Code>SignatureDoesNotMatch</Code>", text)
        # An x-amz-* header that was not signed.
        def unsigned_header(h, b):
            h["X-Amz-Target"] = "x"
            return b
        status, text = self.send_raw(form, body, tamper=unsigned_header)
        self.assertEqual(status, 403)
        # A date five minutes off (the signature itself is valid for it).
        old = datetime.datetime.utcnow() - datetime.timedelta(minutes=6)
        class Frozen(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return old
        saved = botocore.auth.datetime
        botocore.auth.datetime = type("M", (), {"datetime": Frozen})
        try:
            status, text = self.send_raw(form, body)
        finally:
            botocore.auth.datetime = saved
        self.assertEqual(status, 403)
        self.assertIn("<Code>RequestExpired</Code>", text)
        status, text = self.send_raw(form, body, sign=False)
        self.assertEqual(status, 403)
        self.assertIn("MissingAuthenticationToken", text)
        # gzip bodies are signed compressed.
        compressed = gzip.compress(body)
        self.assertEqual(self.send_raw({**form, "Content-Encoding": "gzip"}, compressed)[0], 200)

    def test_put_metric_data_limits(self):
        def put(*datums, namespace="N"):
            return self.cw.put_metric_data(Namespace=namespace, MetricData=list(datums))

        self.server.faults.clear()
        one = {"MetricName": "x", "Value": 1}
        self.assert_code("InvalidParameterValue", put, one, namespace="AWS/EC2")
        self.assert_code("InvalidParameterValue", put, *([one] * 1001))
        self.assert_code("InvalidParameterValue", put, {**one, "Dimensions": [
            {"Name": f"d{i}", "Value": "v"} for i in range(31)]})
        self.assert_code("InvalidParameterValue", put, {**one, "Dimensions": [
            {"Name": "d", "Value": "x" * 1025}]})
        self.assert_code("InvalidParameterValue", put, {**one, "Unit": "Parsecs"})
        self.assert_code("InvalidParameterValue", put, {**one, "StorageResolution": 30})
        self.assert_code("InvalidParameterValue", put, {"MetricName": "x", "Values": [1] * 151})
        self.assert_code("InvalidParameterValue", put,
                         {"MetricName": "x", "Values": [1, 2], "Counts": [1]})
        self.assert_code("InvalidParameterCombination", put,
                         {**one, "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1,
                                                     "Maximum": 1}})
        self.assert_code("InvalidParameterValue", put,
                         {**one, "Timestamp": time.time() - 15 * 86400})
        self.assert_code("InvalidParameterValue", put, {**one, "Timestamp": time.time() + 3 * 3600})
        self.assert_code("InvalidParameterValue", put, {"MetricName": "x", "Value": 2.0 ** 361})
        self.assertEqual(put(*([one] * 1000))["ResponseMetadata"]["HTTPStatusCode"], 200)

    def test_put_log_events_limits(self):
        self.logs.create_log_group(logGroupName="/limits")
        self.logs.create_log_stream(logGroupName="/limits", logStreamName="s")
        now = int(time.time() * 1000)

        def put(events, stream="s", group="/limits"):
            return self.logs.put_log_events(logGroupName=group, logStreamName=stream,
                                            logEvents=events)

        self.assert_code("ResourceNotFoundException", put, [{"timestamp": now, "message": "x"}],
                         stream="missing")
        self.assert_code("ResourceNotFoundException", put, [{"timestamp": now, "message": "x"}],
                         group="/missing")
        message = self.assert_code("InvalidParameterException", put, [
            {"timestamp": now, "message": "b"}, {"timestamp": now - 1, "message": "a"}])
        self.assertIn("chronological order", message)
        self.assert_code("InvalidParameterException", put,
                         [{"timestamp": now, "message": "x"}] * 10001)
        self.assert_code("InvalidParameterException", put,
                         [{"timestamp": now, "message": "x" * (262_144 - 25)}])
        put([{"timestamp": now, "message": "x" * (262_144 - 26)}])
        # 1,048,576 bytes counting 26 per event: 4 events of 262,118 fit, plus 1 byte does not.
        big = "y" * (262_144 - 26)
        put([{"timestamp": now, "message": big}] * 4)
        self.assert_code("InvalidParameterException", put,
                         [{"timestamp": now, "message": big}] * 4 + [{"timestamp": now, "message": "z"}])
        self.assert_code("InvalidParameterException", put, [
            {"timestamp": now - 25 * 3600 * 1000, "message": "a"}, {"timestamp": now, "message": "b"}])
        self.assert_code("InvalidParameterException", self.logs.create_log_group,
                         logGroupName="/bad name")
        self.assert_code("InvalidParameterException", self.logs.create_log_stream,
                         logGroupName="/limits", logStreamName="a:b")
        self.assert_code("InvalidParameterException", self.logs.put_retention_policy,
                         logGroupName="/limits", retentionInDays=2)
        self.assert_code("ResourceAlreadyExistsException", self.logs.create_log_stream,
                         logGroupName="/limits", logStreamName="s")

    def test_faults(self):
        self.server.add_fault("throttle", "PutMetricData")
        self.assert_code("Throttling", self.cw.put_metric_data, Namespace="N",
                         MetricData=[{"MetricName": "x", "Value": 1}])
        self.server.add_fault("unavailable", "CreateLogGroup")
        self.assert_code("ServiceUnavailableException", self.logs.create_log_group,
                         logGroupName="/f")
        self.server.add_fault("access_denied", "CreateLogGroup")
        self.assert_code("AccessDeniedException", self.logs.create_log_group, logGroupName="/f")
        self.logs.create_log_group(logGroupName="/f")
        # Through the control endpoint, as a test in another process would.
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        conn.request("POST", "/__control", body=json.dumps(
            {"action": "fault", "kind": "invalid", "operation": "PutMetricData"}))
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()
        self.assert_code("InvalidParameterValue", self.cw.put_metric_data, Namespace="N",
                         MetricData=[{"MetricName": "x", "Value": 1}])
        start = time.monotonic()
        self.server.add_fault("slow", "PutMetricData", delay=1)
        self.cw.put_metric_data(Namespace="N", MetricData=[{"MetricName": "x", "Value": 1}])
        self.assertGreaterEqual(time.monotonic() - start, 1)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[1:])
