"""Tail torture, part 2: many files, and lost inotify events.

- 1,000 files in one directory written round-robin (a line to each file in turn, paced), with
  max_open_files = 100, so the collector keeps closing idle files and reopening them by
  identity: every line exactly once, each file's lines in order, never more than 100
  descriptors held.
- inotify queue overflow: the kernel queues at most /proc/sys/fs/inotify/max_queued_events
  events per watcher and then drops events, reporting IN_Q_OVERFLOW. Without touching that
  global setting, the test stops vigil (SIGSTOP), produces more events than the queue holds
  (lines appended alternately to two files, so consecutive events differ and are not merged),
  then creates new files whose events are certainly lost, and resumes vigil (SIGCONT).
  scan_interval is an hour, so only the overflow's full rescan can find the new files: their
  lines must all arrive, and vigil_tail_watch_overflows_total must count the overflow."""

import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tail_harness import (LogSink, Stream, TailAgent, cleaned_up, expect_exactly_once,  # noqa: E402
                          wait_until)
from vigil_process import temp_dir  # noqa: E402

FILES = 1000
ROUNDS = 8
MAX_OPEN = 100


class TailManyFilesTest(unittest.TestCase):
    def test_thousand_files_round_robin(self):
        with temp_dir() as d:
            logs = os.path.join(d, "logs")
            os.makedirs(logs)
            sink = LogSink()
            agent = TailAgent(d, sink, [os.path.join(logs, "*.log")],
                              tail_extra=f"max_open_files = {MAX_OPEN}\n"
                                         "batch_max_records = 2000\n")
            with cleaned_up(sink, agent):
                agent.start()
                written = {}
                max_open_seen = 0
                for r in range(ROUNDS):
                    started = time.monotonic()
                    for i in range(FILES):
                        fid = f"m{i:07d}"
                        # Open, write, close: the writer must not need 1,000 descriptors.
                        s = Stream(os.path.join(logs, f"f{i:04d}.log"), fid)
                        s.next_seq = written.get(fid, 0)
                        s.write()
                        s.close()
                        written[fid] = s.next_seq
                    max_open_seen = max(max_open_seen, agent.metric("vigil_tail_files_open"))
                    time.sleep(max(0.0, 0.5 - (time.monotonic() - started)))
                records = expect_exactly_once(self, sink, agent, written, timeout=60)
                self.assertEqual(len(records), FILES * ROUNDS)
                self.assertLessEqual(max_open_seen, MAX_OPEN)
                self.assertLessEqual(agent.metric("vigil_tail_files_open"), MAX_OPEN)
                self.assertEqual(agent.metric("vigil_tail_files_tracked"), FILES)
                self.assertEqual(agent.stop(), 0)

    def test_inotify_queue_overflow_is_answered_by_a_rescan(self):
        with open("/proc/sys/fs/inotify/max_queued_events") as f:
            queue_limit = int(f.read())
        with temp_dir() as d:
            logs = os.path.join(d, "logs")
            os.makedirs(logs)
            noise = [Stream(os.path.join(logs, f"noise{i}.log"), f"noise{i:03d}") for i in range(2)]
            sink = LogSink()
            agent = TailAgent(d, sink, [os.path.join(logs, "*.log")],
                              tail_extra='scan_interval = "1h"\n')
            with cleaned_up(sink, agent):
                agent.start()
                wait_until(lambda: agent.metric("vigil_tail_files_tracked") == 2, 10,
                           "the noise files followed", agent)
                time.sleep(0.3)  # the follow-up scan after the first watch
                os.kill(agent.pid, signal.SIGSTOP)
                try:
                    # More IN_MODIFY events than the queue holds...
                    for k in range(queue_limit + 2000):
                        noise[k % 2].write()
                    # ... so these creations and writes find it full.
                    late = []
                    for i in range(5):
                        s = Stream(os.path.join(logs, f"late{i}.log"), f"late{i:04d}")
                        s.write(3)
                        late.append(s)
                finally:
                    os.kill(agent.pid, signal.SIGCONT)
                written = {s.fid: s.next_seq for s in noise + late}
                for s in noise + late:
                    s.close()
                expect_exactly_once(self, sink, agent, written, timeout=60)
                self.assertGreaterEqual(agent.metric("vigil_tail_watch_overflows_total"), 1)
                self.assertEqual(agent.stop(), 0)


if __name__ == "__main__":
    unittest.main()
