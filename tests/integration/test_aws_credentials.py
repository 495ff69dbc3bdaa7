"""The AWS credential chain inside the real vigil binary (agent/aws).

1. `vigil check` names, without network, the source each AWS-signing exporter would use
   (environment, config, profile, container, IMDS), and prints no secret.
2. End to end: vigil's OTLP exporter with auth = "sigv4" gets its credentials from a local
   stand-in for IMDSv2, the container endpoint (EKS Pod Identity style, FULL_URI with a token
   file) or STS AssumeRoleWithWebIdentity, and the X-Ray stand-in recomputes every signature
   with botocore (cloudwatch_server.botocore_authorization) using the credentials the stand-in
   handed out. No secret appears in vigil's log."""

import datetime
import http.server
import json
import os
import sys
import threading
import unittest
import urllib.parse
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import cloudwatch_server  # noqa: E402
from otlp_export_sink import metric, metrics_text, wait_ready  # noqa: E402
from vigil_process import Vigil, free_port, run_vigil, temp_dir  # noqa: E402

REGION = "eu-west-1"
ACCESS_KEY = "ASIAITCHAIN" + uuid.uuid4().hex[:9].upper()
SECRET_KEY = "chain-secret/" + uuid.uuid4().hex
SESSION_TOKEN = "chain-session-" + uuid.uuid4().hex
POD_TOKEN = "pod-identity-" + uuid.uuid4().hex
WEB_IDENTITY_TOKEN = "eyJ.web-identity." + uuid.uuid4().hex
ROLE_ARN = "arn:aws:iam::123456789012:role/vigil-it"


def clean_env(home, **extra):
    """The environment without the machine's own AWS setup: HOME is a temp dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = home
    env.update(extra)
    return env


def expiration(hours=1):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=hours)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class CredentialServer(http.server.ThreadingHTTPServer):
    """IMDSv2, the container endpoint and STS on one port; records every request."""
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), CredentialHandler)
        self.lock = threading.Lock()
        self.seen = []  # (method, path, headers dict lower-cased)
        self.tokens = set()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class CredentialHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body, content_type="text/plain"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self, body=b""):
        with self.server.lock:
            self.server.seen.append((self.command, self.path,
                                     {k.lower(): v for k, v in self.headers.items()}, body))

    def credentials_json(self):
        return json.dumps({"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": ACCESS_KEY,
                           "SecretAccessKey": SECRET_KEY, "Token": SESSION_TOKEN,
                           "Expiration": expiration()})

    def do_PUT(self):
        self.record()
        if self.path != "/latest/api/token" or not self.headers.get(
                "X-aws-ec2-metadata-token-ttl-seconds"):
            return self.answer(400, "bad token request")
        token = "imds-" + uuid.uuid4().hex
        with self.server.lock:
            self.server.tokens.add(token)
        self.answer(200, token)

    def do_GET(self):
        self.record()
        if self.path == "/creds":
            if self.headers.get("Authorization") != POD_TOKEN:
                return self.answer(403, '{"message":"bad token"}', "application/json")
            return self.answer(200, self.credentials_json(), "application/json")
        with self.server.lock:
            known = self.headers.get("X-aws-ec2-metadata-token") in self.server.tokens
        if not known:
            return self.answer(401, "")
        if self.path == "/latest/meta-data/iam/security-credentials/":
            return self.answer(200, "vigil-it-role")
        if self.path == "/latest/meta-data/iam/security-credentials/vigil-it-role":
            return self.answer(200, self.credentials_json())
        self.answer(404, "Not Found")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.record(body)
        form = dict(urllib.parse.parse_qsl(body.decode()))
        if (form.get("Action") != "AssumeRoleWithWebIdentity" or form.get("RoleArn") != ROLE_ARN
                or form.get("WebIdentityToken") != WEB_IDENTITY_TOKEN):
            return self.answer(400, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code>"
                                    "<Message>bad</Message></Error></ErrorResponse>", "text/xml")
        self.answer(200, f"""<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <SessionToken>{SESSION_TOKEN}</SessionToken>
      <SecretAccessKey>{SECRET_KEY}</SecretAccessKey>
      <Expiration>{expiration()}</Expiration>
      <AccessKeyId>{ACCESS_KEY}</AccessKeyId>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>""", "text/xml")

    def log_message(self, *args):
        pass


class XRayStandIn(http.server.ThreadingHTTPServer):
    """Checks each request's SigV4 signature with botocore and the chain's credentials."""
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), XRayHandler)
        self.lock = threading.Lock()
        self.verdicts = []  # (ok, why)


class XRayHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        auth = self.headers.get("Authorization", "")
        m = cloudwatch_server.AUTH_RE.match(auth)
        ok, why = False, "no SigV4 Authorization header"
        if m:
            key, _, region, service, signed, _ = m.groups()
            headers = {n: ",".join(self.headers.get_all(n) or []) for n in signed.split(";")}
            expected = cloudwatch_server.botocore_authorization(
                "POST", f"http://{self.headers.get('Host')}{self.path}", headers, body, key,
                SECRET_KEY, self.headers.get("X-Amz-Security-Token"), "xray", REGION,
                self.headers.get("X-Amz-Date", ""))
            checks = {"key": key == ACCESS_KEY, "region": region == REGION,
                      "token": self.headers.get("X-Amz-Security-Token") == SESSION_TOKEN,
                      "signature": expected == auth}
            failed = [k for k, v in checks.items() if not v]
            ok, why = not failed, ", ".join(failed)
        with self.server.lock:
            self.server.verdicts.append((ok, why))
        self.send_response(200 if ok else 403)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def span_request():
    span = {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
            "name": "chain-span", "kind": 2, "startTimeUnixNano": "1700000000000000000",
            "endTimeUnixNano": "1700000000500000000"}
    return json.dumps({"resourceSpans": [{"resource": {"attributes": []},
                                          "scopeSpans": [{"spans": [span]}]}]}).encode()


def exporter_section(endpoint, extra=""):
    return f"""
