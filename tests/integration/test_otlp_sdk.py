"""The real OpenTelemetry JS SDK (tests/integration/otel-js, pinned in package-lock.json) sends
spans, logs and metrics to vigil's OTLP receiver over http/protobuf, http/json and gRPC (each
also gzip-compressed); every item must come out of the stdout exporter exactly once with every
field intact, and vigil must add its resource attributes without overwriting the application's.

otel-js/send.mjs prints what it sent as single-item OTLP/JSON requests, built from the objects the
SDK handed to its exporters; vigil's stdout exporter prints one single-item OTLP/JSON request per
line. Both sides are canonicalized (below) and compared as multisets, item by item.

Needs node (skipped with the reason printed when there is none) and the npm packages, which the
test command installs (`packaging/dev.sh test` runs `npm ci` in otel-js); missing packages fail."""

import base64
import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vigil_process import SOURCE_DIR, Vigil, free_port, http_get, temp_dir  # noqa: E402

JS_DIR = os.path.join(SOURCE_DIR, "tests", "integration", "otel-js")
NODE = shutil.which("node")
HOSTNAME = "vigil-it-host.example"
# [agent.resource]: one key the applications set too (theirs must win) and one they do not.
AGENT_RESOURCE = {"deployment.environment.name": "agent-env", "it.agent.attr": "from-agent"}

SIGNALS = {  # signal -> (resource list key, scope list key, item list key)
    "traces": ("resourceSpans", "scopeSpans", "spans"),
    "logs": ("resourceLogs", "scopeLogs", "logRecords"),
    "metrics": ("resourceMetrics", "scopeMetrics", "metrics"),
}

# ---------------------------------------------------------------------------------------------
# Canonical form: what OTLP/JSON allows to vary is made equal, nothing else.
#  - 64-bit integers may be strings or numbers: ints. Doubles: floats ("NaN" etc. kept as text).
#  - Trace and span ids are hex, case-insensitive: lowercase. bytesValue is base64: the bytes.
#  - Fields at their default may be omitted: removed (0, "", false, [], {}), except members of
#    oneofs and optional fields (AnyValue members, asInt/asDouble, sum/min/max), whose presence
#    is information.
#  - Attribute lists and key-value lists are sets keyed by key (duplicate keys are an error):
#    sorted by key. Arrays (ArrayValue, bucket counts, bounds) keep their order.
INT64_FIELDS = {"timeUnixNano", "startTimeUnixNano", "endTimeUnixNano", "observedTimeUnixNano",
                "intValue", "asInt", "count", "zeroCount", "bucketCounts"}
DOUBLE_FIELDS = {"doubleValue", "asDouble", "sum", "min", "max", "explicitBounds"}
ID_FIELDS = {"traceId", "spanId", "parentSpanId"}
KEEP_DEFAULT = {"stringValue", "boolValue", "intValue", "doubleValue", "bytesValue", "arrayValue",
                "kvlistValue", "asInt", "asDouble", "sum", "min", "max"}
KEYED_LISTS = {"attributes"}


class CanonError(Exception):
    pass


def _int(v, path):
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise CanonError(f"{path}: expected a 64-bit integer, got {v!r}")
    try:
        n = int(v)
    except ValueError:
        raise CanonError(f"{path}: expected a 64-bit integer, got {v!r}") from None
    if not -2**63 <= n < 2**64:
        raise CanonError(f"{path}: {v!r} is out of the 64-bit range")
    return n


def _double(v, path):
    if isinstance(v, str):
        if v in ("NaN", "Infinity", "-Infinity"):
            return v
        raise CanonError(f"{path}: expected a double, got {v!r}")
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise CanonError(f"{path}: expected a double, got {v!r}")
    return float(v)


