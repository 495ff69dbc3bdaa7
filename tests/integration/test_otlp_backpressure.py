"""Back-pressure through the OTLP receiver, end to end: vigil's stdout exporter writes into a pipe
that the test does not read, so its writes stall once the pipe is full and its small queue
(64 KiB, when_full = "block") fills. HTTP clients must then get 429 or 503 with Retry-After and
gRPC clients UNAVAILABLE. Every request answered 200 / OK was acknowledged: once the test reads
the pipe again, every item of those requests must come out (at-least-once: items of refused
requests may come out too, and duplicates are allowed). Then the refused requests are sent again
as an OTLP client retries them, honouring Retry-After, until each is acknowledged; in the end
every item ever sent has come out.

Requests that wait in the queue get 503 after ack_timeout (1 s here); once the queue is full,
new ones get 429 at once. The test waits for both."""

import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import otlp_requests as otlp  # noqa: E402
from otlp_requests import JSON, PROTOBUF  # noqa: E402
from vigil_process import free_port, temp_dir  # noqa: E402

SPANS_PER_REQUEST = 50
TRACES = otlp.SIGNALS["traces"][2]
GRPC_TRACES = otlp.SIGNALS["traces"][3]


class Sent:
    """Every request sent, with its items and its answer; shared by the client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.next_seq = 1
        self.requests = []  # (transport, seqs, answer: "ok" | "refused", detail)

    def take_seqs(self):
        with self.lock:
            seqs = list(range(self.next_seq, self.next_seq + SPANS_PER_REQUEST))
            self.next_seq += SPANS_PER_REQUEST
            return seqs

    def record(self, transport, seqs, answer, detail):
        with self.lock:
            self.requests.append((transport, seqs, answer, detail))

    def snapshot(self):
        with self.lock:
            return list(self.requests)


def encode(transport, seqs):
    if transport == "http/json":
        return otlp.trace_request_json(seqs, service="backpressure")
    return otlp.trace_request(seqs, service="backpressure")


def send_once(transport, port, seqs, client=None):
    """One attempt: ("ok" | "refused", detail). Fails the test on any other answer."""
    if transport == "grpc":
        r = otlp.grpc_call(port, GRPC_TRACES, encode(transport, seqs))
        if r.status == otlp.GRPC_OK:
            return "ok", r
        if r.status == otlp.GRPC_UNAVAILABLE:
            return "refused", r
        raise AssertionError(f"unexpected gRPC answer {r}")
    content_type = JSON if transport == "http/json" else PROTOBUF
    r = client.request(TRACES, encode(transport, seqs), content_type=content_type)
    if r.status == 200:
        return "ok", r
    if r.status in (429, 503):
        retry_after = r.header("retry-after")
        if retry_after is None or not retry_after.isdigit() or int(retry_after) < 1:
            raise AssertionError(f"{r.status} without a usable Retry-After: {r}")
        if r.header("content-type") != content_type:
            raise AssertionError(f"refusal not in the request's encoding: {r}")
        return "refused", r
    raise AssertionError(f"unexpected HTTP answer {r}")


class BackPressureTest(unittest.TestCase):
    def test_refusals_under_back_pressure_and_nothing_acknowledged_is_lost(self):
        with temp_dir() as d:
            api, http_port, grpc_port = free_port(), free_port(), free_port()
            path = os.path.join(d, "agent.toml")
            with open(path, "w") as f:
                f.write(otlp.receiver_config(
                    d, api, http_port, grpc_port, 'ack_timeout = "1s"\nretry_after = "1s"\n',
                    '[exporters.stdout]\n'
                    '[exporters.stdout.buffer]\nmax_memory = "64KiB"\nwhen_full = "block"\n'
                    '[exporters.stdout.retry]\ninitial_interval = "100ms"\nmax_interval = "500ms"\n'))
            vigil = otlp.PipedVigil(["run", "-c", path])
            try:
                otlp.wait_ready(api, vigil.proc)
                self.run_scenario(vigil, api, http_port, grpc_port)
            except BaseException:
                sys.stderr.write("vigil stderr (last 40 lines):\n" + "\n".join(vigil.stderr()[-40:]) + "\n")
                raise
            finally:
                code = vigil.stop()
            self.assertEqual(code, 0)

    def run_scenario(self, vigil, api, http_port, grpc_port):
        sent = Sent()
        ports = {"http/protobuf": http_port, "http/json": http_port, "grpc": grpc_port}
        refusals = {t: 0 for t in ports}
        stop = threading.Event()
        errors = []

        # Phase 1: nobody reads vigil's stdout. Clients send without retrying until every
        # transport has been refused a few times.
        def client_loop(transport):
            client = otlp.HttpClient(http_port) if transport != "grpc" else None
            try:
                while not stop.is_set():
                    seqs = sent.take_seqs()
                    answer, detail = send_once(transport, ports[transport], seqs, client)
                    sent.record(transport, seqs, answer, detail)
                    if answer == "refused":
                        with sent.lock:
                            refusals[transport] += 1
            except BaseException as e:  # noqa: BLE001 - reported by the main thread
                errors.append(e)
            finally:
                if client is not None:
                    client.close()

        threads = [threading.Thread(target=client_loop, args=(t,), daemon=True)
                   for t in ("http/protobuf", "http/protobuf", "http/json", "grpc")]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not errors:
            if self.enough(sent, refusals):
                break
            time.sleep(0.1)
        stop.set()
        for t in threads:
            t.join(60)
        if errors:
            raise errors[0]
        self.assertTrue(self.enough(sent, refusals),
                        f"not every transport was refused (and HTTP not with 429 for a full "
                        f"queue) within 90 s: {refusals}")

        phase1 = sent.snapshot()
        acked = {s for _, seqs, answer, _ in phase1 if answer == "ok" for s in seqs}
        refused = [(t, seqs) for t, seqs, answer, _ in phase1 if answer == "refused"]
        statuses = sorted({d.status for t, _, a, d in phase1 if a == "refused" and t != "grpc"})
        print(f"phase 1: {len(phase1)} requests, {len(acked)} items acknowledged, "
              f"{len(refused)} requests refused (HTTP statuses {statuses}, "
              f"refusals per transport {refusals})")
        self.assertGreater(len(acked), 0, "nothing was acknowledged before the pipe filled")

        # Phase 2: the downstream comes back. Every acknowledged item must come out.
        vigil.start_reading()
        self.wait_for_items(vigil, acked, 60, "every item acknowledged while blocked")

        # Phase 3: the refused requests again, as a retrying client sends them.
        client = otlp.HttpClient(http_port)
        try:
            for transport, seqs in refused:
                deadline = time.monotonic() + 60
                while True:
                    answer, detail = send_once(transport, ports[transport], seqs, client)
                    if answer == "ok":
                        acked.update(seqs)
                        break
                    self.assertLess(time.monotonic(), deadline, f"still refused after 60 s: {detail}")
                    time.sleep(int(detail.header("retry-after")) if transport != "grpc" else 1)
        finally:
            client.close()
        everything = set(range(1, sent.next_seq))
        self.assertEqual(acked, everything)
        self.wait_for_items(vigil, everything, 60, "every item sent")

        seen = otlp.seqs_in(vigil.stdout_lines())
        _, torn = otlp.parse_lines(vigil.stdout_lines())
        duplicates = len(seen) - len(set(seen))
        print(f"{len(everything)} items sent, {len(seen)} printed ({duplicates} duplicates, "
              f"{torn} torn lines)")
        self.assertNotIn(None, seen)
        self.assertTrue(set(seen) <= everything)
        # The queue blocked instead of dropping: nothing was dropped anywhere.
        self.assertEqual(otlp.self_metric(api, "vigil_dropped_items_total"), 0)

    @staticmethod
    def enough(sent, refusals):
        """Every transport refused 3 times, and HTTP once with 429 (the queue was full, not
        only slow: 503 is the answer when ack_timeout passes first)."""
        with sent.lock:
            full = any(t != "grpc" and a == "refused" and d.status == 429
                       for t, _, a, d in sent.requests)
            return full and all(n >= 3 for n in refusals.values())

    def wait_for_items(self, vigil, expected, timeout, what):
        deadline = time.monotonic() + timeout
        while True:
            missing = expected - set(otlp.seqs_in(vigil.stdout_lines()))
            if not missing:
                return
            if time.monotonic() > deadline:
                self.fail(f"{what}: {len(missing)} item(s) never came out, e.g. {sorted(missing)[:20]}")
            time.sleep(0.2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
