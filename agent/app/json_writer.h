#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vigil::app {

// A minimal streaming JSON writer for the agent's own documents (/status, `vigil check`).
// Inserts commas itself; escapes strings per RFC 8259.
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& string(std::string_view v);
  JsonWriter& number(double v);
  JsonWriter& boolean(bool v);
  std::string take() { return std::move(out_); }

 private:
  void separate();
  void append_escaped(std::string_view v);

  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written yet
  bool after_key_ = false;
};

}  // namespace vigil::app
