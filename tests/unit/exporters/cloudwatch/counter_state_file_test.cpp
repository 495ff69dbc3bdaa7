#include "exporters/cloudwatch/counter_state_file.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace vigil::exporters::cloudwatch {
namespace {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/vigil-cw-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

constexpr std::int64_t kNow = 1'700'000'000'000'000'000;

SeriesPoint point(std::int64_t time, double value) {
  SeriesPoint p;
  p.time_ns = time;
  p.value = value;
  return p;
}

TEST(CounterStateFile, PathIsUnderDataDirWithASafeName) {
  EXPECT_EQ(counter_state_path("/var/lib/vigil", "prod"),
            "/var/lib/vigil/cloudwatch/prod/counters.json");
  EXPECT_EQ(counter_state_path("/d", "a/../b"), "/d/cloudwatch/a_.._b/counters.json");
  EXPECT_EQ(counter_state_path("/d", ".."), "/d/cloudwatch/_../counters.json");
}

TEST(CounterStateFile, SavesAtomicallyAndLoadsInAFreshProcessState) {
  TempDir dir;
  const std::string path = counter_state_path(dir.path(), "cw");
  {
    auto shared = acquire_counter_state(path, std::chrono::minutes(15));
    ASSERT_TRUE(load_counter_state(*shared, kNow).has_value());  // no file yet: empty
    shared->state.advance("s", point(kNow, 5));
    shared->state.commit(std::vector<SeriesUpdate>{{"s", point(kNow, 5)}});
    bool saved = false;
    save_counter_state(*shared, nullptr, [&](core::Result<void> r) {
      ASSERT_TRUE(r.has_value()) << r.error().message;
      saved = true;
    });
    EXPECT_TRUE(saved);
    EXPECT_TRUE(std::filesystem::exists(path));
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  }
  auto reopened = acquire_counter_state(path, std::chrono::minutes(15));
  auto loaded = load_counter_state(*reopened, kNow + 1);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(*loaded, 1u);
  ASSERT_NE(reopened->state.current("s"), nullptr);
  EXPECT_DOUBLE_EQ(reopened->state.current("s")->value, 5);
}

TEST(CounterStateFile, LiveStatesAreSharedPerFile) {
  TempDir dir;
  auto a = acquire_counter_state(dir.path() + "/x.json", std::chrono::minutes(1));
  auto b = acquire_counter_state(dir.path() + "/x.json", std::chrono::minutes(1));
  auto c = acquire_counter_state(dir.path() + "/y.json", std::chrono::minutes(1));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(acquire_counter_state("", std::chrono::minutes(1)),
            acquire_counter_state("", std::chrono::minutes(1)));
}

TEST(CounterStateFile, AnOlderGenerationNeverReplacesANewerOne) {
  TempDir dir;
  StateFileWriter writer(dir.path() + "/sub/state.json");
  ASSERT_TRUE(writer.write(2, "new").has_value());
  ASSERT_TRUE(writer.write(1, "old").has_value());
  std::ifstream in(writer.path());
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "new");
}

TEST(CounterStateFile, ACorruptFileIsAnErrorAndAnUnwritableDirectoryToo) {
  TempDir dir;
  const std::string path = dir.path() + "/bad.json";
  std::ofstream(path) << "{broken";
  auto shared = acquire_counter_state(path, std::chrono::minutes(1));
  EXPECT_FALSE(load_counter_state(*shared, kNow).has_value());
  StateFileWriter writer("/proc/vigil-cannot/state.json");
  EXPECT_FALSE(writer.write(1, "x").has_value());
}

}  // namespace
}  // namespace vigil::exporters::cloudwatch
