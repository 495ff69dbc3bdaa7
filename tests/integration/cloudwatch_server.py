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
  checked against the documented formats and limits (PROTOCOLS.md sections 5.1 and 5.2; the
  rules themselves are in cloudwatch_wire.py) and
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

from cloudwatch_wire import (MAX_PMD_BYTES, RETENTION_DAYS, AwsError, ascii_printable, group_name,
                            log_events, metric_datums, stream_name)

QUERY_NS = "http://monitoring.amazonaws.com/doc/2010-08-01/"
LOGS_TARGET_PREFIX = "Logs_20140328."
LOGS_OPERATIONS = {"PutLogEvents", "CreateLogGroup", "CreateLogStream", "PutRetentionPolicy",
                   "DescribeLogStreams"}

AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/"
                     r"aws4_request, SignedHeaders=([a-z0-9;\-]+), Signature=([0-9a-f]{64})$")
CLOCK_SKEW = datetime.timedelta(minutes=5)

_SIGN_LOCK = threading.Lock()


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
        datums = metric_datums(params)
        with self.lock:
            self.metric_requests.append({
                "namespace": namespace, "datums": datums, "body_bytes": len(body),
                "wire_bytes": len(wire_body), "gzip": encoding == "gzip"})
        return "PutMetricData", (f'<PutMetricDataResponse xmlns="{QUERY_NS}">\n  <ResponseMetadata>\n'
                                 f"    <RequestId>{uuid.uuid4()}</RequestId>\n"
                                 f"  </ResponseMetadata>\n</PutMetricDataResponse>\n")

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

    def _logs_CreateLogGroup(self, handler, request):
        group = group_name(request)
        with self.lock:
            if group in self.log_groups:
                raise AwsError("ResourceAlreadyExistsException",
                               "The specified log group already exists")
            self.log_groups[group] = {"retention": None, "streams": {}}
            self.creates.append(("CreateLogGroup", group, None))
        return {}

    def _logs_CreateLogStream(self, handler, request):
        group = group_name(request)
        stream = stream_name(request)
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
        group = group_name(request)
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
        group = group_name(request)
        with self.lock:
            if group not in self.log_groups:
                raise AwsError("ResourceNotFoundException", "The specified log group does not exist.")
            return {"logStreams": [{"logStreamName": s} for s in self.log_groups[group]["streams"]]}

    def _logs_PutLogEvents(self, handler, request):
        group = group_name(request)
        stream = stream_name(request)
        decoded, total = log_events(request.get("logEvents"))
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
