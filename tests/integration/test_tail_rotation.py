"""Tail torture, part 1: rotation while a writer runs at a steady rate.

One vigil follows logs/*.log into an OTLP/HTTP sink. A writer appends numbered lines to app.log
and, untouched throughout, to steady.log. The test then performs, in turn:

 1. rename-and-create (logrotate's default): app.log is renamed to app.log.1 (outside the
    pattern); the writer goes on writing to the renamed file for a while, as an application
    does until it reopens its log, then reopens app.log (a new file, a new fid);
 2. copytruncate: app.log is copied to app.log.2 and truncated in place; the writer goes on
    through its O_APPEND descriptor, so its next lines land at offset 0;
 3. truncate: the same without the copy;
 4. deletion and recreation: the writer writes its last lines, closes, app.log is deleted at
    once and created again (a new fid).

Expected: every line of every file delivered exactly once, each file's lines in order.

Truncation races with the writer by nature: lines written after the collector's last read and
before the truncation are gone before anyone could read them (logrotate's copytruncate documents
the same window). As logrotate users do, the test makes sure the lines written before a
truncation were read first: it pauses the app.log writer, waits until the sink holds all of them,
truncates, and resumes. The writer of steady.log never pauses."""

import os
import shutil
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tail_harness import (LogSink, SteadyWriter, TailAgent, cleaned_up, delivered_all,  # noqa: E402
                          expect_exactly_once, wait_until)
from vigil_process import temp_dir  # noqa: E402

RATE = 200  # lines per second per file


class TailRotationTest(unittest.TestCase):
    def test_rotation_copytruncate_truncate_delete(self):
        with temp_dir() as d:
            logs = os.path.join(d, "logs")
            os.makedirs(logs)
            app = os.path.join(logs, "app.log")
            sink = LogSink()
            agent = TailAgent(d, sink, [os.path.join(logs, "*.log")])
            writer = SteadyWriter(RATE)
            with cleaned_up(sink, agent, writer):
                agent.start()
                writer.add("app", app, "appgen01")
                writer.add("steady", os.path.join(logs, "steady.log"), "steady01")
                writer.start()

                def caught_up(fid):
                    return lambda: delivered_all(sink, {fid: writer.totals()[fid]})

                time.sleep(1.5)
                # 1. rename and create, the old file still written to for a while
                os.rename(app, app + ".1")
                time.sleep(0.5)
                writer.replace("app", app, "appgen02")
                time.sleep(1.5)
                wait_until(lambda: agent.metric("vigil_tail_file_rotations_total") >= 1, 10,
                           "the rotation counted", agent)

                # 2. copytruncate, after the lines written so far were read
                writer.pause("app")
                wait_until(caught_up("appgen02"), 20, "appgen02 read before copytruncate", agent)
                shutil.copyfile(app, app + ".2")
                os.truncate(app, 0)
                writer.resume("app")
                time.sleep(1.5)

                # 3. truncate
                writer.pause("app")
                wait_until(caught_up("appgen02"), 20, "appgen02 read before truncate", agent)
                os.truncate(app, 0)
                writer.resume("app")
                time.sleep(1.5)
                wait_until(lambda: agent.metric("vigil_tail_file_truncations_total") >= 2, 10,
                           "both truncations counted", agent)

                # 4. deletion right after the last lines, then recreation
                writer.pause("app")
                writer.close_stream("app")
                os.unlink(app)
                writer.add("app", app, "appgen03")
                writer.resume("app")
                time.sleep(1.5)

                writer.stop()
                written = writer.totals()
                self.assertGreater(written["appgen01"], 100)
                self.assertGreater(written["appgen03"], 100)
                expect_exactly_once(self, sink, agent, written)
                # The rotated-away and deleted files are closed again after rotate_wait.
                wait_until(lambda: agent.metric("vigil_tail_files_tracked") == 2, 15,
                           "rotated files released", agent)
                self.assertEqual(agent.stop(), 0)


if __name__ == "__main__":
    unittest.main()