def canon(obj, path="$"):
    if isinstance(obj, list):
        return [canon(v, f"{path}[{i}]") for i, v in enumerate(obj)]
    if not isinstance(obj, dict):
        return obj
    out = {}
    for k, v in obj.items():
        p = f"{path}.{k}"
        if k in INT64_FIELDS:
            v = [_int(x, p) for x in v] if isinstance(v, list) else _int(v, p)
        elif k in DOUBLE_FIELDS and not isinstance(v, dict):  # not Metric.sum
            v = [_double(x, p) for x in v] if isinstance(v, list) else _double(v, p)
        elif k in ID_FIELDS:
            v = v.lower()
        elif k == "bytesValue":
            v = base64.b64decode(v, validate=True).hex()
        else:
            v = canon(v, p)
        if k in KEYED_LISTS or (k == "values" and path.endswith("kvlistValue")):
            keys = [kv.get("key", "") for kv in v]
            dup = {x for x in keys if keys.count(x) > 1}
            if dup:
                raise CanonError(f"{p}: duplicate keys {sorted(dup)}")
            v = sorted(v, key=lambda kv: kv.get("key", ""))
        if k not in KEEP_DEFAULT and (v in (0, "", False, None) or v == [] or v == {}):
            continue
        out[k] = v
    return out


def split_request(signal, request):
    """Splits an export request into single-item requests (resource, scope, item)."""
    rkey, skey, ikey = SIGNALS[signal]
    out = []
    for rs in request.get(rkey, []):
        for ss in rs.get(skey, []):
            for item in ss.get(ikey, []):
                if signal == "metrics":
                    points_key = next(k for k in ("gauge", "sum", "histogram",
                                                  "exponentialHistogram", "summary") if k in item)
                    for dp in item[points_key].get("dataPoints", []):
                        m = dict(item)
                        m[points_key] = dict(item[points_key], dataPoints=[dp])
                        out.append(_single(rs, rkey, ss, skey, ikey, m))
                else:
                    out.append(_single(rs, rkey, ss, skey, ikey, item))
    return out


def _single(rs, rkey, ss, skey, ikey, item):
    s = {k: v for k, v in ss.items() if k != ikey}
    s[ikey] = [item]
    r = {k: v for k, v in rs.items() if k != skey}
    r[skey] = [s]
    return {rkey: [r]}


def item_of(signal, single):
    rkey, skey, ikey = SIGNALS[signal]
    return single[rkey][0][skey][0][ikey][0]


def resource_attrs(signal, single):
    rkey = SIGNALS[signal][0]
    return single[rkey][0].get("resource", {}).get("attributes", [])


def identity(signal, single):
    """A short name of an item, to pair an expected item with the received one for a diff."""
    item = item_of(signal, single)
    if signal == "traces":
        return f"span {item.get('spanId')}"
    if signal == "logs":
        return (f"log record time={item.get('timeUnixNano', 0)} "
                f"observed={item.get('observedTimeUnixNano', 0)}")
    kind = next(k for k in ("gauge", "sum", "histogram", "exponentialHistogram", "summary")
                if k in item)
    dp = item[kind]["dataPoints"][0]
    attrs = json.dumps(dp.get("attributes", []), sort_keys=True)
    return f"metric {item['name']} {kind} attrs={attrs} time={dp.get('timeUnixNano', 0)}"


