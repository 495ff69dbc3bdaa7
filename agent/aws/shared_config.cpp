#include "agent/aws/shared_config.h"

#include "agent/aws/environment.h"
#include "agent/aws/small_file.h"

namespace vigil::aws {

namespace {

std::string expand_home(const std::string& path, const Environment& env) {
  if (path == "~" || path.starts_with("~/")) return env.value("HOME") + path.substr(1);
  return path;
}

core::Result<IniDocument> load_ini(const std::string& path) {
  auto content = read_small_file(path);
  if (!content) return std::unexpected(content.error());
  if (!content->has_value()) return IniDocument{};
  return parse_ini(**content, path);
}

void merge(Profile& profile, const IniSection& section, const std::string& file, bool overwrite) {
  for (const auto& [key, value] : section.values) {
    if (overwrite) {
      profile.values[key] = value;
    } else {
      profile.values.try_emplace(key, value);
    }
  }
  profile.files.push_back(file);
}

}  // namespace

SharedFilePaths shared_file_paths(const Environment& env) {
  SharedFilePaths paths;
  paths.credentials = env.value("AWS_SHARED_CREDENTIALS_FILE");
  if (paths.credentials.empty()) paths.credentials = "~/.aws/credentials";
  paths.config = env.value("AWS_CONFIG_FILE");
  if (paths.config.empty()) paths.config = "~/.aws/config";
  paths.credentials = expand_home(paths.credentials, env);
  paths.config = expand_home(paths.config, env);
  return paths;
}

std::string profile_name(const AwsAuthConfig& config, const Environment& env) {
  if (!config.profile.empty()) return config.profile;
  std::string name = env.value("AWS_PROFILE");
  return name.empty() ? "default" : name;
}

core::Result<SharedConfig> SharedConfig::load(const SharedFilePaths& paths) {
  SharedConfig shared;
  shared.paths_ = paths;
  auto credentials = load_ini(paths.credentials);
  if (!credentials) return std::unexpected(credentials.error());
  auto config = load_ini(paths.config);
  if (!config) return std::unexpected(config.error());
  shared.credentials_ = std::move(*credentials);
  shared.config_ = std::move(*config);
  return shared;
}

std::optional<Profile> SharedConfig::profile(std::string_view name) const {
  Profile profile;
  profile.name = std::string(name);
  // The config file names profiles "[profile NAME]"; the default one may also be "[default]"
  // (botocore prefers "[profile default]" when both exist).
  const IniSection* in_config = config_.find("profile " + std::string(name));
  if (in_config == nullptr && name == "default") in_config = config_.find("default");
  if (in_config != nullptr) merge(profile, *in_config, paths_.config, false);
  if (const IniSection* in_credentials = credentials_.find(name); in_credentials != nullptr) {
    merge(profile, *in_credentials, paths_.credentials, true);
  }
  if (profile.files.empty()) return std::nullopt;
  return profile;
}

}  // namespace vigil::aws
