#include "collectors/tail/tail_config.h"

#include <gtest/gtest.h>

#include "tests/unit/collectors/tail/tail_config_fixture.h"

namespace vigil::collectors::tail {
namespace {

using tail_testing::TailConfigFixture;
using namespace std::chrono_literals;

std::string joined(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) out += e + "\n";
  return out;
}

TEST(TailConfig, DefaultsAndEveryKey) {
  TailConfigFixture f;
  auto config = parse_tail_config(f.load(R"(paths = ["/var/log/*.log"])"));
  ASSERT_TRUE(f.errors().empty()) << joined(f.errors());
  EXPECT_EQ(config->paths.size(), 1u);
  EXPECT_EQ(config->start_at, StartAt::kEnd);
  EXPECT_EQ(config->watch, WatchMode::kInotify);
  EXPECT_EQ(config->scan_interval, 5s);
  EXPECT_EQ(config->poll_interval, 250ms);
  EXPECT_EQ(config->max_open_files, 1024u);
  EXPECT_EQ(config->rotate_wait, 5s);
  EXPECT_EQ(config->fingerprint_size, 1024u);
  EXPECT_EQ(config->max_line_size, 256u * 1024);
  EXPECT_EQ(config->long_lines, LongLines::kSplit);
  EXPECT_EQ(config->batch_max_records, 8192u);
  EXPECT_EQ(config->batch_max_bytes, 1024u * 1024);
  EXPECT_EQ(config->flush_interval, 200ms);
  EXPECT_EQ(config->checkpoint_sync_interval, 1s);
  EXPECT_FALSE(config->multiline.enabled());
  EXPECT_TRUE(config->parser.is_noop());

  TailConfigFixture g;
  auto all = parse_tail_config(g.load(R"(
paths = ["/a/*.log", "/b/**/*.log"]
exclude = ["*.gz", "/a/debug.log"]
start_at = "beginning"
watch = "poll"
scan_interval = "1s"
poll_interval = "50ms"
max_open_files = 10
rotate_wait = "0s"
fingerprint_size = 64
max_line_size = "4KiB"
long_lines = "truncate"
read_buffer_size = "64KiB"
batch_max_records = 100
batch_max_bytes = "64KiB"
flush_interval = "1s"
checkpoint_sync_interval = "0s"
parser = "json"
multiline = { preset = "java" }
[collectors.tail.attributes]
team = "sre"
)"));
  ASSERT_TRUE(g.errors().empty()) << joined(g.errors());
  EXPECT_EQ(all->exclude.size(), 2u);
  EXPECT_EQ(all->start_at, StartAt::kBeginning);
  EXPECT_EQ(all->watch, WatchMode::kPoll);
  EXPECT_EQ(all->max_open_files, 10u);
  EXPECT_EQ(all->rotate_wait, 0s);
  EXPECT_EQ(all->checkpoint_sync_interval, 0s);
  EXPECT_EQ(all->fingerprint_size, 64u);
  EXPECT_EQ(all->long_lines, LongLines::kTruncate);
  EXPECT_EQ(all->effective_read_buffer(), 64u * 1024);
  EXPECT_EQ(all->attributes.at("team"), "sre");
  EXPECT_TRUE(all->multiline.enabled());
  EXPECT_EQ(all->parser.kind, ParserKind::kJson);
}

TEST(TailConfig, ErrorsNameTheKeyAndPlace) {
  TailConfigFixture f;
  parse_tail_config(f.load(R"(paths = ["/ok/*.log", "relative/*.log"]
start_at = "middle"
max_open_files = 0
max_line_size = "1"
[collectors.tail.attributes]
"log.file.path" = "x"
)"));
  const std::string errors = joined(f.errors());
  EXPECT_NE(errors.find("agent.toml:2:"), std::string::npos) << errors;
  EXPECT_NE(errors.find("paths[1]"), std::string::npos) << errors;
  EXPECT_NE(errors.find("not an absolute path"), std::string::npos) << errors;
  EXPECT_NE(errors.find("start_at"), std::string::npos) << errors;
  EXPECT_NE(errors.find("max_open_files"), std::string::npos) << errors;
  EXPECT_NE(errors.find("max_line_size"), std::string::npos) << errors;
  EXPECT_NE(errors.find("set by the collector itself"), std::string::npos) << errors;
}

TEST(TailConfig, PathsAreRequiredAndUnknownKeysRejected) {
  TailConfigFixture f;
  parse_tail_config(f.load("start_at = \"end\"\nstrat_at = 1\n"));
  const std::string errors = joined(f.errors());
  EXPECT_NE(errors.find("paths: missing required key"), std::string::npos) << errors;
  EXPECT_NE(errors.find("strat_at: unknown key"), std::string::npos) << errors;
  TailConfigFixture g;
  parse_tail_config(g.load("paths = []\n"));
  EXPECT_NE(joined(g.errors()).find("must not be empty"), std::string::npos);
}

TEST(TailConfig, ReadBufferHoldsTheLongestLine) {
  TailConfigFixture f;
  auto config = parse_tail_config(
      f.load("paths = [\"/x\"]\nmax_line_size = \"1MiB\"\nread_buffer_size = \"4KiB\"\n"));
  ASSERT_TRUE(f.errors().empty()) << joined(f.errors());
  EXPECT_EQ(config->effective_read_buffer(), 1024u * 1024 + 2);
}

}  // namespace
}  // namespace vigil::collectors::tail