def diff(a, b, path="$"):
    """Field-level differences between two canonical values, as readable lines."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in b:
                out.append(f"{path}.{k}: sent {json.dumps(a[k])[:300]}, missing in vigil's output")
            elif k not in a:
                out.append(f"{path}.{k}: not sent, vigil's output has {json.dumps(b[k])[:300]}")
            else:
                out += diff(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: sent {len(a)} elements, vigil's output has {len(b)}: "
                    f"sent {json.dumps(a)[:400]} / got {json.dumps(b)[:400]}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, f"{path}[{i}]")
        return out
    if a != b or type(a) is not type(b):
        return [f"{path}: sent {json.dumps(a)}, vigil's output has {json.dumps(b)}"]
    return []


def compare(expected, actual, agent_attrs=None, optional_agent_keys=()):
    """expected, actual: {signal: [single-item request (raw OTLP/JSON)]}. agent_attrs: what the
    agent must add to each resource when the application did not set the key (value per key);
    keys in optional_agent_keys may be added (any string). Returns a list of problems."""
    problems = []
    for signal in SIGNALS:
        exp_items = {}
        for single in expected.get(signal, []):
            c = canon(single)
            exp_items.setdefault(json.dumps(c, sort_keys=True), []).append(c)
        got_items = {}
        for single in actual.get(signal, []):
            try:
                c = canon(single)
            except CanonError as e:
                problems.append(f"{signal}: malformed item in vigil's output: {e}")
                continue
            if agent_attrs is not None:
                c = _strip_agent_attrs(signal, c, expected_resource(signal, expected),
                                       agent_attrs, optional_agent_keys, problems)
            got_items.setdefault(json.dumps(c, sort_keys=True), []).append(c)
        missing, extra = [], []
        for key, items in exp_items.items():
            n = len(got_items.get(key, []))
            if n < len(items):
                missing += items[: len(items) - n]
            elif n > len(items):
                problems.append(f"{signal}: {identity(signal, items[0])} arrived {n} times, "
                                f"sent {len(items)}")
        for key, items in got_items.items():
            if key not in exp_items:
                extra += items
        # Pair each missing item with an unexpected one of the same identity for a diff.
        by_id = {}
        for g in extra:
            by_id.setdefault(identity(signal, g), []).append(g)
        for m in missing:
            ident = identity(signal, m)
            if signal == "traces":
                ident += f" {item_of(signal, m).get('name')!r}"
            if by_id.get(identity(signal, m)):
                g = by_id[identity(signal, m)].pop(0)
                problems.append(f"{signal}: {ident} arrived changed:\n    " +
                                "\n    ".join(diff(m, g)))
            else:
                problems.append(f"{signal}: {ident} did not arrive; sent: "
                                f"{json.dumps(m)[:600]}")
        for rest in by_id.values():
            for g in rest:
                problems.append(f"{signal}: unexpected item in vigil's output: "
                                f"{identity(signal, g)}: {json.dumps(g)[:600]}")
    return problems


def expected_resource(signal, expected):
    """The application's resource attributes per service instance: the first expected item's."""
    items = expected.get(signal, [])
    return {kv["key"]: kv["value"] for kv in canon(resource_attrs(signal, items[0]))} if items else {}


def _strip_agent_attrs(signal, c, app_attrs, agent_attrs, optional_keys, problems):
    """Checks what vigil added to a received item's resource and removes it (so the rest can be
    compared with what was sent)."""
    rkey = SIGNALS[signal][0]
    res = c[rkey][0].get("resource", {})
    kept, added = [], {}
    for kv in res.get("attributes", []):
        if kv["key"] in app_attrs:
            kept.append(kv)  # compared (value included) with the rest of the item
        else:
            added[kv["key"]] = kv.get("value")
    want = {k: {"stringValue": v} for k, v in agent_attrs.items() if k not in app_attrs}
    for k in sorted(set(want) | set(added)):
        if k in optional_keys and k in added:
            if not isinstance(added[k], dict) or not added[k].get("stringValue"):
                problems.append(f"{signal}: resource attribute {k} added by vigil is not a "
                                f"non-empty string: {added[k]!r}")
        elif k not in added:
            problems.append(f"{signal}: vigil did not add resource attribute {k}="
                            f"{want[k]!r} (item {identity(signal, c)})")
        elif k not in want:
            problems.append(f"{signal}: unexpected resource attribute {k}={added[k]!r} "
                            f"(item {identity(signal, c)})")
        elif added[k] != want[k]:
            problems.append(f"{signal}: resource attribute {k} is {added[k]!r}, "
                            f"expected {want[k]!r}")
    res = dict(res, attributes=kept)
    if not kept:
        del res["attributes"]
    r = dict(c[rkey][0], resource=res)
    if not res:
        del r["resource"]
    return {rkey: [r]}


def parse_stdout(lines):
    """vigil's stdout lines -> ({signal: [single-item request]}, problems)."""
    out = {s: [] for s in SIGNALS}
    problems = []
    for line in lines:
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except ValueError as e:
            problems.append(f"stdout line is not JSON ({e}): {line[:300]}")
            continue
        signal = next((s for s, keys in SIGNALS.items() if keys[0] in doc), None)
        if signal is None or len(doc) != 1:
            problems.append(f"stdout line is not one export request: {line[:300]}")
            continue
        items = split_request(signal, doc)
        if len(items) != 1:
            problems.append(f"stdout line holds {len(items)} items, not one: {line[:300]}")
        out[signal] += items
    return out, problems