[exporters.otlp]
endpoint = "{endpoint}"
signals = ["traces"]
auth = "sigv4"
service = "xray"
region = "{REGION}"
{extra}
[exporters.otlp.retry]
initial_interval = "100ms"
"""


class CheckNamesTheSource(unittest.TestCase):
    """`vigil check`: which source each AWS exporter would use, found without network."""

    def check(self, env, extra=""):
        with temp_dir() as work:
            config = os.path.join(work, "agent.toml")
            with open(config, "w") as f:
                f.write(f'[agent]\ndata_dir = "{work}"\n' +
                        exporter_section("http://127.0.0.1:9", extra))
            r = run_vigil(["check", "-c", config], env=env(work))
            self.assertEqual(r.returncode, 0, r.stderr)
            notes = [line for line in r.stderr.splitlines() if "AWS credentials:" in line]
            self.assertEqual(len(notes), 1, r.stderr)
            for secret in (SECRET_KEY, SESSION_TOKEN, POD_TOKEN):
                self.assertNotIn(secret, r.stdout + r.stderr)
            return notes[0]

    def test_environment(self):
        note = self.check(lambda home: clean_env(home, AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
                                                 AWS_SECRET_ACCESS_KEY=SECRET_KEY))
        self.assertEqual(note, "vigil check: exporters.otlp: AWS credentials: environment "
                               "(AWS_ACCESS_KEY_ID ****MPLE)")

    def test_config_keys_from_the_environment(self):
        note = self.check(lambda home: clean_env(home, IT_KEY="AKIAIT0000CONF", IT_SECRET=SECRET_KEY),
                          'access_key_id = "${IT_KEY}"\nsecret_access_key = "${IT_SECRET}"')
        self.assertEqual(note, "vigil check: exporters.otlp: AWS credentials: config "
                               "(access_key_id ****CONF)")

    def test_profile(self):
        def env(home):
            os.makedirs(os.path.join(home, ".aws"))
            with open(os.path.join(home, ".aws", "credentials"), "w") as f:
                f.write(f"[dev]\naws_access_key_id = AKIAIT000DEV1\n"
                        f"aws_secret_access_key = {SECRET_KEY}\n")
            return clean_env(home, AWS_PROFILE="dev")
        note = self.check(env)
        self.assertRegex(note, r"AWS credentials: profile:dev \(aws_access_key_id \*\*\*\*DEV1 in "
                               r".*/\.aws/credentials\)$")

    def test_container(self):
        note = self.check(lambda home: clean_env(
            home, AWS_CONTAINER_CREDENTIALS_FULL_URI="http://169.254.170.23/v1/credentials",
            AWS_CONTAINER_AUTHORIZATION_TOKEN=POD_TOKEN))
        self.assertEqual(note, "vigil check: exporters.otlp: AWS credentials: container "
                               "(http://169.254.170.23/v1/credentials)")

    def test_imds_when_nothing_else_is_set_up(self):
        note = self.check(lambda home: clean_env(home))
        self.assertEqual(note, "vigil check: exporters.otlp: AWS credentials: imds "
                               "(http://169.254.169.254, if reachable)")


class ChainEndToEnd(unittest.TestCase):
    """One span through vigil, signed with credentials from each network source."""

    def run_span(self, env_for):
        credentials = serve(CredentialServer())
        xray = serve(XRayStandIn())
        try:
            with temp_dir() as work:
                api, http_port, grpc_port = free_port(), free_port(), free_port()
                config = os.path.join(work, "agent.toml")
                with open(config, "w") as f:
                    f.write(f"""
