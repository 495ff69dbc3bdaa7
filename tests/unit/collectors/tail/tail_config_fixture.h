#pragma once

// Reads a [[collectors.tail]] table from TOML text the way the config loader does, so the
// parsing helpers' errors can be checked with their file:line:col.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "agent/config/config_reader.h"

namespace vigil::collectors::tail::tail_testing {

class TailConfigFixture {
 public:
  // `text` is the body of one tail section, written as in agent.toml after
  // "[[collectors.tail]]"; the section header is added here (line 1).
  config::ConfigReader& load(std::string_view text) {
    diagnostics_ = config::Diagnostics();
    text_ = "[[collectors.tail]]\n" + std::string(text);
    document_ = toml::parse(text_, std::string_view("agent.toml"));
    context_ = std::make_shared<config::ReaderContext>();
    context_->file = "agent.toml";
    context_->diagnostics = &diagnostics_;
    const toml::table* section = document_["collectors"]["tail"][0].as_table();
    reader_ = std::make_unique<config::ConfigReader>(context_, section, "collectors.tail[0]");
    return *reader_;
  }

  // Every error so far, after finishing the reader (unknown keys included).
  const std::vector<std::string>& errors() {
    if (reader_) reader_->finish();
    return diagnostics_.errors();
  }

 private:
  std::string text_;
  toml::table document_;
  config::Diagnostics diagnostics_;
  std::shared_ptr<config::ReaderContext> context_;
  std::unique_ptr<config::ConfigReader> reader_;
};

}  // namespace vigil::collectors::tail::tail_testing