# ---------------------------------------------------------------------------------------------

def config(api_port, http_port, grpc_port, data_dir):
    extra = "\n".join(f'"{k}" = "{v}"' for k, v in AGENT_RESOURCE.items())
    return f"""
[agent]
hostname = "{HOSTNAME}"
data_dir = "{data_dir}"
shutdown_timeout = "10s"

[agent.resource]
{extra}

[agent.api]
listen = "127.0.0.1:{api_port}"

[collectors.otlp]
http_listen = "127.0.0.1:{http_port}"
grpc_listen = "127.0.0.1:{grpc_port}"

[exporters.stdout]
"""


def node_modules_ok():
    return os.path.isfile(os.path.join(JS_DIR, "node_modules", "@opentelemetry",
                                       "exporter-trace-otlp-grpc", "package.json"))


class OtlpSdkTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if NODE is None:
            print("SKIP test_otlp_sdk: node is not installed (packaging/install-deps.sh "
                  "installs it)", file=sys.stderr)
            raise unittest.SkipTest("node is not installed")
        if not node_modules_ok():
            raise AssertionError(
                f"npm packages missing in {JS_DIR}/node_modules: run "
                f"`npm ci --no-audit --no-fund` there (packaging/dev.sh test does)")

    def run_protocol(self, protocol, compression):
        with temp_dir() as d:
            api, http_port, grpc_port = free_port(), free_port(), free_port()
            path = os.path.join(d, "agent.toml")
            with open(path, "w") as f:
                f.write(config(api, http_port, grpc_port, d))
            run_id = f"it-{protocol.replace('/', '-')}-{compression}-{os.getpid()}"
            vigil = Vigil(["run", "-c", path])
            try:
                base = f"http://127.0.0.1:{api}"
                vigil.wait_for(lambda: _ready(base), 20, "/readyz 200")
                port = grpc_port if protocol == "grpc" else http_port
                proc = subprocess.run(
                    [NODE, os.path.join(JS_DIR, "send.mjs"), "--protocol", protocol,
                     "--endpoint", f"http://127.0.0.1:{port}", "--run-id", run_id,
                     "--compression", compression],
                    cwd=JS_DIR, capture_output=True, text=True, timeout=120)
                self.assertEqual(proc.returncode, 0,
                                 f"send.mjs failed ({proc.returncode}):\n{proc.stderr}\n"
                                 f"vigil stderr:\n" + "\n".join(vigil.stderr()))
                sent = json.loads(proc.stdout)
                self.check_sent_is_complete(sent, run_id)
                total = sum(len(sent[s]) for s in SIGNALS)
                # Everything was acknowledged; the stdout exporter prints it soon after.
                vigil.wait_for(lambda: len([l for l in vigil.stdout() if l.strip()]) >= total,
                               20, f"{total} items on stdout")
                code = vigil.stop()
                self.assertEqual(code, 0, "vigil exit code; stderr:\n" + "\n".join(vigil.stderr()))
            finally:
                if vigil.proc.returncode is None:
                    vigil.stop()
            got, problems = parse_stdout(vigil.stdout())
            problems += compare({s: sent[s] for s in SIGNALS}, got, agent_attrs={
                "host.name": HOSTNAME, "os.type": "linux", **AGENT_RESOURCE},
                optional_agent_keys=("container.id",))
            if problems:
                self.fail(f"{protocol} ({compression}): {len(problems)} problem(s):\n" +
                          "\n".join(problems))

    def check_sent_is_complete(self, sent, run_id):
        """The test is only as good as what was sent: check the script sent every feature."""
        spans = [item_of("traces", s) for s in sent["traces"]]
        self.assertEqual(sorted({s.get("kind", 0) for s in spans}), [1, 2, 3, 4, 5])
        self.assertEqual({s.get("status", {}).get("code", 0) for s in spans}, {0, 1, 2})
        self.assertTrue(any(s.get("parentSpanId") for s in spans))
        self.assertTrue(any(s.get("links") for s in spans) and any(s.get("events") for s in spans))
        self.assertTrue(any(s.get("droppedAttributesCount") for s in spans))
        types = set()

        def walk(v):
            if isinstance(v, dict):
                types.update(k for k in v if k in KEEP_DEFAULT and k.endswith("Value"))
                for x in v.values():
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)
        walk(sent["traces"])
        self.assertEqual(types, {"stringValue", "boolValue", "intValue", "doubleValue",
                                 "arrayValue"})
        logs = [item_of("logs", s) for s in sent["logs"]]
        self.assertEqual({next(iter(r["body"])) for r in logs if r.get("body")},
                         {"stringValue", "intValue", "doubleValue", "boolValue", "kvlistValue",
                          "arrayValue", "bytesValue"})
        self.assertTrue(any(r.get("traceId") and r.get("spanId") for r in logs))
        self.assertGreaterEqual(len({r.get("severityNumber", 0) for r in logs}), 6)
        kinds = {}
        for s in sent["metrics"]:
            m = item_of("metrics", s)
            kinds.setdefault(next(k for k in ("gauge", "sum", "histogram",
                                              "exponentialHistogram") if k in m), []).append(m)
        self.assertEqual(set(kinds), {"gauge", "sum", "histogram", "exponentialHistogram"})
        self.assertEqual({(m["sum"]["aggregationTemporality"], m["sum"]["isMonotonic"])
                          for m in kinds["sum"]}, {(1, True), (2, False)})
        exp = kinds["exponentialHistogram"][0]["exponentialHistogram"]["dataPoints"][0]
        self.assertLess(exp["scale"], 20)  # downscaled: a non-trivial scale and offset
        self.assertNotEqual(exp["positive"]["offset"], 0)
        self.assertEqual(int(exp["zeroCount"]), 1)
        # Every item carries the run id as service.name; logs set host.name themselves.
        for s in SIGNALS:
            for single in sent[s]:
                attrs = {kv["key"]: kv["value"] for kv in resource_attrs(s, single)}
                self.assertEqual(attrs["service.name"], {"stringValue": run_id})
                self.assertEqual("host.name" in attrs, s == "logs")

    def test_http_protobuf(self):
        self.run_protocol("http/protobuf", "none")

    def test_http_protobuf_gzip(self):
        self.run_protocol("http/protobuf", "gzip")

    def test_http_json(self):
        self.run_protocol("http/json", "none")

    def test_http_json_gzip(self):
        self.run_protocol("http/json", "gzip")

    def test_grpc(self):
        self.run_protocol("grpc", "none")

    def test_grpc_gzip(self):
        self.run_protocol("grpc", "gzip")


