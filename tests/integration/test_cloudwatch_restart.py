"""Counter-to-delta conversion across an agent restart and a counter reset (acceptance item 5):
vigil is stopped and started again with the same data_dir; the first point after the restart is
sent as the delta from the last point delivered before it (not as a baseline, and not as the
counter's whole value), and a counter that goes down or restarts sends no negative or huge
delta."""

import os
import sys
import unittest

from cloudwatch_harness import CloudWatchTestCase, counter, metrics_request, now_ns, number_point

SECOND = 1_000_000_000


class CloudWatchRestartTest(CloudWatchTestCase):
    def setUp(self):
        super().setUp()
        self.data_dir = os.path.join(self.tmp.name, "data")
        self.t0 = now_ns() - 300 * SECOND
        self.start_time = self.t0 - 3600 * SECOND

    def restart(self, data_dir=None):
        self.start(data_dir=data_dir or self.data_dir)

    def send(self, seconds, value, start=None):
        point = number_point(value, self.t0 + seconds * SECOND, {"device": "eth0"},
                             start if start is not None else self.start_time)
        self.assertEqual(self.vigil.post("metrics", metrics_request(
            [counter("net.bytes", "By", [point])])), 200)

    def values(self):
        return [d["value"] for d in self.server.datums() if d["name"] == "net.bytes"]

    def test_deltas_continue_across_a_restart_and_survive_resets(self):
        self.restart()
        self.send(0, 1_000_000)   # baseline
        self.send(10, 1_000_600)  # +600
        self.assertEqual(self.values(), [600])
        self.assertEqual(self.vigil.stop(), 0)
        state = os.path.join(self.data_dir, "cloudwatch", "cw", "counters.json")
        self.assertTrue(os.path.exists(state), "the counter state was saved at shutdown")

        self.restart()
        self.send(20, 1_000_650)  # the first point after the restart: +50, not a baseline
        self.assertEqual(self.values(), [600, 50])

        self.send(30, 40)         # the counter went down (reset): nothing sent
        self.send(40, 100)        # +60 from the new baseline
        start2 = self.t0 + 45 * SECOND
        self.send(50, 7_000, start=start2)  # restarted (new start time) and already at 7000:
        self.send(60, 7_070, start=start2)  # not 6900 (7000 - 100): a new baseline, then +70
        self.assertEqual(self.values(), [600, 50, 60, 70])
        self.assertTrue(all(v >= 0 for v in self.values()))

        # A fresh data_dir knows nothing: the same next point is only a baseline.
        self.assertEqual(self.vigil.stop(), 0)
        self.restart(os.path.join(self.tmp.name, "fresh"))
        self.send(70, 7_100, start=start2)
        self.send(80, 7_130, start=start2)
        self.assertEqual(self.values(), [600, 50, 60, 70, 30])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[1:])
