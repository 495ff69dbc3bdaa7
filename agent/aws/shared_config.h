#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/aws/aws_auth_config.h"
#include "agent/aws/ini_file.h"
#include "agent/core/error.h"

namespace vigil::aws {

class Environment;

// Where the shared files are: AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE ("~/" expanded),
// else ~/.aws/credentials and ~/.aws/config with ~ = HOME.
struct SharedFilePaths {
  std::string credentials;
  std::string config;
};
SharedFilePaths shared_file_paths(const Environment& env);

// The profile to use: `profile` in the config, AWS_PROFILE, else "default".
std::string profile_name(const AwsAuthConfig& config, const Environment& env);

// One profile's keys from both files, credentials-file values winning over config-file values.
struct Profile {
  std::string name;
  std::map<std::string, std::string, std::less<>> values;
  std::vector<std::string> files;  // the files that have a section for it
  std::string value(std::string_view key) const {
    auto it = values.find(key);
    return it == values.end() ? std::string() : it->second;
  }
};

// The credentials file ([name]) and the config file ([profile name], or [default] / [profile
// default] for the default profile), read synchronously; a file that does not exist is empty.
class SharedConfig {
 public:
  // Errors: a file that cannot be read or does not parse (file:line).
  static core::Result<SharedConfig> load(const SharedFilePaths& paths);

  // nullopt when neither file has the profile.
  std::optional<Profile> profile(std::string_view name) const;
  const SharedFilePaths& paths() const { return paths_; }

 private:
  SharedFilePaths paths_;
  IniDocument credentials_;
  IniDocument config_;
};

}  // namespace vigil::aws
