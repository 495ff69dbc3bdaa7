#include "collectors/host/proc_files.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "collectors/host/filesystem_scraper.h"
#include "tests/unit/collectors/host/host_test_support.h"

namespace vigil::collectors::host {
namespace {

using testing::TempTree;

// A child process alone in a new mount namespace (a new user namespace too when not
// privileged), which mounts a tmpfs on `target` when asked: a mount table that changes while a
// test watches it, without touching the test's own mounts.
class MountNamespaceChild {
 public:
  explicit MountNamespaceChild(const std::filesystem::path& target) {
    int to_child[2];
    int to_parent[2];
    if (::pipe(to_child) != 0 || ::pipe(to_parent) != 0) return;
    const IdMaps maps{"0 " + std::to_string(::getuid()) + " 1",
                      "0 " + std::to_string(::getgid()) + " 1"};
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(to_child[1]);
      ::close(to_parent[0]);
      run_child(target.c_str(), maps, to_child[0], to_parent[1]);
    }
    ::close(to_child[0]);
    ::close(to_parent[1]);
    to_child_ = to_child[1];
    from_child_ = to_parent[0];
    ready_ = pid_ > 0 && answer() == 'r';
  }
  ~MountNamespaceChild() {
    if (to_child_ >= 0) ::close(to_child_);  // the child exits at end of file
    if (from_child_ >= 0) ::close(from_child_);
    if (pid_ > 0) {
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  MountNamespaceChild(const MountNamespaceChild&) = delete;
  MountNamespaceChild& operator=(const MountNamespaceChild&) = delete;

  // Whether the child has its own mount namespace (false: this system does not allow it).
  bool ready() const { return ready_; }
  pid_t pid() const { return pid_; }
  // Mounts the tmpfs; true when it is mounted.
  bool mount() {
    const char command = 'm';
    return ::write(to_child_, &command, 1) == 1 && answer() == 'm';
  }

 private:
  char answer() const {
    char reply = 0;
    return ::read(from_child_, &reply, 1) == 1 ? reply : 0;
  }

  // Only async-signal-safe calls: the test process may have threads.
  // A user namespace's id maps: this process's ids as root. Formatted before fork.
  struct IdMaps {
    std::string uid;
    std::string gid;
  };

  [[noreturn]] static void run_child(const char* target, const IdMaps& maps, int in, int out) {
    const auto write_file = [](const char* path, const char* text, std::size_t size) {
      const int fd = ::open(path, O_WRONLY);
      const bool ok = fd >= 0 && ::write(fd, text, size) == static_cast<ssize_t>(size);
      if (fd >= 0) ::close(fd);
      return ok;
    };
    bool ok = ::unshare(CLONE_NEWNS) == 0;
    if (!ok) {
      // Unprivileged: a user namespace in which this process is root.
      ok = ::unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 &&
           write_file("/proc/self/setgroups", "deny", 4) &&
           write_file("/proc/self/uid_map", maps.uid.data(), maps.uid.size()) &&
           write_file("/proc/self/gid_map", maps.gid.data(), maps.gid.size());
    }
    // Nothing mounted here may reach the test's namespace.
    ok = ok && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
    char reply = ok ? 'r' : 'x';
    if (::write(out, &reply, 1) != 1 || !ok) ::_exit(1);
    char command = 0;
    while (::read(in, &command, 1) == 1) {
      reply = ::mount("vigil-test", target, "tmpfs", 0, nullptr) == 0 ? 'm' : 'x';
      if (::write(out, &reply, 1) != 1) break;
    }
    ::_exit(0);
  }

  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  bool ready_ = false;
};

bool lists_mount_point(FilesystemScraper& scraper, const std::string& mount_point) {
  for (const FilesystemScraper::Mount& mount : scraper.mounts()) {
    if (mount.mount_point == mount_point) return true;
  }
  return false;
}

TEST(ProcFiles, KeepsTheDescriptorsOfProcFilesAndReadsThemAnew) {
  ProcFiles files("/");
  std::string first;
  std::string second;
  ASSERT_EQ(files.read("/proc/self/stat", first), 0);
  EXPECT_EQ(files.kept_open(), 1u);
  // Our own utime/stime/minor faults move between reads; the pid field stays.
  ASSERT_EQ(files.read("/proc/self/stat", second), 0);
  EXPECT_EQ(files.kept_open(), 1u);
  EXPECT_FALSE(second.empty());
  EXPECT_EQ(first.substr(0, first.find(' ')), std::to_string(::getpid()));
  EXPECT_EQ(second.substr(0, second.find(' ')), std::to_string(::getpid()));

  ASSERT_EQ(files.read("/proc/loadavg", first), 0);
  EXPECT_EQ(files.kept_open(), 2u);
  // A file read once is not kept.
  ASSERT_EQ(files.read_once("/proc/self/cgroup", first), 0);
  EXPECT_EQ(files.kept_open(), 2u);
  // A file that cannot be opened is not kept, and says why every time.
  EXPECT_EQ(files.read("/proc/vigil-no-such-file", first), ENOENT);
  EXPECT_EQ(files.read("/proc/vigil-no-such-file", first), ENOENT);
  EXPECT_EQ(files.kept_open(), 2u);
}

TEST(ProcFiles, FixtureFilesAreOpenedAtEveryRead) {
  TempTree tree;
  tree.write("proc/loadavg", "0.10 0.20 0.30 1/100 42\n");
  ProcFiles files(tree.root().string());
  std::string text;
  ASSERT_EQ(files.read("/proc/loadavg", text), 0);
  EXPECT_EQ(text, "0.10 0.20 0.30 1/100 42\n");
  EXPECT_EQ(files.kept_open(), 0u);
  // Replaced (a new inode), then rewritten in place: both are seen.
  tree.remove("proc/loadavg");
  tree.write("proc/loadavg", "1.00 2.00 3.00 2/200 43\n");
  ASSERT_EQ(files.read("/proc/loadavg", text), 0);
  EXPECT_EQ(text, "1.00 2.00 3.00 2/200 43\n");
  tree.write("proc/loadavg", "4.00 5.00 6.00 3/300 44\n");
  ASSERT_EQ(files.read("/proc/loadavg", text), 0);
  EXPECT_EQ(text, "4.00 5.00 6.00 3/300 44\n");
  tree.remove("proc/loadavg");
  EXPECT_EQ(files.read("/proc/loadavg", text), ENOENT);
  EXPECT_TRUE(text.empty());
  EXPECT_TRUE(files.mount_table_changed("/proc/loadavg"));
}

TEST(ProcFiles, AKeptFileThatWentAwayAnswersAsAFreshOpen) {
  // /proc/<pid>/stat of a child: kept, then the child is reaped, so a read on the kept
  // descriptor fails (ESRCH) and the reopen finds no file.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  ProcFiles files("/");
  const std::string path = "/proc/" + std::to_string(child) + "/stat";
  std::string text;
  ASSERT_EQ(files.read(path, text), 0);
  EXPECT_EQ(files.kept_open(), 1u);
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(files.read(path, text), ENOENT);
  EXPECT_TRUE(text.empty());
  EXPECT_EQ(files.kept_open(), 0u);
}

TEST(ProcFiles, MountTableChangesAreSignalledOnAKeptDescriptor) {
  TempTree tree;
  std::filesystem::create_directories(tree.root() / "mnt");
  MountNamespaceChild child(tree.root() / "mnt");
  if (!child.ready()) GTEST_SKIP() << "no private mount namespace on this system";
  ProcFiles files("/");
  const std::string path = "/proc/" + std::to_string(child.pid()) + "/mountinfo";
  EXPECT_TRUE(files.mount_table_changed(path));  // not read yet
  std::string text;
  ASSERT_EQ(files.read(path, text), 0);
  EXPECT_EQ(text.find((tree.root() / "mnt").string()), std::string::npos);
  EXPECT_FALSE(files.mount_table_changed(path));
  EXPECT_FALSE(files.mount_table_changed(path));
  ASSERT_TRUE(child.mount());
  EXPECT_TRUE(files.mount_table_changed(path));
  EXPECT_FALSE(files.mount_table_changed(path));  // the notice is consumed
  ASSERT_EQ(files.read(path, text), 0);
  EXPECT_NE(text.find((tree.root() / "mnt").string() + " "), std::string::npos);
}

TEST(FilesystemScraper, TheMountTableOnProcfsIsReusedUntilTheKernelSignalsAChange) {
  // A root whose proc/1/mountinfo is the (procfs) mount table of a child's namespace.
  TempTree tree;
  std::filesystem::create_directories(tree.root() / "mnt");
  MountNamespaceChild child(tree.root() / "mnt");
  if (!child.ready()) GTEST_SKIP() << "no private mount namespace on this system";
  std::filesystem::create_directories(tree.root() / "proc/1");
  std::filesystem::create_symlink("/proc/" + std::to_string(child.pid()) + "/mountinfo",
                                  tree.root() / "proc/1/mountinfo");
  ProcFiles files(tree.root().string());
  FilesystemScraper scraper{NameFilter(), NameFilter()};
  const std::string mounted = (tree.root() / "mnt").string();

  ASSERT_TRUE(scraper.refresh(files));
  EXPECT_EQ(scraper.mount_table_reads(), 1u);
  EXPECT_EQ(files.kept_open(), 1u);
  const std::size_t mounts = scraper.mounts().size();
  EXPECT_GT(mounts, 0u);
  EXPECT_FALSE(lists_mount_point(scraper, mounted));
  for (FilesystemScraper::Mount& mount : scraper.mounts()) {
    mount.status = FilesystemScraper::Status::kOk;
  }

  ASSERT_TRUE(scraper.refresh(files));
  EXPECT_EQ(scraper.mount_table_reads(), 1u);
  EXPECT_EQ(scraper.mounts().size(), mounts);
  for (const FilesystemScraper::Mount& mount : scraper.mounts()) {
    EXPECT_EQ(mount.status, FilesystemScraper::Status::kNotProbed) << mount.mount_point;
  }

  ASSERT_TRUE(child.mount());
  ASSERT_TRUE(scraper.refresh(files));
  EXPECT_EQ(scraper.mount_table_reads(), 2u);
  EXPECT_EQ(scraper.mounts().size(), mounts + 1);
  EXPECT_TRUE(lists_mount_point(scraper, mounted));

  ASSERT_TRUE(scraper.refresh(files));
  EXPECT_EQ(scraper.mount_table_reads(), 2u);
  EXPECT_TRUE(lists_mount_point(scraper, mounted));
}

// Without a namespace of its own (where the system does not allow one, the test above is
// skipped): our own mount table, which nothing changes within these few microseconds.
TEST(FilesystemScraper, TheMountTableOnProcfsIsReusedWhileUnchanged) {
  TempTree tree;
  std::filesystem::create_directories(tree.root() / "proc/1");
  std::filesystem::create_symlink("/proc/self/mountinfo", tree.root() / "proc/1/mountinfo");
  ProcFiles files(tree.root().string());
  FilesystemScraper scraper{NameFilter(), NameFilter()};
  ASSERT_TRUE(scraper.refresh(files));
  ASSERT_TRUE(scraper.refresh(files));
  ASSERT_TRUE(scraper.refresh(files));
  EXPECT_EQ(scraper.mount_table_reads(), 1u);
  EXPECT_FALSE(scraper.mounts().empty());
}

TEST(FilesystemScraper, AMountTableInAFixtureTreeIsReadEveryTime) {
  TempTree tree;
  tree.write("proc/1/mountinfo", "21 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n");
  ProcFiles files(tree.root().string());
  FilesystemScraper scraper{NameFilter(), NameFilter()};
  ASSERT_TRUE(scraper.refresh(files));
  ASSERT_TRUE(scraper.refresh(files));
  EXPECT_EQ(scraper.mount_table_reads(), 2u);
  EXPECT_EQ(scraper.mounts().size(), 1u);
  EXPECT_EQ(files.kept_open(), 0u);

  tree.write("proc/1/mountinfo",
             "21 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
             "22 21 254:1 / /data ro,relatime - xfs /dev/vdb rw\n");
  ASSERT_TRUE(scraper.refresh(files));
  EXPECT_EQ(scraper.mount_table_reads(), 3u);
  ASSERT_EQ(scraper.mounts().size(), 2u);
  EXPECT_TRUE(lists_mount_point(scraper, "/data"));
  EXPECT_TRUE(scraper.mounts()[1].read_only);

  // A table that cannot be read is an error, and the next readable one is read in full.
  tree.remove("proc/1/mountinfo");
  EXPECT_FALSE(scraper.refresh(files));
  tree.write("proc/1/mountinfo", "21 1 254:0 / / ro,relatime - ext4 /dev/vda rw\n");
  ASSERT_TRUE(scraper.refresh(files));
  EXPECT_EQ(scraper.mount_table_reads(), 4u);
  ASSERT_EQ(scraper.mounts().size(), 1u);
  EXPECT_TRUE(scraper.mounts()[0].read_only);
}

}  // namespace
}  // namespace vigil::collectors::host
