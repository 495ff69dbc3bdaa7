#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "agent/otlp/resource_info.h"

namespace vigil::otlp {

// The agent's own resource (DESIGN.md section 3): host.name (omitted when empty), os.type
// "linux", container.id when the agent runs in a container, then `extra` (the [agent.resource]
// table). `extra` wins over every detected attribute: an operator who sets host.name or
// container.id there knows better than the heuristics below. `proc_root` is normally "/proc";
// tests point it at a fixture tree.
ResourceInfo detect_resource(std::string_view proc_root, std::string_view hostname,
                             const std::map<std::string, std::string>& extra);

// The container id (64 lowercase hex digits) from <proc_root>/self/cgroup, else from
// <proc_root>/self/mountinfo; nullopt outside a container or when neither can be read.
std::optional<std::string> detect_container_id(std::string_view proc_root);

// cgroup v1 (and v2 without a cgroup namespace): the first line whose last path segment holds a
// 64-hex id, as in "docker/<id>", "kubepods/.../<id>", "docker-<id>.scope",
// "cri-containerd-<id>.scope" or "...:cri-containerd:<id>" (containerd's systemd driver).
std::optional<std::string> container_id_from_cgroup(std::string_view cgroup);

// cgroup v2 with a private cgroup namespace, where /proc/self/cgroup is just "0::/": the id
// shows in a mount's root path (field 4). First choice, a segment named after the container
// ("crio-<id>.scope", "cri-containerd-<id>.scope", "docker-<id>.scope": a cgroup fs mounted
// from the container's own cgroup). Else the runtime's per-container directory that the
// hostname, hosts and resolv.conf files are bind-mounted from
// ("/var/lib/docker/containers/<id>/hostname", ".../containerd/.../<id>/hostname"), the mount
// at /etc/hostname first. Only field 4 is read: on a host, other containers' directories show
// as mount points and must not match. Under Kubernetes those files come from the pod's sandbox
// directory, so there the id found is the sandbox's.
std::optional<std::string> container_id_from_mountinfo(std::string_view mountinfo);

}  // namespace vigil::otlp
