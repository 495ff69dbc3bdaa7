"""Tail restarts while a writer runs: the checkpoint holds only acknowledged positions.

- SIGTERM mid-stream, three times: vigil drains (every batch it read is delivered and
  acknowledged, the checkpoint written) and exits 0; after each restart it resumes exactly there.
  Expected: zero lines lost, zero duplicated, each file's lines in order. The same for three
  SIGHUP reloads, which replace the collector in a running agent.
- SIGKILL at random moments, twelve times: nothing is drained. Expected: zero lines lost, and
  the only duplicates are lines the sink had received whose acknowledgement had not reached the
  checkpoint. The test asserts that bound two ways, per kill and per file:
    * exactly: the lines delivered again after the restart are precisely those from the offset
      in the checkpoint file left by the killed process (decoded here with independent code) up
      to the last line the sink had received; nothing before the checkpoint comes again;
    * by batch: all of them belong to the last request the sink received before the kill: the
      batch whose acknowledgement vigil had not processed yet. (Every acknowledgement reaches
      the checkpoint's acknowledgement copy before vigil does anything else; see
      collectors/tail/README.md, "Checkpoints".)
"""

import os
import random
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tail_harness import (LINE_WIDTH, LogSink, SteadyWriter, TailAgent, cleaned_up,  # noqa: E402
                          delivered_all, expect_exactly_once, per_fid, read_checkpoint, wait_until)
from vigil_process import temp_dir  # noqa: E402

FILES = 3
RATE = 200  # lines per second per file
KILLS = 12


def setup(d, writer, tail_extra=""):
    logs = os.path.join(d, "logs")
    os.makedirs(logs)
    sink = LogSink()
    agent = TailAgent(d, sink, [os.path.join(logs, "*.log")], tail_extra=tail_extra)
    paths = {}
    for i in range(FILES):
        fid = f"file{i:04d}"
        paths[fid] = os.path.join(logs, f"app{i}.log")
        writer.add(fid, paths[fid], fid)
    return sink, agent, paths


class TailRestartTest(unittest.TestCase):
    def test_sigterm_mid_stream_loses_and_repeats_nothing(self):
        with temp_dir() as d:
            writer = SteadyWriter(RATE)
            sink, agent, _ = setup(d, writer)
            with cleaned_up(sink, agent, writer):
                agent.start()
                writer.start()
                for _ in range(3):
                    time.sleep(1.5)
                    self.assertEqual(agent.stop(), 0)
                    time.sleep(0.5)  # lines keep coming while vigil is down
                    agent.start()
                time.sleep(1.0)
                writer.stop()
                expect_exactly_once(self, sink, agent, writer.totals())
                self.assertEqual(agent.stop(), 0)

    def test_sighup_reload_mid_stream_loses_and_repeats_nothing(self):
        """A reload replaces the collector: the old one stops and drains, the new one starts
        from the checkpoint the old one left."""
        with temp_dir() as d:
            writer = SteadyWriter(RATE)
            sink, agent, _ = setup(d, writer)
            with cleaned_up(sink, agent, writer):
                agent.start()
                writer.start()
                for reloads in range(1, 4):
                    time.sleep(1.0)
                    agent.vigil.signal(signal.SIGHUP)
                    wait_until(lambda: agent.metric("vigil_config_reloads_total",
                                                    result="success") >= reloads,
                               20, "the reload", agent)
                time.sleep(1.0)
                writer.stop()
                expect_exactly_once(self, sink, agent, writer.totals())
                self.assertEqual(agent.stop(), 0)

    def test_sigkill_at_random_moments_repeats_only_the_unacknowledged(self):
        rng = random.Random(int(os.environ.get("VIGIL_TEST_SEED", str(time.time_ns()))))
        with temp_dir() as d:
            writer = SteadyWriter(RATE)
            sink, agent, paths = setup(d, writer, tail_extra="batch_max_records = 50\n")
            kills = []  # (records received before the kill, requests before, checkpoint)
            with cleaned_up(sink, agent, writer):
                agent.start()
                writer.start()
                for _ in range(KILLS):
                    time.sleep(rng.uniform(0.2, 1.2))
                    agent.kill()
                    records, requests = sink.snapshot()
                    checkpoint = read_checkpoint(agent.checkpoint_path)
                    kills.append((len(records), requests, checkpoint))
                    agent.start()
                time.sleep(1.0)
                writer.stop()
                written = writer.totals()
                wait_until(lambda: delivered_all(sink, written), 30, "every line delivered",
                           agent)
                time.sleep(0.5)
                self.assertEqual(agent.stop(), 0)
                records, _ = sink.snapshot()

            # Nothing lost, and each file's lines in order apart from the repeats.
            got = per_fid(records)
            for fid, n in written.items():
                self.assertEqual(sorted(set(got[fid])), list(range(n)), f"{fid}: lines lost")
            total_dups = len(records) - sum(written.values())
            explained = 0
            bounds = []
            for k, (cut, requests_before, checkpoint) in enumerate(kills):
                before = records[:cut]
                end = kills[k + 1][0] if k + 1 < len(kills) else len(records)
                after = records[cut:end]
                seen_before = {(fid, seq) for _, _, fid, seq in before}
                last = {(fid, seq) for req, _, fid, seq in before if req == requests_before}
                dups = [(fid, seq) for _, _, fid, seq in after if (fid, seq) in seen_before]
                self.assertEqual(len(dups), len(set(dups)), f"kill {k}: repeated twice")
                for fid, path in paths.items():
                    acknowledged = checkpoint.get(path, 0) // LINE_WIDTH
                    received = max((seq for _, _, f, seq in before if f == fid), default=-1) + 1
                    expected = list(range(acknowledged, received))
                    again = [seq for f, seq in dups if f == fid]
                    self.assertEqual(again, expected,
                                     f"kill {k}, {fid}: repeats must be exactly the lines after "
                                     f"the acknowledged offset ({acknowledged})")
                self.assertTrue(set(dups) <= last,
                                f"kill {k}: {len(set(dups) - last)} repeated lines outside "
                                f"the last request before the kill")
                # Each file's lines after the restart are in order again.
                for fid, seqs in per_fid(after).items():
                    self.assertEqual(seqs, sorted(seqs), f"kill {k}, {fid}: out of order")
                explained += len(dups)
                bounds.append(len(dups))
            self.assertEqual(total_dups, explained, "duplicates that no kill explains")
            print(f"{KILLS} kills; repeated lines per kill: {bounds}", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