class CompareSelfTest(unittest.TestCase):
    """The comparison must catch every kind of damage (a test that cannot fail is no test)."""

    def sample(self):
        span = {"traceId": "0AF7651916CD43DD8448EB211C80319C", "spanId": "B7AD6B7169203331",
                "name": "s", "kind": 2, "startTimeUnixNano": "1700000000123456789",
                "endTimeUnixNano": "1700000000223456789", "flags": 257,
                "attributes": [{"key": "i", "value": {"intValue": "0"}},
                               {"key": "d", "value": {"doubleValue": 0.1}},
                               {"key": "b", "value": {"boolValue": False}}],
                "status": {"code": 2, "message": "m"}}
        req = {"resourceSpans": [{"resource": {"attributes": [
            {"key": "service.name", "value": {"stringValue": "svc"}}]},
            "scopeSpans": [{"scope": {"name": "sc", "version": "1"}, "spans": [span]}]}]}
        return req

    def with_agent(self, req):
        r = json.loads(json.dumps(req))
        r["resourceSpans"][0]["resource"]["attributes"] += [
            {"key": "host.name", "value": {"stringValue": "h"}},
            {"key": "os.type", "value": {"stringValue": "linux"}}]
        return r

    def check(self, got, n_problems_min=1, agent=True):
        return compare({"traces": [self.sample()]}, {"traces": got},
                       agent_attrs={"host.name": "h", "os.type": "linux"} if agent else None)

    def test_equal_forms_pass(self):
        r = self.with_agent(self.sample())
        span = r["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
        # Numbers for 64-bit ints, lowercase ids, reordered attributes, explicit defaults.
        span["startTimeUnixNano"] = 1700000000123456789
        span["traceId"] = span["traceId"].lower()
        span["attributes"].reverse()
        span["droppedAttributesCount"] = 0
        span["events"] = []
        self.assertEqual(self.check([r]), [])

    def test_damage_is_caught(self):
        def mutate(f):
            r = self.with_agent(self.sample())
            f(r["resourceSpans"][0], r["resourceSpans"][0]["scopeSpans"][0]["spans"][0])
            return self.check([r])
        cases = {
            "time": lambda rs, s: s.update(startTimeUnixNano="1700000000123456788"),
            "int->double": lambda rs, s: s["attributes"][0].update(value={"doubleValue": 0}),
            "int dropped": lambda rs, s: s["attributes"].pop(0),
            "false->absent": lambda rs, s: s["attributes"][2].update(value={}),
            "double": lambda rs, s: s["attributes"][1].update(value={"doubleValue": 0.1000001}),
            "status": lambda rs, s: s["status"].pop("message"),
            "kind": lambda rs, s: s.update(kind=1),
            "flags": lambda rs, s: s.update(flags=1),
            "scope": lambda rs, s: rs["scopeSpans"][0]["scope"].pop("version"),
            "service.name": lambda rs, s: rs["resource"]["attributes"][0].update(
                value={"stringValue": "other"}),
            "host.name missing": lambda rs, s: rs["resource"]["attributes"].pop(1),
            "extra attr": lambda rs, s: rs["resource"]["attributes"].append(
                {"key": "x", "value": {"stringValue": "y"}}),
        }
        for name, f in cases.items():
            with self.subTest(name):
                self.assertNotEqual(mutate(f), [], name)

    def test_duplicates_and_losses_are_caught(self):
        r = self.with_agent(self.sample())
        self.assertIn("arrived 2 times", "\n".join(self.check([r, r])))
        self.assertIn("did not arrive", "\n".join(self.check([])))

    def test_changed_item_gets_a_field_diff(self):
        r = self.with_agent(self.sample())
        r["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["endTimeUnixNano"] = "1"
        problems = self.check([r])
        self.assertEqual(len(problems), 1, problems)
        self.assertIn(".endTimeUnixNano: sent 1700000000223456789, vigil's output has 1",
                      problems[0])


def _ready(base):
    try:
        return http_get(base + "/readyz", timeout=1)[0] == 200
    except OSError:
        return False


if __name__ == "__main__":
    unittest.main(verbosity=2)
