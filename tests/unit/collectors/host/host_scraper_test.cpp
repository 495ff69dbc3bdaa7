#include "collectors/host/host_scraper.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <map>

#include "tests/unit/collectors/host/host_test_support.h"

namespace vigil::collectors::host {
namespace {

using testing::Decoded;
using testing::Point;
using testing::TempTree;

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kNow = 1'700'000'000 * kSecond;
constexpr std::int64_t kBoot = 1'234'567'890 * kSecond;  // btime of tests/data/host/root
constexpr std::int64_t kKiB = 1024;

// statvfs answers by path; other paths fail with ENOENT.
struct FakeStatvfs {
  std::map<std::string, struct statvfs> answers;
  int calls = 0;
  void add(const std::string& path, unsigned long frsize, unsigned long blocks, unsigned long bfree,
           unsigned long bavail, unsigned long files, unsigned long ffree) {
    struct statvfs st {};
    st.f_frsize = frsize;
    st.f_bsize = frsize * 2;  // f_frsize is the unit, not f_bsize
    st.f_blocks = blocks;
    st.f_bfree = bfree;
    st.f_bavail = bavail;
    st.f_files = files;
    st.f_ffree = ffree;
    answers[path] = st;
  }
  StatvfsFunction function() {
    return [this](const char* path, struct statvfs& out) {
      ++calls;
      auto it = answers.find(path);
      if (it == answers.end()) return ENOENT;
      out = it->second;
      return 0;
    };
  }
};

otlp::ResourceInfo resource() {
  otlp::ResourceInfo info;
  info.attributes = {{"host.name", "fixture-host"}, {"os.type", "linux"}};
  return info;
}

HostConfig config_for(const std::string& root) {
  HostConfig config;
  config.root_path = root;
  return config;
}

class RootFixture : public ::testing::Test {
 protected:
  RootFixture() : root_(testing::host_data("root")) {
    statvfs_.add(root_ + "/", 4096, 1000, 600, 500, 2000, 1500);
    statvfs_.add(root_ + "/data dir", 1024, 77, 55, 44, 33, 22);
    statvfs_.add(root_ + "/run/vigil", 4096, 256, 256, 256, 100, 99);
  }
  HostScraper make(HostConfig config) {
    HostScraper::Deps deps;
    deps.user_hz = 100;
    deps.statvfs = statvfs_.function();
    return HostScraper(config, resource(), std::move(deps));
  }
  std::string root_;
  FakeStatvfs statvfs_;
};

TEST_F(RootFixture, EveryScraperFromTheFixtureTree) {
  HostScraper scraper = make(config_for(root_));
  std::string request;
  const std::uint64_t points = scraper.scrape(kNow, request);
  Decoded d(request);
  ASSERT_TRUE(d.parsed());
  EXPECT_EQ(points, d.points().size());
  for (const Point& p : d.points()) {
    EXPECT_EQ(p.time, static_cast<std::uint64_t>(kNow)) << p.metric;
    EXPECT_EQ(d.metric_count(p.metric), 1) << p.metric << " is split over several metrics";
    if (p.kind == Point::Kind::kGauge) {
      EXPECT_EQ(p.start, 0u) << p.metric;
    } else {
      EXPECT_EQ(p.start, static_cast<std::uint64_t>(kBoot)) << p.metric;  // first scrape: boot
    }
  }
  const auto& res = d.request().resource_metrics(0).resource();
  EXPECT_EQ(res.attributes(0).value().string_value(), "fixture-host");

  // cpu: ticks / USER_HZ; irq is the state "interrupt".
  auto user0 = d.get("system.cpu.time", {{"cpu", "0"}, {"state", "user"}});
  EXPECT_EQ(user0.unit, "s");
  EXPECT_EQ(user0.kind, Point::Kind::kCounter);
  EXPECT_DOUBLE_EQ(user0.value, 1111.11);
  EXPECT_DOUBLE_EQ(d.get("system.cpu.time", {{"cpu", "1"}, {"state", "interrupt"}}).value, 0.01);
  EXPECT_DOUBLE_EQ(d.get("system.cpu.time", {{"cpu", "3"}, {"state", "steal"}}).value, 0.04);
  EXPECT_EQ(d.of("system.cpu.time").size(), 3u * 8);
  EXPECT_DOUBLE_EQ(d.get("system.cpu.guest_time", {{"cpu", "3"}, {"state", "nice"}}).value, 0.06);
  EXPECT_FALSE(d.has("system.cpu.utilization", {{"cpu", "0"}, {"state", "user"}}));

  // memory
  auto used = d.get("system.memory.usage", {{"state", "used"}});
  EXPECT_EQ(used.kind, Point::Kind::kUpDown);
  EXPECT_EQ(used.int_value, (31415926 - 11111111 - 333333 - 4444444 - 999999 - 121212) * kKiB);
  EXPECT_EQ(d.get("system.memory.usage", {{"state", "slab_unreclaimable"}}).int_value,
            121212 * kKiB);
  EXPECT_EQ(d.get("system.memory.meminfo", {{"field", "MemTotal"}}).int_value, 31415926 * kKiB);
  EXPECT_EQ(d.get("system.memory.meminfo", {{"field", "Active(anon)"}}).int_value, 666666 * kKiB);
  EXPECT_EQ(d.get("system.memory.meminfo.count", {{"field", "HugePages_Total"}}).int_value, 17);
  EXPECT_EQ(d.of("system.memory.meminfo").size(), 13u);
  EXPECT_EQ(d.of("system.memory.meminfo.count").size(), 2u);

  // disk: vigil0 has 17 statistics, vigil1 11; partitions and loop devices are excluded.
  EXPECT_EQ(
      d.get("system.disk.operations", {{"device", "vigil0"}, {"direction", "flush"}}).int_value,
      171);
  EXPECT_EQ(d.get("system.disk.io", {{"device", "vigil0"}, {"direction", "write"}}).int_value,
            7777 * 512);
  EXPECT_DOUBLE_EQ(
      d.get("system.disk.operation_time", {{"device", "vigil0"}, {"direction", "discard"}}).value,
      1.616);
  EXPECT_EQ(d.get("system.disk.discarded_sectors", {{"device", "vigil0"}}).int_value, 1515);
  EXPECT_EQ(d.get("system.disk.pending_operations", {{"device", "vigil0"}}).int_value, 3);
  EXPECT_DOUBLE_EQ(d.get("system.disk.weighted_io_time", {{"device", "vigil1"}}).value, 11.111);
  EXPECT_FALSE(d.has("system.disk.operations", {{"device", "vigil1"}, {"direction", "discard"}}));
  for (const Point& p : d.points()) {
    if (!p.attributes.contains("device")) continue;
    const std::string& dev = p.attributes.at("device");
    EXPECT_TRUE(dev != "xvdz3" && dev != "loop3" && dev != "sdz1") << dev;
  }

  // network, a name with a space included
  EXPECT_EQ(
      d.get("system.network.io", {{"device", "vig lan"}, {"direction", "transmit"}}).int_value,
      40001);
  EXPECT_EQ(d.get("system.network.frame", {{"device", "vigilnet0"}}).int_value, 10006);
  EXPECT_EQ(d.get("system.network.carrier", {{"device", "vigilnet0"}}).int_value, 20007);
  EXPECT_EQ(d.get("system.network.collisions", {{"device", "vig lan"}}).int_value, 40006);

  // load, system
  EXPECT_DOUBLE_EQ(d.get("system.cpu.load_average.15m").value, 8.91);
  EXPECT_EQ(d.get("system.boot_time").int_value, 1234567890);
  EXPECT_DOUBLE_EQ(d.get("system.uptime").value, 98765.43);
  EXPECT_EQ(d.get("system.context_switches").int_value, 55555555);
  EXPECT_EQ(d.get("system.processes.created").int_value, 777777);
  EXPECT_EQ(d.get("system.interrupts").int_value, 88888888);
  EXPECT_EQ(d.get("system.processes.count", {{"status", "blocked"}}).int_value, 7);
  EXPECT_EQ(d.get("system.filefd.maximum").int_value, 987654);

  // pressure: us / 1e6; no cpu "stalled" (node_exporter 1.5 has none)
  EXPECT_DOUBLE_EQ(d.get("system.pressure.waiting", {{"resource", "io"}}).value, 3.456789);
  EXPECT_DOUBLE_EQ(d.get("system.pressure.stalled", {{"resource", "memory"}}).value, 8.765432);
  EXPECT_FALSE(d.has("system.pressure.stalled", {{"resource", "cpu"}}));

  // filesystem: f_frsize units; excluded types and mount points left out; statvfs failure
  const std::map<std::string, std::string> root_fs{
      {"device", "/dev/vigilroot"}, {"type", "ext4"}, {"mountpoint", "/"}};
  EXPECT_EQ(d.get("system.filesystem.size", root_fs).int_value, 4096 * 1000);
  EXPECT_EQ(d.get("system.filesystem.free", root_fs).int_value, 4096 * 600);
  EXPECT_EQ(d.get("system.filesystem.available", root_fs).int_value, 4096 * 500);
  EXPECT_EQ(d.get("system.filesystem.inodes.free", root_fs).int_value, 1500);
  EXPECT_EQ(d.get("system.filesystem.device_error", root_fs).int_value, 0);
  const std::map<std::string, std::string> data_fs{
      {"device", "/dev/vigil data"}, {"type", "xfs"}, {"mountpoint", "/data dir"}};
  EXPECT_EQ(d.get("system.filesystem.size", data_fs).int_value, 1024 * 77);
  EXPECT_EQ(d.get("system.filesystem.readonly", data_fs).int_value, 1);
  const std::map<std::string, std::string> gone{
      {"device", "/dev/vigilgone"}, {"type", "ext4"}, {"mountpoint", "/missing"}};
  EXPECT_EQ(d.get("system.filesystem.device_error", gone).int_value, 1);
  EXPECT_FALSE(d.has("system.filesystem.size", gone));
  EXPECT_EQ(d.of("system.filesystem.device_error").size(), 4u);  // not /proc, not /sys/...
  EXPECT_EQ(statvfs_.calls, 4);

  // cgroup: the fixture is a container's own cgroup v2 (cgroup namespace: "0::/")
  EXPECT_DOUBLE_EQ(d.get("container.cpu.usage.total").value, 42.000001);
  EXPECT_DOUBLE_EQ(d.get("container.cpu.time", {{"state", "system"}}).value, 12.000003);
  EXPECT_EQ(d.get("container.cpu.throttling_data.throttled_periods").int_value, 44);
  EXPECT_DOUBLE_EQ(d.get("container.cpu.throttling_data.throttled_time").value, 4.400004);
  EXPECT_EQ(d.get("container.memory.usage").int_value, 123456789);
  EXPECT_EQ(d.get("container.memory.limit").int_value, 536870912);
  EXPECT_EQ(d.get("container.memory.inactive_file").int_value, 1500015);
  EXPECT_EQ(d.get("container.memory.working_set").int_value, 123456789 - 1500015);
  EXPECT_EQ(d.get("container.memory.pgmajfault").int_value, 333);
  EXPECT_EQ(d.get("container.disk.io", {{"device", "254:0"}, {"direction", "write"}}).int_value,
            2097152);
  EXPECT_EQ(
      d.get("container.disk.operations", {{"device", "254:16"}, {"direction", "read"}}).int_value,
      1);
  EXPECT_EQ(d.get("container.pids.count").int_value, 23);
  EXPECT_FALSE(d.has("container.pids.limit"));  // "max"
}

TEST_F(RootFixture, ScrapersCanBeChosenAndOptionsApply) {
  HostConfig config = config_for(root_);
  config.scrapers = {"disk", "network", "filesystem", "cpu"};
  config.disk_exclude = "^vigil1$";
  config.network_exclude = " ";
  config.exclude_mountpoints = "^/missing$";
  config.exclude_fstypes = "^xfs$";
  config.cpu_utilization = true;
  HostScraper scraper = make(config);
  EXPECT_EQ(scraper.scraper_names(),
            (std::vector<std::string_view>{"disk", "network", "filesystem", "cpu"}));
  std::string request;
  scraper.scrape(kNow, request);
  Decoded first(request);
  EXPECT_TRUE(first.has("system.disk.io_time", {{"device", "vigil0"}}));
  EXPECT_FALSE(first.has("system.disk.io_time", {{"device", "vigil1"}}));
  EXPECT_TRUE(first.has("system.disk.io_time", {{"device", "sdz1"}}));  // default replaced
  EXPECT_FALSE(first.has("system.network.fifo", {{"device", "vig lan"}, {"direction", "receive"}}));
  // The patterns replace the defaults: /proc and /sys/fs/cgroup are in, xfs and /missing out.
  std::vector<std::string> mounts;
  for (const Point& p : first.of("system.filesystem.device_error")) {
    mounts.push_back(p.attributes.at("mountpoint"));
  }
  EXPECT_EQ(mounts, (std::vector<std::string>{"/proc", "/", "/run/vigil", "/sys/fs/cgroup"}));
  EXPECT_FALSE(first.has("system.memory.usage", {{"state", "used"}}));
  EXPECT_FALSE(first.has("system.uptime"));
  EXPECT_TRUE(first.of("system.cpu.utilization").empty());  // needs a previous scrape

  // The fixture files do not change: no tick passed, so there is no share to report.
  scraper.scrape(kNow + 10 * kSecond, request);
  Decoded second(request);
  EXPECT_TRUE(second.of("system.cpu.utilization").empty());
}

TEST(HostScraper, UtilizationIsTheShareOfTicksSinceTheLastScrape) {
  TempTree tree("root");
  HostConfig config = config_for(tree.root().string());
  config.scrapers = {"cpu"};
  config.cpu_utilization = true;
  HostScraper::Deps deps;
  deps.user_hz = 100;
  HostScraper scraper(config, resource(), std::move(deps));
  std::string request;
  tree.write("proc/stat", "cpu0 100 0 100 800 0 0 0 0 0 0\n");
  scraper.scrape(kNow, request);
  tree.write("proc/stat", "cpu0 130 0 110 860 0 0 0 0 0 0\n");
  scraper.scrape(kNow + 10 * kSecond, request);
  Decoded d(request);
  EXPECT_DOUBLE_EQ(d.get("system.cpu.utilization", {{"cpu", "0"}, {"state", "user"}}).value, 0.3);
  EXPECT_DOUBLE_EQ(d.get("system.cpu.utilization", {{"cpu", "0"}, {"state", "idle"}}).value, 0.6);
  EXPECT_EQ(d.get("system.cpu.utilization", {{"cpu", "0"}, {"state", "idle"}}).kind,
            Point::Kind::kGauge);
  EXPECT_EQ(d.of("system.cpu.utilization").size(), 8u);
}

// Counters that go back (a 32-bit wrap, a re-created device, iowait) start a new series at the
// previous scrape's time; series that appear later start at the previous scrape's time too.
TEST(HostScraper, CounterResetsAndNewSeriesGetNewStartTimes) {
  TempTree tree("root");
  HostConfig config = config_for(tree.root().string());
  config.scrapers = {"disk", "network", "system"};
  HostScraper scraper(config, resource());
  std::string request;
  const std::int64_t t1 = kNow;
  const std::int64_t t2 = kNow + 10 * kSecond;
  const std::int64_t t3 = kNow + 20 * kSecond;

  tree.write("proc/diskstats", " 254 0 vigil0 4294967290 0 10 0 7 0 0 0 0 0 0\n");
  scraper.scrape(t1, request);
  Decoded first(request);
  EXPECT_EQ(
      first.get("system.disk.operations", {{"device", "vigil0"}, {"direction", "read"}}).start,
      static_cast<std::uint64_t>(kBoot));

  // reads completed wrapped past 2^32; writes went on; a new disk appeared; ctxt went back.
  tree.write("proc/diskstats",
             " 254 0 vigil0 5 0 20 0 9 0 0 0 0 0 0\n"
             " 254 16 vigil9 1 0 1 0 1 0 0 0 0 0 0\n");
  tree.write("proc/stat",
             "cpu0 1 1 1 1\nctxt 100\nbtime 1234567890\nprocesses 777778\nintr 88888889\n");
  scraper.scrape(t2, request);
  Decoded second(request);
  const auto reads =
      second.get("system.disk.operations", {{"device", "vigil0"}, {"direction", "read"}});
  EXPECT_EQ(reads.int_value, 5);
  EXPECT_EQ(reads.start, static_cast<std::uint64_t>(t1));
  EXPECT_EQ(
      second.get("system.disk.operations", {{"device", "vigil0"}, {"direction", "write"}}).start,
      static_cast<std::uint64_t>(kBoot));
  EXPECT_EQ(second.get("system.disk.io", {{"device", "vigil0"}, {"direction", "read"}}).start,
            static_cast<std::uint64_t>(kBoot));
  EXPECT_EQ(
      second.get("system.disk.operations", {{"device", "vigil9"}, {"direction", "read"}}).start,
      static_cast<std::uint64_t>(t1));
  EXPECT_EQ(second.get("system.context_switches").start, static_cast<std::uint64_t>(t1));
  EXPECT_EQ(second.get("system.processes.created").start, static_cast<std::uint64_t>(kBoot));

  // The new start time stays for the new series; a disk that disappears and comes back is new.
  tree.write("proc/diskstats", " 254 0 vigil0 6 0 20 0 9 0 0 0 0 0 0\n");
  scraper.scrape(t3, request);
  tree.write("proc/diskstats",
             " 254 0 vigil0 7 0 20 0 9 0 0 0 0 0 0\n"
             " 254 16 vigil9 50 0 1 0 1 0 0 0 0 0 0\n");
  scraper.scrape(t3 + 10 * kSecond, request);
  Decoded fourth(request);
  EXPECT_EQ(
      fourth.get("system.disk.operations", {{"device", "vigil0"}, {"direction", "read"}}).start,
      static_cast<std::uint64_t>(t1));
  EXPECT_EQ(
      fourth.get("system.disk.operations", {{"device", "vigil9"}, {"direction", "read"}}).start,
      static_cast<std::uint64_t>(t3));
}

TEST(HostScraper, CapturedTreeOfThisMachine) {
  const std::string root = testing::host_data("captured");
  HostScraper::Deps deps;
  deps.user_hz = 100;
  deps.statvfs = [](const char*, struct statvfs& st) {
    st.f_frsize = 4096;
    st.f_blocks = 10;
    return 0;
  };
  HostScraper scraper(config_for(root), resource(), std::move(deps));
  std::string request;
  scraper.scrape(kNow, request);
  Decoded d(request);
  EXPECT_DOUBLE_EQ(d.get("system.cpu.time", {{"cpu", "1"}, {"state", "user"}}).value, 9545.40);
  EXPECT_EQ(d.get("system.memory.meminfo", {{"field", "MemTotal"}}).int_value, 24684084 * kKiB);
  EXPECT_EQ(d.of("system.memory.meminfo").size() + d.of("system.memory.meminfo.count").size(), 54u);
  // node_exporter 1.5's default device exclude keeps vda and zram0, drops the loop devices.
  EXPECT_EQ(d.get("system.disk.operations", {{"device", "vda"}, {"direction", "flush"}}).int_value,
            1798);
  EXPECT_TRUE(d.has("system.disk.io_time", {{"device", "zram0"}}));
  EXPECT_FALSE(d.has("system.disk.io_time", {{"device", "loop0"}}));
  EXPECT_EQ(d.get("system.network.io", {{"device", "eth0"}, {"direction", "receive"}}).int_value,
            226771127);
  // Mounts that node_exporter's defaults keep: "/" and the tmpfs under /mnt.
  std::vector<std::string> mounts;
  for (const Point& p : d.of("system.filesystem.device_error")) {
    mounts.push_back(p.attributes.at("mountpoint"));
  }
  EXPECT_EQ(mounts, (std::vector<std::string>{"/", "/mnt/sandboxing/model_tools_env/v1/python"}));
  EXPECT_DOUBLE_EQ(d.get("system.pressure.waiting", {{"resource", "cpu"}}).value, 6749.133138);
  // A cgroup v1 host: the cgroup scraper reports nothing.
  for (const Point& p : d.points()) EXPECT_FALSE(p.metric.starts_with("container.")) << p.metric;
}

TEST(HostScraper, TwoHundredFiftySixCpus) {
  TempTree tree;
  tree.write("proc/stat", testing::fixture("edge/stat_256cpu"));
  HostConfig config = config_for(tree.root().string());
  config.scrapers = {"cpu", "system"};
  HostScraper::Deps deps;
  deps.user_hz = 100;
  HostScraper scraper(config, resource(), std::move(deps));
  std::string request;
  scraper.scrape(kNow, request);
  Decoded d(request);
  EXPECT_EQ(d.of("system.cpu.time").size(), 255u * 8);
  EXPECT_EQ(d.of("system.cpu.guest_time").size(), 255u * 2);
  EXPECT_DOUBLE_EQ(d.get("system.cpu.time", {{"cpu", "255"}, {"state", "idle"}}).value,
                   (9000000 + 255) / 100.0);
  EXPECT_FALSE(d.has("system.cpu.time", {{"cpu", "200"}, {"state", "idle"}}));
  EXPECT_EQ(d.get("system.processes.count", {{"status", "running"}}).int_value, 17);
}

TEST(HostScraper, MissingSourcesLeaveOutOnlyTheirMetrics) {
  TempTree tree("root");
  tree.remove("proc/pressure/cpu");
  tree.remove("proc/pressure/memory");
  tree.remove("proc/pressure/io");
  tree.remove("proc/loadavg");
  tree.write("proc/meminfo", testing::fixture("edge/meminfo_no_swap"));
  HostScraper scraper(config_for(tree.root().string()), resource());
  std::string request;
  scraper.scrape(kNow, request);
  Decoded d(request);
  for (const Point& p : d.points()) {
    EXPECT_FALSE(p.metric.starts_with("system.pressure.")) << p.metric;
    EXPECT_FALSE(p.metric.starts_with("system.cpu.load_average")) << p.metric;
  }
  EXPECT_FALSE(d.has("system.memory.meminfo", {{"field", "SwapTotal"}}));
  EXPECT_TRUE(d.has("system.memory.usage", {{"state", "used"}}));
  EXPECT_TRUE(d.has("system.uptime"));
  const auto& names = scraper.scraper_names();
  const auto& failures = scraper.failures();
  for (std::size_t i = 0; i < names.size(); ++i) {
    // No PSI is not a failure; a missing /proc/loadavg is.
    EXPECT_EQ(failures[i], names[i] == "load" ? 1u : 0u) << names[i];
  }
}

}  // namespace
}  // namespace vigil::collectors::host
