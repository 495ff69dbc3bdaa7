#include "collectors/host/mountinfo_parser.h"

#include <gtest/gtest.h>

#include "tests/unit/collectors/host/host_test_support.h"

namespace vigil::collectors::host {
namespace {

using testing::fixture;

TEST(MountinfoParser, CapturedFromThisMachine) {
  const std::string text = fixture("captured/proc/1/mountinfo");
  std::string storage;
  std::vector<MountEntry> mounts;
  parse_mountinfo(text, storage, mounts);
  ASSERT_EQ(mounts.size(), 20u);
  EXPECT_EQ(mounts[0].mount_point, "/proc");
  EXPECT_EQ(mounts[0].fstype, "proc");
  const MountEntry& root = mounts[5];
  EXPECT_EQ(root.mount_point, "/");
  EXPECT_EQ(root.fstype, "ext4");
  EXPECT_EQ(root.source, "/dev/vda");
  EXPECT_FALSE(root.read_only);
  const MountEntry& tools = mounts[6];
  EXPECT_EQ(tools.mount_point, "/mnt/sandboxing/model_tools_env/v1/python");
  EXPECT_TRUE(tools.read_only);
  EXPECT_EQ(mounts[19].fstype, "cgroup2");
}

TEST(MountinfoParser, OctalEscapesOptionalFieldsAndBadLines) {
  const std::string text = fixture("edge/mountinfo_escapes");
  std::string storage;
  std::vector<MountEntry> mounts;
  parse_mountinfo(text, storage, mounts);
  // The line without "-" and the truncated one are skipped.
  ASSERT_EQ(mounts.size(), 9u);
  EXPECT_EQ(mounts[1].mount_point, "/");
  EXPECT_EQ(mounts[2].mount_point, "/mnt/my disk");  // \040, after two optional fields
  EXPECT_EQ(mounts[2].source, "/dev/sdb1");
  EXPECT_EQ(mounts[3].mount_point, "/mnt/tab\tand\\backslash");
  EXPECT_TRUE(mounts[3].read_only);  // per-mount "ro"
  EXPECT_EQ(mounts[4].source, "server:/export dir");
  EXPECT_EQ(mounts[4].fstype, "nfs4");
  EXPECT_EQ(mounts[5].mount_point, "/mnt/ro-super");
  EXPECT_TRUE(mounts[5].read_only);  // super-block "ro"
  EXPECT_EQ(mounts[6].mount_point, "/mnt/newline\nname");
  // A backslash without three octal digits stays as it is.
  EXPECT_EQ(mounts[7].mount_point, "/mnt/trailing\\");
  EXPECT_EQ(mounts[7].source, "tmp\\04");
  EXPECT_EQ(mounts[8].mount_point, "/mnt/bytes\xff");
}

TEST(MountinfoParser, ViewsStayValidAndStorageIsReused) {
  std::string text;
  for (int i = 0; i < 200; ++i) {
    text += std::to_string(i) + " 1 0:1 / /mnt/m\\040" + std::to_string(i) +
            " rw - tmpfs src\\040" + std::to_string(i) + " rw\n";
  }
  std::string storage;
  std::vector<MountEntry> mounts;
  parse_mountinfo(text, storage, mounts);
  ASSERT_EQ(mounts.size(), 200u);
  EXPECT_EQ(mounts[0].mount_point, "/mnt/m 0");
  EXPECT_EQ(mounts[199].mount_point, "/mnt/m 199");
  EXPECT_EQ(mounts[199].source, "src 199");
  const char* before = storage.data();
  parse_mountinfo(text, storage, mounts);
  EXPECT_EQ(storage.data(), before);
  EXPECT_EQ(mounts[0].mount_point, "/mnt/m 0");
}

TEST(MountinfoParser, Options) {
  EXPECT_TRUE(has_option("ro,nosuid", "ro"));
  EXPECT_TRUE(has_option("rw,errors=remount-ro,ro", "ro"));
  EXPECT_FALSE(has_option("rw,errors=remount-ro", "ro"));
  EXPECT_FALSE(has_option("", "ro"));
  std::string out;
  append_unescaped(out, "a\\040b\\0\\\\9\\134");
  EXPECT_EQ(out, "a b\\0\\\\9\\");
}

}  // namespace
}  // namespace vigil::collectors::host
