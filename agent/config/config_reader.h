#pragma once

#include <compare>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "agent/core/clock.h"
#include "agent/core/signal.h"

namespace vigil::config {

// A place in the (substituted) file text, as toml++ counts it: 1-based line, and 1-based column
// in Unicode code points.
struct SourcePosition {
  std::uint32_t line = 1;
  std::uint32_t column = 1;
  auto operator<=>(const SourcePosition&) const = default;
};

// Where configuration errors are collected. Each message is complete:
//   agent.toml:12:3: exporters.otlp[0].timeout: expected a duration like "10s", got 10
// Messages added with a position are kept in file order (stable for equal positions) so they
// read top to bottom whatever order the sections were parsed in; messages without one follow.
class Diagnostics {
 public:
  void add(std::string message);
  void add(std::string message, SourcePosition position);
  bool ok() const { return errors_.empty(); }
  const std::vector<std::string>& errors() const { return errors_; }
  // Every message, one per line (no trailing newline).
  std::string joined() const;

 private:
  std::vector<std::string> errors_;
  std::vector<SourcePosition> positions_;  // parallel to errors_
};

// Ranges of the substituted file text that came from ${VAR} substitution (see
// env_substitution.h); values overlapping them are redacted when the config is printed.
// Columns count code points like SourcePosition. An empty substitution has
// last_column == first_column - 1 and still marks the value it sits in.
struct SubstitutedSpan {
  std::uint32_t line = 0;          // 1-based, in the substituted text
  std::uint32_t first_column = 0;  // 1-based, inclusive
  std::uint32_t last_column = 0;   // inclusive
  bool operator==(const SubstitutedSpan&) const = default;
};

// Shared by every reader of one file.
struct ReaderContext {
  std::string file;  // path as given on the command line, for messages
  Diagnostics* diagnostics = nullptr;
  std::vector<SubstitutedSpan> substituted;
  // "file:line:col" of every key path read from the file ("exporters.otlp[0].endpoint"), so
  // checks made after loading (binding listen addresses) can point at the line.
  std::map<std::string, std::string> locations;
};

inline constexpr std::string_view kRedacted = "<redacted>";

// Reads one TOML table into typed values, recording an error (file:line:col: key.path: message)
// for every wrong type or bad value, and filling `effective()`: the table as the agent will use
// it, defaults included, env-derived and secret values replaced by "<redacted>".
// Every getter returns a usable value (the default) even after an error, so parsing continues
// and all errors are reported at once. Call finish() last: keys present but never read are
// reported as unknown, with a did-you-mean suggestion.
// Error messages show the offending value, except for secret_string and secret map keys.
// `context` and its diagnostics must not be null.
class ConfigReader {
 public:
  // `node` may be null (the section is absent: every key takes its default).
  ConfigReader(std::shared_ptr<ReaderContext> context, const toml::table* node,
               std::string key_path);

  const std::string& key_path() const { return key_path_; }
  bool present() const { return node_ != nullptr; }
  bool has(std::string_view key) const;

