// ConfigReader: the table structure (nested tables, component arrays), positions, errors and
// the effective table. The typed getters are in config_reader_values.cpp.
#include "agent/config/config_reader.h"

#include <algorithm>

#include <fmt/format.h>

#include "agent/config/quote.h"
#include "agent/config/value_text.h"

namespace vigil::config {

namespace {

SourcePosition begin_of(const toml::source_region& region) {
  return SourcePosition{region.begin.line, region.begin.column};
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

}  // namespace

ConfigReader::ConfigReader(std::shared_ptr<ReaderContext> context, const toml::table* node,
                           std::string key_path)
    : context_(std::move(context)), node_(node), key_path_(std::move(key_path)) {
  if (node_ != nullptr) fallback_position_ = begin_of(node_->source());
}

bool ConfigReader::has(std::string_view key) const { return peek(key) != nullptr; }

std::vector<std::string> ConfigReader::keys() const {
  if (node_ == nullptr) return {};
  std::vector<std::pair<SourcePosition, std::string>> found;
  for (const auto& [key, value] : *node_) {
    found.emplace_back(begin_of(key.source()), std::string(key.str()));
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> names;
  names.reserve(found.size());
  for (auto& f : found) names.push_back(std::move(f.second));
  return names;
}

void ConfigReader::mark_read(std::string_view key) {
  if (std::find(read_keys_.begin(), read_keys_.end(), key) == read_keys_.end()) {
    read_keys_.emplace_back(key);
  }
}

const toml::node* ConfigReader::peek(std::string_view key) const {
  return node_ == nullptr ? nullptr : node_->get(key);
}

const toml::node* ConfigReader::get(std::string_view key) {
  mark_read(key);
  const toml::node* node = peek(key);
  if (node != nullptr) context_->locations.insert_or_assign(full_key(key), location(node));
  return node;
}

SourcePosition ConfigReader::position() const {
  return node_ != nullptr ? begin_of(node_->source()) : fallback_position_;
}

std::string ConfigReader::location(SourcePosition position) const {
  return fmt::format("{}:{}:{}", context_->file, position.line, position.column);
}

std::string ConfigReader::location(const toml::node* node) const {
  return location(node != nullptr ? begin_of(node->source()) : position());
}

std::string ConfigReader::location_of(std::string_view key) const { return location(peek(key)); }

std::string ConfigReader::full_key(std::string_view key) const {
  const std::string part = key_text(key);
  return key_path_.empty() ? part : key_path_ + "." + part;
}

void ConfigReader::add_error(SourcePosition position, const std::string& key_path,
                             std::string_view message) {
  std::string text = key_path.empty()
                         ? fmt::format("{}: {}", location(position), message)
                         : fmt::format("{}: {}: {}", location(position), key_path, message);
  context_->diagnostics->add(std::move(text), position);
}

void ConfigReader::error_at(const toml::node* node, const std::string& key_path,
                            std::string_view message) {
  add_error(node != nullptr ? begin_of(node->source()) : position(), key_path, message);
}

void ConfigReader::error(std::string_view key, std::string_view message) {
  if (key.empty()) {
    error_at(nullptr, key_path_, message);
  } else {
    error_at(peek(key), full_key(key), message);
  }
}

void ConfigReader::error(std::string_view key, std::size_t index, std::string_view message) {
  const toml::node* node = peek(key);
  const toml::array* array = node != nullptr ? node->as_array() : nullptr;
  const toml::node* element = array != nullptr ? array->get(index) : nullptr;
  error_at(element != nullptr ? element : node, fmt::format("{}[{}]", full_key(key), index),
           message);
}

void ConfigReader::key_error(std::string_view key, std::string_view message) {
  SourcePosition at = position();
  if (node_ != nullptr) {
    if (auto it = node_->find(key); it != node_->end()) at = begin_of(it->first.source());
  }
  add_error(at, full_key(key), message);
}

bool ConfigReader::came_from_env(const toml::node& node) const {
  const auto& region = node.source();
  const SourcePosition begin{region.begin.line, region.begin.column};
  const SourcePosition end{region.end.line, region.end.column};  // exclusive
  for (const auto& span : context_->substituted) {
    const SourcePosition first{span.line, span.first_column};
    // An empty substitution still marks the character it sits before (a closing quote).
    const SourcePosition after{span.line, std::max(span.last_column, span.first_column) + 1};
    if (begin < after && first < end) return true;
  }
  return false;
}

void ConfigReader::record_effective(std::string_view key, toml::node&& value,
                                    const toml::node* source) {
  if (source != nullptr && came_from_env(*source)) {
    effective_.insert_or_assign(key, std::string(kRedacted));
  } else {
    effective_.insert_or_assign(key, std::move(value));
  }
}

std::unique_ptr<ConfigReader> ConfigReader::make_child(const toml::table* node,
                                                       std::string key_path,
                                                       const toml::node* anchor) const {
  auto child = std::make_unique<ConfigReader>(context_, node, std::move(key_path));
  if (node == nullptr) {
    child->fallback_position_ = anchor != nullptr ? begin_of(anchor->source()) : position();
  }
  return child;
}

ConfigReader& ConfigReader::table(std::string_view key) {
  for (auto& child : children_) {
    if (child.key == key && !child.is_array && !child.readers.empty()) return *child.readers[0];
  }
  const toml::node* node = get(key);
  const toml::table* table = nullptr;
  if (node != nullptr) {
    table = node->as_table();
    if (table == nullptr) error_at(node, full_key(key), "expected a table, got " + describe(*node));
  }
  Child child{std::string(key), false, {}};
  child.readers.push_back(make_child(table, full_key(key), node));
  children_.push_back(std::move(child));
  return *children_.back().readers.front();
}

std::vector<ConfigReader*> ConfigReader::table_or_array(std::string_view key) {
  std::vector<ConfigReader*> readers;
  for (auto& child : children_) {
    if (child.key == key) {
      for (auto& r : child.readers) readers.push_back(r.get());
      return readers;
    }
  }
  const toml::node* node = get(key);
  if (node == nullptr) return readers;
  Child child{std::string(key), false, {}};
  if (const toml::table* table = node->as_table()) {
    child.readers.push_back(make_child(table, full_key(key), node));
  } else if (const toml::array* array = node->as_array()) {
    child.is_array = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      const std::string path = fmt::format("{}[{}]", full_key(key), i);
      if (const toml::table* table = element.as_table()) {
        child.readers.push_back(make_child(table, path, &element));
      } else {
        error_at(&element, path, "expected a table, got " + describe(element));
      }
    }
  } else {
    error_at(node, full_key(key), "expected a table or an array of tables, got " + describe(*node));
  }
  for (auto& r : child.readers) readers.push_back(r.get());
  children_.push_back(std::move(child));
  return readers;
}

void ConfigReader::finish() {
  if (finished_) return;
  finished_ = true;
  for (auto& child : children_) {
    for (auto& r : child.readers) r->finish();
    if (child.is_array) {
      toml::array effective;
      for (auto& r : child.readers) effective.push_back(r->effective_);
      effective_.insert_or_assign(child.key, std::move(effective));
    } else if (!child.readers.empty()) {
      effective_.insert_or_assign(child.key, child.readers.front()->effective_);
    }
  }
  if (node_ == nullptr) return;
  std::vector<std::string> known = read_keys_;
  std::sort(known.begin(), known.end());
  for (const auto& [key, value] : *node_) {
    if (std::find(read_keys_.begin(), read_keys_.end(), key.str()) != read_keys_.end()) continue;
    const std::string suggestion = did_you_mean(key.str(), known);
    std::string message;
    if (!suggestion.empty()) {
      message = fmt::format("unknown key; did you mean {}?", quote(suggestion));
    } else if (known.empty()) {
      message = "unknown key (this table takes no keys)";
    } else {
      message = fmt::format("unknown key (known keys: {})", join(known));
    }
    add_error(begin_of(key.source()), full_key(key.str()), message);
  }
}

}  // namespace vigil::config