[agent]
data_dir = "{work}"
[agent.api]
listen = "127.0.0.1:{api}"
[collectors.otlp]
http_listen = "127.0.0.1:{http_port}"
grpc_listen = "127.0.0.1:{grpc_port}"
""" + exporter_section(f"http://127.0.0.1:{xray.server_address[1]}"))
                vigil = Vigil(["run", "-c", config], env=env_for(work, credentials.url))
                try:
                    api_base = f"http://127.0.0.1:{api}"
                    wait_ready(vigil, api_base)
                    request = urllib.request.Request(
                        f"http://127.0.0.1:{http_port}/v1/traces", data=span_request(),
                        headers={"Content-Type": "application/json"})
                    try:
                        urllib.request.urlopen(request, timeout=30).read()
                    except OSError:
                        pass  # a refused export answers an error; the verdicts say why

                    def settled():
                        text = metrics_text(api_base)
                        dropped = sum(metric(text, "vigil_dropped_items_total", component="otlp",
                                             reason=reason)
                                      for reason in ("permanent_error", "rejected",
                                                     "retries_exhausted"))
                        return metric(text, "vigil_sent_items_total", component="otlp",
                                      signal="traces") + dropped >= 1
                    vigil.wait_for(settled, 30, "the span to be sent or dropped")
                    sent = metric(metrics_text(api_base), "vigil_sent_items_total",
                                  component="otlp", signal="traces")
                finally:
                    vigil.stop()
                stderr = "\n".join(vigil.stderr())
                with xray.lock:
                    verdicts = list(xray.verdicts)
                with credentials.lock:
                    seen = list(credentials.seen)
                for secret in (SECRET_KEY, SESSION_TOKEN, POD_TOKEN, WEB_IDENTITY_TOKEN):
                    self.assertNotIn(secret, stderr, "a secret reached vigil's log")
                self.assertTrue(verdicts, stderr)
                self.assertTrue(all(ok for ok, _ in verdicts), f"{verdicts}\n{stderr}")
                self.assertEqual(sent, 1, stderr)
                return seen, stderr
        finally:
            for server in (credentials, xray):
                server.shutdown()
                server.server_close()

    def test_imds_v2(self):
        seen, stderr = self.run_span(lambda home, url: clean_env(
            home, AWS_EC2_METADATA_SERVICE_ENDPOINT=url))
        self.assertEqual(seen[0][:2], ("PUT", "/latest/api/token"))
        self.assertEqual(seen[0][2].get("x-aws-ec2-metadata-token-ttl-seconds"), "21600")
        gets = [s for s in seen if s[0] == "GET"]
        self.assertEqual([s[1] for s in gets], [
            "/latest/meta-data/iam/security-credentials/",
            "/latest/meta-data/iam/security-credentials/vigil-it-role"])
        self.assertTrue(all(s[2].get("x-aws-ec2-metadata-token", "").startswith("imds-")
                            for s in gets))
        self.assertIn(f"AWS credentials from imds (access key ****{ACCESS_KEY[-4:]}", stderr)

    def test_container_full_uri_with_a_token_file(self):
        def env(home, url):
            token_file = os.path.join(home, "pod-identity-token")
            with open(token_file, "w") as f:
                f.write(POD_TOKEN)
            return clean_env(home, AWS_CONTAINER_CREDENTIALS_FULL_URI=url + "/creds",
                             AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=token_file)
        seen, stderr = self.run_span(env)
        self.assertEqual([(s[0], s[1], s[2].get("authorization")) for s in seen],
                         [("GET", "/creds", POD_TOKEN)])
        self.assertIn("AWS credentials from container", stderr)

    def test_web_identity_through_sts(self):
        def env(home, url):
            token_file = os.path.join(home, "web-identity-token")
            with open(token_file, "w") as f:
                f.write(WEB_IDENTITY_TOKEN + "\n")
            return clean_env(home, AWS_WEB_IDENTITY_TOKEN_FILE=token_file,
                             AWS_ROLE_ARN=ROLE_ARN, AWS_ROLE_SESSION_NAME="vigil-it",
                             AWS_ENDPOINT_URL_STS=url)
        seen, stderr = self.run_span(env)
        self.assertEqual(len(seen), 1, seen)
        method, path, headers, body = seen[0]
        self.assertEqual((method, path), ("POST", "/"))
        self.assertNotIn("authorization", headers)  # AssumeRoleWithWebIdentity is unsigned
        form = dict(urllib.parse.parse_qsl(body.decode()))
        self.assertEqual(form["Version"], "2011-06-15")
        self.assertEqual(form["RoleSessionName"], "vigil-it")
        self.assertIn("AWS credentials from web_identity", stderr)


if __name__ == "__main__":
    unittest.main()
