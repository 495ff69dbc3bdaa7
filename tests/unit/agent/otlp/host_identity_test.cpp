#include "agent/otlp/host_identity.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil::otlp {
namespace {

constexpr const char* kDockerId =
    "3ba7cd2f2f6ab4d32a2e28c3a1b9e1a8f4c1d5e6b7a8c9d0e1f2a3b4c5d6e7f8";
constexpr const char* kKubeId = "9a1f7b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd";
constexpr const char* kCriId = "e4c1b2a3d4f5061728394a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9";
constexpr const char* kSandboxId =
    "5d3c2b1a0f9e8d7c6b5a49382716f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e";
constexpr const char* kCrioId = "7f6e5d4c3b2a190817263544536271809a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d";

std::string fixture(const char* name) {
  return std::string(VIGIL_TEST_DATA_DIR) + "/cgroup/" + name;
}

std::optional<std::string> find(const ResourceInfo& info, std::string_view key) {
  for (const auto& [k, v] : info.attributes) {
    if (k == key) return v;
  }
  return std::nullopt;
}

TEST(HostIdentity, DockerCgroupV1) {
  EXPECT_EQ(detect_container_id(fixture("docker_v1")), kDockerId);
}

TEST(HostIdentity, KubepodsCgroupV1) {
  EXPECT_EQ(detect_container_id(fixture("kubepods_v1")), kKubeId);
}

TEST(HostIdentity, KubepodsSystemdScopeCgroupV1) {
  EXPECT_EQ(detect_container_id(fixture("kubepods_systemd_v1")), kCriId);
}

TEST(HostIdentity, ContainerdSystemdDriverColonForm) {
  EXPECT_EQ(detect_container_id(fixture("containerd_systemd_colon_v1")), kCriId);
}

TEST(HostIdentity, DockerCgroupV2FromMountinfo) {
  // /proc/self/cgroup is "0::/"; the volume's 64-hex directory must not be taken for the id.
  EXPECT_EQ(detect_container_id(fixture("docker_v2")), kDockerId);
}

TEST(HostIdentity, ContainerdCgroupV2FromMountinfo) {
  EXPECT_EQ(detect_container_id(fixture("containerd_v2")), kSandboxId);
}

TEST(HostIdentity, CrioScopeBeatsSandboxDirectory) {
  EXPECT_EQ(detect_container_id(fixture("crio_v2")), kCrioId);
}

TEST(HostIdentity, NoContainerOnHost) {
  // The host sees other containers' directories as mount points: not ours.
  EXPECT_EQ(detect_container_id(fixture("host")), std::nullopt);
  EXPECT_EQ(detect_container_id(fixture("host_systemd_service")), std::nullopt);
  EXPECT_EQ(detect_container_id(fixture("no_proc_files")), std::nullopt);
  EXPECT_EQ(detect_container_id(fixture("does_not_exist")), std::nullopt);
}

TEST(HostIdentity, CgroupParserRejectsNearMisses) {
  // 63 digits, uppercase, and an id in a middle segment only.
  EXPECT_EQ(
      container_id_from_cgroup(
          "4:memory:/docker/3ba7cd2f2f6ab4d32a2e28c3a1b9e1a8f4c1d5e6b7a8c9d0e1f2a3b4c5d6e7f\n"),
      std::nullopt);
  EXPECT_EQ(
      container_id_from_cgroup(
          "4:memory:/docker/3BA7CD2F2F6AB4D32A2E28C3A1B9E1A8F4C1D5E6B7A8C9D0E1F2A3B4C5D6E7F8\n"),
      std::nullopt);
  EXPECT_EQ(container_id_from_cgroup(std::string("4:memory:/docker/") + kDockerId + "/init\n"),
            std::nullopt);
  EXPECT_EQ(container_id_from_cgroup("0::/\n"), std::nullopt);
  EXPECT_EQ(container_id_from_cgroup(""), std::nullopt);
  // The first line holding an id wins; CRLF and a missing final newline are tolerated.
  EXPECT_EQ(container_id_from_cgroup(std::string("2:cpu:/\r\n1:name=systemd:/docker-") + kKubeId +
                                     ".scope"),
            kKubeId);
}

TEST(HostIdentity, MountinfoIgnoresMountPointsAndShortLines) {
  std::string text = std::string("311 22 0:58 / /var/lib/docker/containers/") + kDockerId +
                     "/mounts/shm rw - tmpfs shm rw\n" + "garbage line\n\n";
  EXPECT_EQ(container_id_from_mountinfo(text), std::nullopt);
}

TEST(HostIdentity, MountinfoPrefersTheHostnameMount) {
  std::string text = std::string("1 0 8:1 /var/lib/docker/containers/") + kKubeId +
                     "/resolv.conf /etc/resolv.conf rw - ext4 /dev/sda1 rw\n" +
                     "2 0 8:1 /var/lib/docker/containers/" + kDockerId +
                     "/hostname /etc/hostname rw - ext4 /dev/sda1 rw\n";
  EXPECT_EQ(container_id_from_mountinfo(text), kDockerId);
}

TEST(HostIdentity, ResourceAttributesInOrder) {
  auto info = detect_resource(fixture("docker_v1"), "web-1", {{"env", "prod"}, {"region", "eu"}});
  ASSERT_EQ(info.attributes.size(), 5u);
  EXPECT_EQ(info.attributes[0], (std::pair<std::string, std::string>{"host.name", "web-1"}));
  EXPECT_EQ(info.attributes[1], (std::pair<std::string, std::string>{"os.type", "linux"}));
  EXPECT_EQ(info.attributes[2], (std::pair<std::string, std::string>{"container.id", kDockerId}));
  EXPECT_EQ(info.attributes[3], (std::pair<std::string, std::string>{"env", "prod"}));
  EXPECT_EQ(info.attributes[4], (std::pair<std::string, std::string>{"region", "eu"}));
}

TEST(HostIdentity, NoContainerIdOutsideContainers) {
  auto info = detect_resource(fixture("host"), "db-7", {});
  ASSERT_EQ(info.attributes.size(), 2u);
  EXPECT_EQ(find(info, "host.name"), "db-7");
  EXPECT_EQ(find(info, "os.type"), "linux");
  EXPECT_EQ(find(info, "container.id"), std::nullopt);
}

TEST(HostIdentity, ConfiguredAttributesWinOverDetected) {
  auto info = detect_resource(fixture("docker_v2"), "detected-host",
                              {{"container.id", "abc"}, {"host.name", "configured"}});
  ASSERT_EQ(info.attributes.size(), 3u);
  EXPECT_EQ(find(info, "host.name"), "configured");
  EXPECT_EQ(find(info, "container.id"), "abc");
  EXPECT_EQ(info.attributes[0].first, "host.name");  // replaced in place, not duplicated
}

TEST(HostIdentity, EmptyHostnameIsOmitted) {
  auto info = detect_resource(fixture("host"), "", {});
  EXPECT_EQ(find(info, "host.name"), std::nullopt);
  EXPECT_EQ(find(info, "os.type"), "linux");
}

}  // namespace
}  // namespace vigil::otlp