  std::string string(std::string_view key, std::string_view default_value);
  // Error "missing required key" when absent, "must not be empty" when "".
  std::string required_string(std::string_view key);
  // Redacted in effective() whatever its origin (tokens, passwords); an empty value is shown,
  // as it hides nothing and tells the reader that none is set.
  std::string secret_string(std::string_view key, std::string_view default_value);
  bool boolean(std::string_view key, bool default_value);
  std::int64_t integer(std::string_view key, std::int64_t default_value, std::int64_t min,
                       std::int64_t max);
  double number(std::string_view key, double default_value, double min, double max);
  // "250ms", "10s", "5m", "1h" (units.h). Bounds inclusive.
  core::Duration duration(std::string_view key, core::Duration default_value,
                          core::Duration min = core::Duration::zero(),
                          core::Duration max = std::chrono::hours(24 * 365));
  // "512KiB", "64MiB", "1GiB", "1GB", or a plain integer of bytes. Bounds inclusive.
  std::uint64_t size(std::string_view key, std::uint64_t default_value, std::uint64_t min = 0,
                     std::uint64_t max = UINT64_MAX);
  // One of `allowed`; error lists them.
  std::string one_of(std::string_view key, std::string_view default_value,
                     std::initializer_list<std::string_view> allowed);
  std::vector<std::string> string_list(std::string_view key,
                                       std::vector<std::string> default_value);
  // A table of string values ([agent.resource], headers). Values matching a key in
  // `secret_keys` (case-insensitive, e.g. "authorization") are redacted in effective().
  std::map<std::string, std::string> string_map(
      std::string_view key, std::initializer_list<std::string_view> secret_keys = {});
  // ["metrics", "logs", "traces"]
  core::SignalSet signals(std::string_view key, core::SignalSet default_value);
  // A listen address "HOST:PORT" (validated with net::parse_listen_address).
  std::string listen_address(std::string_view key, std::string_view default_value);

  // A nested table (absent: a reader of defaults). Errors if the key holds a non-table.
  // Owned by this reader; finish() finishes it and merges its effective table.
  ConfigReader& table(std::string_view key);

  // A component section written either as one table (`[exporters.stdout]`, key path
  // "exporters.stdout") or as an array of tables (`[[exporters.otlp]]`, key paths
  // "exporters.otlp[0]", ...). Absent: empty. Owned by this reader like table().
  std::vector<ConfigReader*> table_or_array(std::string_view key);

  // The keys present in this table, in file order (for sections keyed by component kind).
  std::vector<std::string> keys() const;
  // Marks a key as read without reading it through a getter (the caller handled it).
  void mark_read(std::string_view key);

  // Records an error at `key` (or at this table when key is empty).
  void error(std::string_view key, std::string_view message);
  // Records an error at the key itself rather than its value, for a key that should not be
  // there (unknown keys, unknown component kinds).
  void key_error(std::string_view key, std::string_view message);
  // Records an error at element `index` of the array at `key` ("from[1]").
  void error(std::string_view key, std::size_t index, std::string_view message);
  // "file:line:col" of the value at `key`, or of this table when the key is absent.
  std::string location_of(std::string_view key) const;

  // Reports unknown keys; merges nested readers' effective tables into this one.
  void finish();
  // The effective table (valid after finish()).
  toml::table& effective() { return effective_; }

  std::shared_ptr<ReaderContext> context() const { return context_; }

 private:
  struct Child {
    std::string key;
    bool is_array = false;
    std::vector<std::unique_ptr<ConfigReader>> readers;
  };

  const toml::node* get(std::string_view key);
  const toml::node* peek(std::string_view key) const;
  SourcePosition position() const;
  std::string location(const toml::node* node) const;  // "file:line:col"
  std::string location(SourcePosition position) const;
  void add_error(SourcePosition position, const std::string& key_path, std::string_view message);
  std::string full_key(std::string_view key) const;
  bool came_from_env(const toml::node& node) const;
  void record_effective(std::string_view key, toml::node&& value, const toml::node* source);
  void error_at(const toml::node* node, const std::string& key_path, std::string_view message);
  std::unique_ptr<ConfigReader> make_child(const toml::table* node, std::string key_path,
                                           const toml::node* anchor) const;

  std::shared_ptr<ReaderContext> context_;
  const toml::table* node_;
  std::string key_path_;
  // Where errors about an absent table point: the closest enclosing table in the file.
  SourcePosition fallback_position_;
  std::vector<std::string> read_keys_;
  toml::table effective_;
  std::vector<Child> children_;
  bool finished_ = false;
};

// Suggestion for a misspelt word: the closest of `candidates` by edit distance (insertions,
// deletions, substitutions and transpositions of neighbours) if that distance is at most
// max(2, a third of the word) and less than the word's length; empty otherwise. Ties go to the
// earlier candidate.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace vigil::config
