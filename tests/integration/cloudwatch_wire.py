"""What CloudWatch and CloudWatch Logs accept (PROTOCOLS.md sections 5.1 and 5.2), as the test
server (cloudwatch_server.py) checks it: the documented formats and limits of PutMetricData's
datums and of PutLogEvents' names and events, each broken rule raised as the AwsError AWS answers
with."""

import datetime
import math
import re

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


class AwsError(Exception):
    """An error answer: code, message and HTTP status, shaped per protocol when sent."""

    def __init__(self, code, message, status=400):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def parse_iso8601(text):
    for fmt in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.datetime.strptime(text, fmt).replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            pass
    return None


def ascii_printable(s):
    return all(0x20 <= ord(c) < 0x7F for c in s)


def metric_datums(params):
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
    return [metric_datum(n, members[n]) for n in sorted(members)]

def metric_datum(n, fields):
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



def group_name(request):
    group = request.get("logGroupName")
    if not isinstance(group, str) or not LOG_GROUP_RE.match(group):
        raise AwsError("InvalidParameterException",
                       f"1 validation error detected: Value {group!r} at 'logGroupName' failed "
                       f"to satisfy constraint: Member must satisfy regular expression pattern: "
                       f"[\\.\\-_/#A-Za-z0-9]+")
    return group

def stream_name(request):
    stream = request.get("logStreamName")
    if not isinstance(stream, str) or not 1 <= len(stream) <= 512 or ":" in stream or \
            "*" in stream:
        raise AwsError("InvalidParameterException",
                       f"1 validation error detected: Value {stream!r} at 'logStreamName' "
                       f"failed to satisfy constraint: Member must satisfy regular expression "
                       f"pattern: [^:*]*")
    return stream



def log_events(events):
    """The (timestamp, message) pairs of a PutLogEvents request and their size as CloudWatch
    counts it, or AwsError for any broken limit."""
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
    return decoded, total
