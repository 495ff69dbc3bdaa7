// Counts heap allocations of steady-state scrapes. This file includes counting_operator_new.h,
// which replaces the global operator new and delete of the whole unit_collectors_host executable.
#include <gtest/gtest.h>

#include <cstdlib>

#include "collectors/host/host_scraper.h"
#include "tests/unit/collectors/host/host_test_support.h"
#include "tests/unit/support/counting_operator_new.h"

namespace vigil::collectors::host {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kNow = 1'700'000'000 * kSecond;

// Allocations made by `scrapes` scrapes after `warmup` ones.
std::size_t steady_state_allocations(HostScraper& scraper, int warmup, int scrapes,
                                     std::uint64_t& points) {
  std::string request;
  std::int64_t t = kNow;
  for (int i = 0; i < warmup; ++i) scraper.scrape(t += 10 * kSecond, request);
  const std::uint64_t before = vigil::testing::allocation_count();
  for (int i = 0; i < scrapes; ++i) points = scraper.scrape(t += 10 * kSecond, request);
  return vigil::testing::allocation_count() - before;
}

otlp::ResourceInfo resource() {
  otlp::ResourceInfo info;
  info.attributes = {{"host.name", "fixture-host"}, {"os.type", "linux"}};
  return info;
}

// The counting hook itself works (else a 0 below would prove nothing).
TEST(HostScraperAllocations, TheHookCounts) {
  const std::uint64_t before = vigil::testing::allocation_count();
  auto* p = new std::string(100, 'x');
  const std::uint64_t after = vigil::testing::allocation_count();
  delete p;
  EXPECT_GE(after - before, 2u);
}

TEST(HostScraperAllocations, NoneInASteadyStateScrapeOfEveryScraper) {
  HostConfig config;
  config.root_path = testing::host_data("root");
  config.cpu_utilization = true;
  HostScraper::Deps deps;
  deps.user_hz = 100;
  deps.statvfs = [](const char* path, struct statvfs& st) {
    if (std::string_view(path).ends_with("/missing")) return ENOENT;
    st.f_frsize = 4096;
    st.f_blocks = 100;
    st.f_bfree = 50;
    st.f_bavail = 40;
    return 0;
  };
  HostScraper scraper(config, resource(), std::move(deps));
  ASSERT_EQ(scraper.scraper_names().size(), 9u);
  std::uint64_t points = 0;
  EXPECT_EQ(steady_state_allocations(scraper, 3, 50, points), 0u);
  EXPECT_GT(points, 150u);  // every scraper wrote its points
}

// The real /proc: descriptors kept open and re-read, the mount table reused while the kernel
// reports no change. Disks and network devices are left out: on a shared machine they come and
// go (loop devices, container veths), and a new one rightly allocates.
TEST(HostScraperAllocations, NoneInASteadyStateScrapeOfThisMachine) {
  HostConfig config;
  config.scrapers = {"cpu", "memory", "filesystem", "load", "system", "pressure"};
  // Not the utilization gauges: back-to-back scrapes see a CPU state move only now and then,
  // and their points come and go with it (the fixture test above covers them).
  config.cpu_utilization = false;
  HostScraper::Deps deps;
  deps.statvfs = [](const char*, struct statvfs& st) {
    st.f_frsize = 4096;
    st.f_blocks = 100;
    return 0;
  };
  HostScraper scraper(config, resource(), std::move(deps));
  std::uint64_t points = 0;
  EXPECT_EQ(steady_state_allocations(scraper, 3, 50, points), 0u);
  EXPECT_GT(points, 10u);
}

TEST(HostScraperAllocations, NoneWithTwoHundredFiftySixCpus) {
  testing::TempTree tree("root");
  tree.write("proc/stat", testing::fixture("edge/stat_256cpu"));
  HostConfig config;
  config.root_path = tree.root().string();
  config.scrapers = {"cpu", "system", "memory", "disk", "network"};
  HostScraper::Deps deps;
  deps.user_hz = 100;
  HostScraper scraper(config, resource(), std::move(deps));
  std::uint64_t points = 0;
  EXPECT_EQ(steady_state_allocations(scraper, 3, 20, points), 0u);
  EXPECT_GT(points, 255u * 10);
}

}  // namespace
}  // namespace vigil::collectors::host
