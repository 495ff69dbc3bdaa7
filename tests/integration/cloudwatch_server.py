"""A CloudWatch + CloudWatch Logs stand-in for integration tests, which takes nobody's word.

No CloudWatch emulator exists on these machines, so this server plays AWS, with code that is not
vigil's:
- every request's SigV4 signature is recomputed with botocore (SigV4Auth over an AWSRequest
  rebuilt from the received method, URL, the headers the request says it signed, and the body as
  received), with the same credentials and the request's own X-Amz-Date (botocore's clock is
  frozen at it); a mismatch is answered as AWS does (403 SignatureDoesNotMatch, or
  InvalidSignatureException for Logs), and so are a missing or malformed Authorization
  (MissingAuthenticationToken / IncompleteSignature), an unknown key, a wrong scope, an x-amz-*
  header left unsigned, a session token that is not the expected one, a time 5 minutes off;
- PutMetricData (query protocol, gzip allowed) and the CloudWatch Logs operations (AWS JSON 1.1:
  CreateLogGroup, CreateLogStream, PutRetentionPolicy, PutLogEvents, DescribeLogStreams) are
  checked against the documented formats and limits (PROTOCOLS.md sections 5.1 and 5.2) and
  answered with AWS's error codes and shapes (XML ErrorResponse; JSON {"__type", "message"});
- it records what it accepted, for the tests to assert on;
- it can be told to throttle, fail with 5xx, answer ResourceNotFoundException or
  InvalidParameter*, deny access, or be slow: in-process through add_fault(), or from outside
  through POST /__control (JSON, see _control) when run as `python3 cloudwatch_server.py`.
"""

import argparse
import datetime
import gzip
import json
import math
import re
import sys
import threading
import time
import types
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest

QUERY_NS = "http://monitoring.amazonaws.com/doc/2010-08-01/"
LOGS_TARGET_PREFIX = "Logs_20140328."
LOGS_OPERATIONS = {"PutLogEvents", "CreateLogGroup", "CreateLogStream", "PutRetentionPolicy",
                   "DescribeLogStreams"}

# PutMetricData (PROTOCOLS.md 5.1). "1 MB" is taken as 10^6 bytes of the (decompressed) body.
MAX_PMD_BYTES = 1_000_000
MAX_DATUMS = 1000
MAX_DIMENSIONS = 30
MAX_VALUES = 150
MAX_MAGNITUDE = 2.0 ** 360
UNITS = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
    "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second",
    "Terabits/Second", "Count/Second", "None"}
MAX_PAST = datetime.timedelta(days=14)
MAX_FUTURE = datetime.timedelta(hours=2)

# PutLogEvents (PROTOCOLS.md 5.2).
MAX_LOG_BATCH_BYTES = 1_048_576
LOG_EVENT_OVERHEAD = 26
MAX_LOG_EVENTS = 10_000
MAX_EVENT_BYTES = 262_144  # including the overhead
MAX_SPAN_MS = 24 * 3600 * 1000
LOG_GROUP_RE = re.compile(r"^[\.\-_/#A-Za-z0-9]{1,512}$")
RETENTION_DAYS = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                  2557, 2922, 3288, 3653}

AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/"
                     r"aws4_request, SignedHeaders=([a-z0-9;\-]+), Signature=([0-9a-f]{64})$")
CLOCK_SKEW = datetime.timedelta(minutes=5)

_SIGN_LOCK = threading.Lock()


class AwsError(Exception):
    """An error answer: code, message and HTTP status, shaped per protocol when sent."""

    def __init__(self, code, message, status=400):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def botocore_authorization(method, url, headers, body, access_key, secret_key, token, service,
                           region, amz_date):
    """The Authorization header botocore computes for this request at time `amz_date`."""
    frozen = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")

    class FrozenDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return frozen

    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    credentials = botocore.credentials.Credentials(access_key, secret_key, token)
    signer = botocore.auth.SigV4Auth(credentials, service, region)
    with _SIGN_LOCK:  # botocore reads the module-level datetime: freeze it for this call only
        saved = botocore.auth.datetime
        botocore.auth.datetime = types.SimpleNamespace(datetime=FrozenDatetime)
        try:
            signer.add_auth(request)
        finally:
            botocore.auth.datetime = saved
    return request.headers["Authorization"]


def parse_iso8601(text):
    for fmt in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.datetime.strptime(text, fmt).replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            pass
    return None


def ascii_printable(s):
    return all(0x20 <= ord(c) < 0x7F for c in s)


class CloudWatchServer:
    def __init__(self, access_key="AKIDVIGILTEST", secret_key="vigil/secret+KEY/example",
                 region="us-east-1", session_token=None, port=0):
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self.session_token = session_token
        self.lock = threading.Lock()
        self.faults = []          # [{"operation", "kind", "remaining", "delay"}]
        self.calls = []           # every request: {"operation", "status", "code", "time"}
        self.metric_requests = []  # accepted PutMetricData requests (decoded)
        self.log_requests = []    # accepted PutLogEvents requests (decoded)
        self.log_groups = {}      # name -> {"retention": days|None, "streams": {name: [events]}}
        self.creates = []         # (operation, group, stream|None) that created something
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                server._handle(self, "GET")

            def do_POST(self):
                server._handle(self, "POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.thread = None

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def port(self):
        return self.httpd.server_address[1]

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/"

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- control --------------------------------------------------------------------------

    def add_fault(self, kind, operation="*", count=1, delay=0.0):
        """The next `count` requests for `operation` ("*" = any) fail as `kind`: "throttle",
        "unavailable" (503 / 500), "internal" (500), "not_found" (ResourceNotFoundException),
        "invalid" (InvalidParameterValue / InvalidParameterException), "access_denied", or are
        answered normally after `delay` seconds ("slow")."""
        assert kind in ("throttle", "unavailable", "internal", "not_found", "invalid",
                        "access_denied", "slow"), kind
        with self.lock:
            self.faults.append({"operation": operation, "kind": kind, "remaining": count,
                                "delay": delay})

    def create_log_group(self, name, retention=None):
        with self.lock:
            self.log_groups.setdefault(name, {"retention": retention, "streams": {}})

    def delete_log_group(self, name):
        with self.lock:
            self.log_groups.pop(name, None)

    def snapshot(self):
        """Everything recorded, as plain data (for the control endpoint and for tests)."""
        with self.lock:
            return json.loads(json.dumps({
                "calls": self.calls, "metric_requests": self.metric_requests,
                "log_requests": self.log_requests, "creates": self.creates,
                "log_groups": self.log_groups, "faults": self.faults}, default=str))

    def calls_of(self, operation):
        with self.lock:
            return [c for c in self.calls if c["operation"] == operation]

    def datums(self):
        with self.lock:
            return [d for r in self.metric_requests for d in r["datums"]]

    def stream_events(self, group, stream):
        with self.lock:
            return list(self.log_groups.get(group, {}).get("streams", {}).get(stream, []))

    def _control(self, body):
        """POST /__control {"action": "fault", "kind": ..., "operation": ..., "count": N,
        "delay": s} | {"action": "create_log_group", "name": ...} | {"action":
        "delete_log_group", "name": ...}; GET /__control answers snapshot()."""
        request = json.loads(body or b"{}")
        action = request.get("action")
        if action == "fault":
            self.add_fault(request["kind"], request.get("operation", "*"),
                           int(request.get("count", 1)), float(request.get("delay", 0)))
        elif action == "create_log_group":
            self.create_log_group(request["name"], request.get("retention"))
        elif action == "delete_log_group":
            self.delete_log_group(request["name"])
        else:
            raise ValueError(f"unknown action {action!r}")

    # -- HTTP -----------------------------------------------------------------------------

    def _handle(self, handler, method):
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(handler.path).path
        if path.startswith("/__control"):
            try:
                if method == "POST":
                    self._control(body)
                self._send(handler, 200, "application/json", json.dumps(self.snapshot()).encode())
            except Exception as e:  # a test's mistake: say so
                self._send(handler, 400, "text/plain", str(e).encode())
            return
        target = handler.headers.get("X-Amz-Target")
        protocol = "json" if target is not None else "query"
        # The query protocol serves PutMetricData only (its Action is read once the body is).
        operation = "PutMetricData"
        try:
            if method != "POST":
                raise AwsError("InvalidAction" if protocol == "query" else "UnknownOperationException",
                               "only POST is supported")
            if protocol == "json":
                operation = target[len(LOGS_TARGET_PREFIX):] if target.startswith(
                    LOGS_TARGET_PREFIX) else target
                self._verify_signature(handler, method, body, "logs", protocol)
                response = self._logs(handler, operation, target, body)
            else:
                self._verify_signature(handler, method, body, "monitoring", protocol)
                operation, response = self._query(handler, body)
            self._record(operation, 200, "")
            if protocol == "json":
                self._send(handler, 200, "application/x-amz-json-1.1",
                           json.dumps(response).encode())
            else:
                self._send(handler, 200, "text/xml", response.encode())
        except AwsError as e:
            self._record(operation, e.status, e.code, e.message)
            self._send_error(handler, protocol, e)

    def _record(self, operation, status, code, message=""):
        with self.lock:
            self.calls.append({"operation": operation, "status": status, "code": code,
                               "message": message, "time": time.time()})

    def _send(self, handler, status, content_type, body, headers=()):
        try:
            self._write(handler, status, content_type, body, headers)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a "slow" fault outlasting its timeout)

    def _write(self, handler, status, content_type, body, headers):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for name, value in headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    def _send_error(self, handler, protocol, e):
        if protocol == "json":
            body = json.dumps({"__type": e.code, "message": e.message}).encode()
            self._send(handler, e.status, "application/x-amz-json-1.1", body,
                       [("x-amzn-ErrorType", f"{e.code}:http://internal.amazon.com/coral/")])
            return
        kind = "Receiver" if e.status >= 500 else "Sender"
        message = (e.message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                   .replace('"', "&quot;"))
        body = (f'<ErrorResponse xmlns="{QUERY_NS}">\n  <Error>\n    <Type>{kind}</Type>\n'
                f"    <Code>{e.code}</Code>\n    <Message>{message}</Message>\n  </Error>\n"
                f"  <RequestId>{uuid.uuid4()}</RequestId>\n</ErrorResponse>\n")
        self._send(handler, e.status, "text/xml", body.encode())

    # -- SigV4 ----------------------------------------------------------------------------

    def _verify_signature(self, handler, method, body, service, protocol):
        json_protocol = protocol == "json"
        auth = handler.headers.get("Authorization")
        if not auth:
            raise AwsError("MissingAuthenticationTokenException" if json_protocol
                           else "MissingAuthenticationToken",
                           "Request is missing Authentication Token", 403)
        m = AUTH_RE.match(auth)
        if not m:
            raise AwsError("IncompleteSignatureException" if json_protocol else "IncompleteSignature",
                           f"Authorization header requires 'Credential', 'Signature' and "
                           f"'SignedHeaders' parameters. Authorization={auth}", 403)
        key, date, region, scope_service, signed, _ = m.groups()
        if key != self.access_key:
            raise AwsError("UnrecognizedClientException" if json_protocol else "InvalidClientTokenId",
                           "The security token included in the request is invalid.", 403)
        amz_date = handler.headers.get("X-Amz-Date", "")
        try:
            when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc)
        except ValueError:
            raise AwsError("IncompleteSignatureException" if json_protocol else "IncompleteSignature",
                           f"X-Amz-Date {amz_date!r} is not in the form YYYYMMDD'T'HHMMSS'Z'", 403)
        if date != amz_date[:8] or region != self.region or scope_service != service:
            raise AwsError("InvalidSignatureException" if json_protocol else "SignatureDoesNotMatch",
                           f"Credential should be scoped to a valid region and service: "
                           f"{date}/{region}/{scope_service}, expected "
                           f"{amz_date[:8]}/{self.region}/{service}", 403)
        now = datetime.datetime.now(datetime.timezone.utc)
        if abs(now - when) > CLOCK_SKEW:
            raise AwsError("InvalidSignatureException" if json_protocol else "RequestExpired",
                           f"Signature expired: {amz_date} is now earlier than "
                           f"{(now - CLOCK_SKEW):%Y%m%dT%H%M%SZ}", 403)
        signed_names = signed.split(";")
        if signed_names != sorted(set(signed_names)) or "host" not in signed_names:
            raise AwsError("InvalidSignatureException" if json_protocol else "SignatureDoesNotMatch",
                           f"SignedHeaders {signed} must be sorted, unique and include host", 403)
        for name in handler.headers.keys():
            if name.lower().startswith("x-amz-") and name.lower() not in signed_names:
                raise AwsError("InvalidSignatureException" if json_protocol
                               else "SignatureDoesNotMatch",
                               f"header {name} must be signed", 403)
        token = handler.headers.get("X-Amz-Security-Token")
        if token != self.session_token:
            raise AwsError("UnrecognizedClientException" if json_protocol else "InvalidClientTokenId",
                           "The security token included in the request is invalid.", 403)
        headers = {}
        for name in signed_names:
            values = handler.headers.get_all(name)
            if values is None:
                raise AwsError("InvalidSignatureException" if json_protocol
                               else "SignatureDoesNotMatch",
                               f"signed header {name} is missing from the request", 403)
            headers[name] = ",".join(values)
        url = f"http://{handler.headers.get('Host')}{handler.path}"
        expected = botocore_authorization(method, url, headers, body, key, self.secret_key,
                                          self.session_token, service, self.region, amz_date)
        if expected != auth:
            raise AwsError("InvalidSignatureException" if json_protocol else "SignatureDoesNotMatch",
                           "The request signature we calculated does not match the signature you "
                           "provided. Check your AWS Secret Access Key and signing method. Consult "
                           "the service documentation for details.", 403)

    # -- faults ---------------------------------------------------------------------------

    def _apply_fault(self, operation, protocol):
        with self.lock:
            fault = next((f for f in self.faults if f["remaining"] > 0 and
                          f["operation"] in ("*", operation)), None)
            if fault is None:
                return
            fault["remaining"] -= 1
        kind = fault["kind"]
        json_protocol = protocol == "json"
        if kind == "slow":
            time.sleep(fault["delay"])
        elif kind == "throttle":
            raise AwsError("ThrottlingException" if json_protocol else "Throttling", "Rate exceeded")
        elif kind == "unavailable":
            if json_protocol:
                raise AwsError("ServiceUnavailableException", "The service is unavailable.", 500)
            raise AwsError("ServiceUnavailable", "Service is unavailable. Please try again later.",
                           503)
        elif kind == "internal":
            raise AwsError("InternalFailure" if json_protocol else "InternalServiceError",
                           "We encountered an internal error. Please try again.", 500)
        elif kind == "not_found":
            raise AwsError("ResourceNotFoundException", "The specified log stream does not exist.")
        elif kind == "invalid":
            if json_protocol:
                raise AwsError("InvalidParameterException", "vigil test: a parameter is invalid.")
            raise AwsError("InvalidParameterValue",
                           "The value vigil-test for parameter MetricData.member.1.Value is "
                           "invalid.")
        elif kind == "access_denied":
            raise AwsError("AccessDeniedException" if json_protocol else "AccessDenied",
                           f"User is not authorized to perform: {operation}", 403)

    # -- PutMetricData (query protocol) ---------------------------------------------------

    def _query(self, handler, wire_body):
        content_type = handler.headers.get("Content-Type", "")
        if not content_type.startswith("application/x-www-form-urlencoded"):
            raise AwsError("InvalidParameterValue",
                           f"unsupported Content-Type {content_type!r} for the query protocol")
        encoding = handler.headers.get("Content-Encoding", "")
        body = wire_body
        if encoding == "gzip":
            try:
                body = gzip.decompress(wire_body)
            except (OSError, EOFError) as e:
                raise AwsError("InvalidParameterValue", f"the gzip body does not decompress: {e}")
        elif encoding not in ("", "identity"):
            raise AwsError("InvalidParameterValue", f"unsupported Content-Encoding {encoding!r}")
        if len(body) > MAX_PMD_BYTES:
            raise AwsError("RequestEntityTooLarge",
                           f"Request size {len(body)} exceeded {MAX_PMD_BYTES} bytes", 413)
        try:
            pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                                           strict_parsing=True)
        except (UnicodeDecodeError, ValueError) as e:
            raise AwsError("MalformedQueryString", f"the body is not a query string: {e}", 404)
        params = {}
        for k, v in pairs:
            if k in params:
                raise AwsError("InvalidParameterValue", f"parameter {k} given twice")
            params[k] = v
        action = params.pop("Action", None)
        version = params.pop("Version", None)
        if action is None:
            raise AwsError("MissingAction", "The request must contain the parameter Action")
        if action != "PutMetricData" or version != "2010-08-01":
            raise AwsError("InvalidAction",
                           f"Could not find operation {action} for version {version}")
        self._apply_fault("PutMetricData", "query")
        namespace = params.pop("Namespace", None)
        if namespace is None:
            raise AwsError("MissingParameter",
                           "The request must contain the parameter Namespace")
        if not (1 <= len(namespace) <= 255) or not ascii_printable(namespace) or \
                namespace.startswith("AWS/"):
            raise AwsError("InvalidParameterValue",
                           f"The value {namespace} for parameter Namespace is invalid.")
        datums = self._datums(params)
        with self.lock:
            self.metric_requests.append({
                "namespace": namespace, "datums": datums, "body_bytes": len(body),
                "wire_bytes": len(wire_body), "gzip": encoding == "gzip"})
        return "PutMetricData", (f'<PutMetricDataResponse xmlns="{QUERY_NS}">\n  <ResponseMetadata>\n'
                                 f"    <RequestId>{uuid.uuid4()}</RequestId>\n"
                                 f"  </ResponseMetadata>\n</PutMetricDataResponse>\n")

    def _datums(self, params):
        members = {}
        for key, value in params.items():
            m = re.match(r"^MetricData\.member\.(\d+)\.(.+)$", key)
            if not m:
                raise AwsError("InvalidParameterValue", f"unknown parameter {key}")
            members.setdefault(int(m.group(1)), {})[m.group(2)] = value
        if not members:
            raise AwsError("MissingParameter", "The request must contain the parameter MetricData")
        if sorted(members) != list(range(1, len(members) + 1)):
            raise AwsError("InvalidParameterValue",
                           f"MetricData members must be numbered 1..N, got {sorted(members)[:5]}...")
        if len(members) > MAX_DATUMS:
            raise AwsError("InvalidParameterValue",
                           f"The collection MetricData must not have a size greater than "
                           f"{MAX_DATUMS}.")
        return [self._datum(n, members[n]) for n in sorted(members)]

    def _datum(self, n, fields):
        where = f"MetricData.member.{n}"
        fields = dict(fields)

        def number(key):
            text = fields.pop(key)
            try:
                v = float(text)
            except ValueError:
                raise AwsError("InvalidParameterValue",
                               f"The value {text} for parameter {where}.{key} is not a number.")
            if math.isnan(v) or math.isinf(v) or abs(v) > MAX_MAGNITUDE:
                raise AwsError("InvalidParameterValue",
                               f"The value {text} for parameter {where}.{key} is out of range.")
            return v

        def members(prefix):
            found = {}
            for key in [k for k in fields if k.startswith(prefix + ".member.")]:
                index = key[len(prefix) + 8:]
                found[index] = key
            return found

        name = fields.pop("MetricName", None)
        if name is None:
            raise AwsError("MissingParameter", f"The parameter {where}.MetricName is required.")
        if not 1 <= len(name) <= 255:
            raise AwsError("InvalidParameterValue", f"{where}.MetricName must have 1-255 characters")
        dims = {}
        dim_keys = members("Dimensions")
        indexes = sorted({int(k.split(".")[0]) for k in dim_keys})
        if indexes != list(range(1, len(indexes) + 1)):
            raise AwsError("InvalidParameterValue", f"{where}.Dimensions must be numbered 1..N")
        if len(indexes) > MAX_DIMENSIONS:
            raise AwsError("InvalidParameterValue",
                           f"The collection {where}.Dimensions must not have a size greater than "
                           f"{MAX_DIMENSIONS}.")
        for i in indexes:
            dim_name = fields.pop(f"Dimensions.member.{i}.Name", None)
            dim_value = fields.pop(f"Dimensions.member.{i}.Value", None)
            if dim_name is None or dim_value is None:
                raise AwsError("MissingParameter",
                               f"The parameters {where}.Dimensions.member.{i}.Name and Value are "
                               f"required.")
            if not (1 <= len(dim_name) <= 255) or not ascii_printable(dim_name) or \
                    dim_name.startswith(":") or not dim_name.strip():
                raise AwsError("InvalidParameterValue",
                               f"The value {dim_name} for {where}.Dimensions.member.{i}.Name is "
                               f"invalid.")
            if not (1 <= len(dim_value) <= 1024) or not ascii_printable(dim_value) or \
                    not dim_value.strip():
                raise AwsError("InvalidParameterValue",
                               f"The value for {where}.Dimensions.member.{i}.Value is invalid.")
            if dim_name in dims:
                raise AwsError("InvalidParameterValue",
                               f"{where}: the dimension {dim_name} is given twice")
            dims[dim_name] = dim_value
        datum = {"name": name, "dimensions": dims, "dimension_order": list(dims)}
        stamp = fields.pop("Timestamp", None)
        if stamp is not None:
            when = parse_iso8601(stamp)
            if when is None:
                raise AwsError("InvalidParameterValue",
                               f"The value {stamp} for parameter {where}.Timestamp is invalid.")
            now = datetime.datetime.now(datetime.timezone.utc)
            if when < now - MAX_PAST or when > now + MAX_FUTURE:
                raise AwsError("InvalidParameterValue",
                               f"The parameter {where}.Timestamp must specify a time no more than "
                               f"two weeks in the past and no more than two hours in the future.")
            datum["timestamp"] = when.timestamp()
        unit = fields.pop("Unit", None)
        if unit is not None and unit not in UNITS:
            raise AwsError("InvalidParameterValue",
                           f"The value {unit} for parameter {where}.Unit is not a valid unit.")
        datum["unit"] = unit
        resolution = fields.pop("StorageResolution", None)
        if resolution is not None and resolution not in ("1", "60"):
            raise AwsError("InvalidParameterValue",
                           f"The value {resolution} for parameter {where}.StorageResolution must "
                           f"be 1 or 60.")
        datum["storage_resolution"] = int(resolution) if resolution else 60
        has_value = "Value" in fields
        has_stats = any(k.startswith("StatisticValues.") for k in fields)
        value_keys = members("Values")
        count_keys = members("Counts")
        present = [p for p, on in (("Value", has_value), ("StatisticValues", has_stats),
                                   ("Values", bool(value_keys))) if on]
        if len(present) > 1:
            raise AwsError("InvalidParameterCombination",
                           f"The parameters {where}.{present[0]} and {where}.{present[1]} are "
                           f"mutually exclusive and you have specified both.")
        if not present:
            raise AwsError("InvalidParameterCombination",
                           f"At least one of the parameters {where}.Value, "
                           f"{where}.StatisticValues or {where}.Values must be specified.")
        if count_keys and not value_keys:
            raise AwsError("InvalidParameterCombination", f"{where}.Counts needs {where}.Values")
        if has_value:
            datum["value"] = number("Value")
        elif has_stats:
            stats = {}
            for k in ("SampleCount", "Sum", "Minimum", "Maximum"):
                if f"StatisticValues.{k}" not in fields:
                    raise AwsError("MissingParameter",
                                   f"The parameter {where}.StatisticValues.{k} is required.")
                stats[k] = number(f"StatisticValues.{k}")
            if stats["SampleCount"] <= 0 or stats["Minimum"] > stats["Maximum"]:
                raise AwsError("InvalidParameterValue", f"{where}.StatisticValues are inconsistent")
            datum["statistics"] = stats
        else:
            if len(value_keys) > MAX_VALUES:
                raise AwsError("InvalidParameterValue",
                               f"The collection {where}.Values must not have a size greater than "
                               f"{MAX_VALUES}.")
            if sorted(int(i) for i in value_keys) != list(range(1, len(value_keys) + 1)):
                raise AwsError("InvalidParameterValue", f"{where}.Values must be numbered 1..N")
            datum["values"] = [number(f"Values.member.{i}") for i in range(1, len(value_keys) + 1)]
            if count_keys:
                if len(count_keys) != len(value_keys) or \
                        sorted(int(i) for i in count_keys) != list(range(1, len(count_keys) + 1)):
                    raise AwsError("InvalidParameterValue",
                                   f"The number of {where}.Counts must equal the number of "
                                   f"{where}.Values.")
                datum["counts"] = [number(f"Counts.member.{i}")
                                   for i in range(1, len(count_keys) + 1)]
                if any(c < 0 for c in datum["counts"]):
                    raise AwsError("InvalidParameterValue", f"{where}.Counts must not be negative")
            else:
                datum["counts"] = [1.0] * len(datum["values"])
        if fields:
            raise AwsError("InvalidParameterValue",
                           f"unknown parameter {where}.{sorted(fields)[0]}")
        return datum

    # -- CloudWatch Logs (AWS JSON 1.1) ---------------------------------------------------

    def _logs(self, handler, operation, target, body):
        content_type = handler.headers.get("Content-Type", "")
        if content_type != "application/x-amz-json-1.1":
            raise AwsError("SerializationException",
                           f"unsupported Content-Type {content_type!r} (want application/x-amz-json-1.1)")
        if not target.startswith(LOGS_TARGET_PREFIX) or operation not in LOGS_OPERATIONS:
            raise AwsError("UnknownOperationException", f"unknown operation {target}")
        try:
            request = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise AwsError("SerializationException", f"the body is not JSON: {e}")
        if not isinstance(request, dict):
            raise AwsError("SerializationException", "the body is not a JSON object")
        self._apply_fault(operation, "json")
        return getattr(self, "_logs_" + operation)(handler, request)

    def _group_name(self, request):
        group = request.get("logGroupName")
        if not isinstance(group, str) or not LOG_GROUP_RE.match(group):
            raise AwsError("InvalidParameterException",
                           f"1 validation error detected: Value {group!r} at 'logGroupName' failed "
                           f"to satisfy constraint: Member must satisfy regular expression pattern: "
                           f"[\\.\\-_/#A-Za-z0-9]+")
        return group

    def _stream_name(self, request):
        stream = request.get("logStreamName")
        if not isinstance(stream, str) or not 1 <= len(stream) <= 512 or ":" in stream or \
                "*" in stream:
            raise AwsError("InvalidParameterException",
                           f"1 validation error detected: Value {stream!r} at 'logStreamName' "
                           f"failed to satisfy constraint: Member must satisfy regular expression "
                           f"pattern: [^:*]*")
        return stream

    def _logs_CreateLogGroup(self, handler, request):
        group = self._group_name(request)
        with self.lock:
            if group in self.log_groups:
                raise AwsError("ResourceAlreadyExistsException",
                               "The specified log group already exists")
            self.log_groups[group] = {"retention": None, "streams": {}}
            self.creates.append(("CreateLogGroup", group, None))
        return {}

    def _logs_CreateLogStream(self, handler, request):
        group = self._group_name(request)
        stream = self._stream_name(request)
        with self.lock:
            if group not in self.log_groups:
                raise AwsError("ResourceNotFoundException", "The specified log group does not exist.")
            streams = self.log_groups[group]["streams"]
            if stream in streams:
                raise AwsError("ResourceAlreadyExistsException",
                               "The specified log stream already exists")
            streams[stream] = []
            self.creates.append(("CreateLogStream", group, stream))
        return {}

    def _logs_PutRetentionPolicy(self, handler, request):
        group = self._group_name(request)
        days = request.get("retentionInDays")
        if not isinstance(days, int) or days not in RETENTION_DAYS:
            raise AwsError("InvalidParameterException",
                           f"1 validation error detected: Value {days!r} at 'retentionInDays' "
                           f"failed to satisfy constraint: Member must satisfy enum value set")
        with self.lock:
            if group not in self.log_groups:
                raise AwsError("ResourceNotFoundException", "The specified log group does not exist.")
            self.log_groups[group]["retention"] = days
        return {}

    def _logs_DescribeLogStreams(self, handler, request):
        group = self._group_name(request)
        with self.lock:
            if group not in self.log_groups:
                raise AwsError("ResourceNotFoundException", "The specified log group does not exist.")
            return {"logStreams": [{"logStreamName": s} for s in self.log_groups[group]["streams"]]}

    def _logs_PutLogEvents(self, handler, request):
        group = self._group_name(request)
        stream = self._stream_name(request)
        events = request.get("logEvents")
        if not isinstance(events, list) or not 1 <= len(events) <= MAX_LOG_EVENTS:
            raise AwsError("InvalidParameterException",
                           f"logEvents must hold 1 to {MAX_LOG_EVENTS} events, got "
                           f"{len(events) if isinstance(events, list) else events!r}")
        total = 0
        previous = None
        decoded = []
        for i, e in enumerate(events):
            if not isinstance(e, dict) or not isinstance(e.get("timestamp"), int) or \
                    isinstance(e.get("timestamp"), bool) or not isinstance(e.get("message"), str):
                raise AwsError("InvalidParameterException",
                               f"logEvents[{i}] needs an integer timestamp and a string message")
            if set(e) - {"timestamp", "message"}:
                raise AwsError("SerializationException", f"logEvents[{i}] has unknown members")
            size = len(e["message"].encode("utf-8"))
            if size < 1:
                raise AwsError("InvalidParameterException",
                               f"1 validation error detected: Value at 'logEvents.{i + 1}.member."
                               f"message' failed to satisfy constraint: Member must have length "
                               f"greater than or equal to 1")
            if size + LOG_EVENT_OVERHEAD > MAX_EVENT_BYTES:
                raise AwsError("InvalidParameterException",
                               f"Log event too large: {size + LOG_EVENT_OVERHEAD} bytes exceeds "
                               f"limit of {MAX_EVENT_BYTES}")
            total += size + LOG_EVENT_OVERHEAD
            if previous is not None and e["timestamp"] < previous:
                raise AwsError("InvalidParameterException",
                               "Log events in a single PutLogEvents request must be in "
                               "chronological order.")
            previous = e["timestamp"]
            decoded.append((e["timestamp"], e["message"]))
        if total > MAX_LOG_BATCH_BYTES:
            raise AwsError("InvalidParameterException",
                           f"Upload too large: {total} bytes exceeds limit of {MAX_LOG_BATCH_BYTES}")
        if decoded[-1][0] - decoded[0][0] > MAX_SPAN_MS:
            raise AwsError("InvalidParameterException",
                           "The batch of log events in a single PutLogEvents request cannot span "
                           "more than 24 hours.")
        now_ms = int(time.time() * 1000)
        too_old_end = sum(1 for ts, _ in decoded if ts < now_ms - 14 * 24 * 3600 * 1000)
        too_new_start = next((i for i, (ts, _) in enumerate(decoded)
                              if ts > now_ms + 2 * 3600 * 1000), None)
        with self.lock:
            if group not in self.log_groups:
                raise AwsError("ResourceNotFoundException", "The specified log group does not exist.")
            streams = self.log_groups[group]["streams"]
            if stream not in streams:
                raise AwsError("ResourceNotFoundException", "The specified log stream does not exist.")
            end = too_new_start if too_new_start is not None else len(decoded)
            accepted = decoded[too_old_end:end]
            streams[stream].extend(accepted)
            self.log_requests.append({
                "group": group, "stream": stream, "events": decoded, "accepted": len(accepted),
                "bytes": total, "emf": handler.headers.get("x-amzn-logs-format") == "json/emf"})
        response = {"nextSequenceToken": str(uuid.uuid4().int)}
        info = {}
        if too_old_end:
            info["tooOldLogEventEndIndex"] = too_old_end
        if too_new_start is not None:
            info["tooNewLogEventStartIndex"] = too_new_start
        if info:
            response["rejectedLogEventsInfo"] = info
        return response


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--access-key", default="AKIDVIGILTEST")
    parser.add_argument("--secret-key", default="vigil/secret+KEY/example")
    parser.add_argument("--session-token")
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args()
    server = CloudWatchServer(args.access_key, args.secret_key, args.region, args.session_token,
                              args.port)
    print(f"listening on {server.url}", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
