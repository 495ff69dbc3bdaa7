#include "agent/config/config_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#include "agent/config/quote.h"
#include "agent/config/toml_text_check.h"

namespace vigil::config {

namespace {

// What a kind without keys of its own (or a factory that returned nothing) is configured with,
// so every spec carries a config.
struct NoOwnConfig final : app::ComponentConfig {};

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string join(const std::vector<std::string>& words, std::string_view last_separator) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? std::string(last_separator) : std::string(", ");
    out += words[i];
  }
  return out;
}

std::vector<std::string> signal_names(core::SignalSet set) {
  std::vector<std::string> names;
  for (auto s : core::kAllSignals) {
    if (set.contains(s)) names.emplace_back(core::to_string(s));
  }
  return names;
}

std::string unknown_kind_message(std::string_view role, std::string_view kind,
                                 const std::vector<std::string>& known) {
  if (known.empty()) return fmt::format("unknown {} kind (this build has none)", role);
  const std::string suggestion = did_you_mean(kind, known);
  const std::string list = fmt::format("known kinds: {}", join(known, ", "));
  if (suggestion.empty()) return fmt::format("unknown {} kind ({})", role, list);
  return fmt::format("unknown {} kind; did you mean {}? ({})", role, quote(suggestion), list);
}

// Names are unique per kind; the first use is remembered to point at it.
class NameRegistry {
 public:
  void check(ConfigReader& reader, const std::string& name) {
    const auto [it, inserted] =
        first_use_.try_emplace(name, reader.key_path(), reader.location_of("name"));
    if (inserted) return;
    reader.error("name", fmt::format("duplicate name {} (already used by {} at {}); give each "
                                     "instance of a kind its own name",
                                     quote(name), it->second.first, it->second.second));
  }

 private:
  std::map<std::string, std::pair<std::string, std::string>> first_use_;
};

app::ComponentIdentity read_identity(ConfigReader& reader, std::string_view kind,
                                     NameRegistry& names) {
  app::ComponentIdentity identity;
  identity.kind = std::string(kind);
  identity.key_path = reader.key_path();
  identity.name = reader.string("name", kind);
  if (!valid_name(identity.name)) {
    reader.error("name", fmt::format("invalid name {}: use letters, digits, \"_\", \".\" and \"-\"",
                                     quote(identity.name)));
  } else {
    names.check(reader, identity.name);
  }
  identity.id = identity.name == kind ? identity.name : fmt::format("{}/{}", kind, identity.name);
  return identity;
}

template <typename Factory>
std::shared_ptr<const app::ComponentConfig> parse_own_keys(const Factory& factory,
                                                           ConfigReader& reader) {
  std::shared_ptr<const app::ComponentConfig> config;
  if (factory.parse) config = factory.parse(reader);
  if (!config) config = std::make_shared<NoOwnConfig>();
  return config;
}

void load_collectors(ConfigReader& section, const app::ComponentRegistry& registry,
                     LoadedConfig& loaded) {
  std::vector<std::string> known;
  for (const auto& f : registry.collectors) known.emplace_back(f.kind);
  for (const auto& kind : section.keys()) {
    const app::CollectorFactory* factory = registry.find_collector(kind);
    if (factory == nullptr) {
      section.mark_read(kind);
      section.key_error(kind, unknown_kind_message("collector", kind, known));
      continue;
    }
    NameRegistry names;
    for (ConfigReader* reader : section.table_or_array(kind)) {
      app::CollectorSpec spec;
      spec.identity = read_identity(*reader, kind, names);
      spec.config = parse_own_keys(*factory, *reader);
      reader->finish();
      loaded.collectors.push_back(std::move(spec));
    }
  }
}

void check_signals(ConfigReader& reader, const app::ExporterFactory& factory,
                   core::SignalSet requested) {
  std::vector<std::string> refused;
  for (auto s : core::kAllSignals) {
    if (requested.contains(s) && !factory.accepts.contains(s)) {
      refused.emplace_back(core::to_string(s));
    }
  }
  if (refused.empty()) return;
  reader.error("signals",
               fmt::format("exporter kind {} cannot export {} (it accepts {})", quote(factory.kind),
                           join(refused, " or "), join(signal_names(factory.accepts), " and ")));
}

void check_from(ConfigReader& reader, const std::vector<std::string>& from,
                const std::vector<std::string>& collector_ids) {
  for (std::size_t i = 0; i < from.size(); ++i) {
    const std::string& id = from[i];
    if (std::find(from.begin(), from.begin() + static_cast<std::ptrdiff_t>(i), id) !=
        from.begin() + static_cast<std::ptrdiff_t>(i)) {
      reader.error("from", i, fmt::format("{} is listed twice", quote(id)));
      continue;
    }
    if (std::find(collector_ids.begin(), collector_ids.end(), id) != collector_ids.end()) continue;
    std::string message = fmt::format("unknown collector {}", quote(id));
    if (collector_ids.empty()) {
      message += " (no collectors are configured)";
    } else {
      const std::string suggestion = did_you_mean(id, collector_ids);
      if (!suggestion.empty()) message += fmt::format("; did you mean {}?", quote(suggestion));
      message += fmt::format(" (configured collectors: {})", join(collector_ids, ", "));
    }
    reader.error("from", i, message);
  }
}

void load_exporters(ConfigReader& section, const app::ComponentRegistry& registry,
                    LoadedConfig& loaded) {
  std::vector<std::string> known;
  for (const auto& f : registry.exporters) known.emplace_back(f.kind);
  std::vector<std::string> collector_ids;
  for (const auto& c : loaded.collectors) collector_ids.push_back(c.identity.id);
  for (const auto& kind : section.keys()) {
    const app::ExporterFactory* factory = registry.find_exporter(kind);
    if (factory == nullptr) {
      section.mark_read(kind);
      section.key_error(kind, unknown_kind_message("exporter", kind, known));
      continue;
    }
    NameRegistry names;
    for (ConfigReader* reader : section.table_or_array(kind)) {
      app::ExporterSpec spec;
      spec.identity = read_identity(*reader, kind, names);
      spec.signals = reader->signals("signals", factory->accepts);
      check_signals(*reader, *factory, spec.signals);
      spec.from = reader->string_list("from", {});
      check_from(*reader, spec.from, collector_ids);
      spec.buffer = parse_buffer_config(reader->table("buffer"), loaded.buffer);
      spec.retry = parse_retry_config(reader->table("retry"));
      spec.concurrency = static_cast<std::size_t>(reader->integer("concurrency", 1, 1, 64));
      spec.config = parse_own_keys(*factory, *reader);
      reader->finish();
      loaded.exporters.push_back(std::move(spec));
    }
  }
}

std::string print_effective(const toml::table& effective) {
  std::ostringstream out;
  out << toml::toml_formatter(effective, toml::format_flags::allow_unicode_strings);
  std::string text = out.str();
  if (!text.ends_with('\n')) text.push_back('\n');
  return text;
}

}  // namespace

core::Result<LoadedConfig> load_config_text(std::string_view text, std::string_view file_name,
                                            const app::ComponentRegistry& registry,
                                            const LoadOptions& options) {
  Diagnostics diagnostics;
  SubstitutedText substituted = substitute_env(text, file_name, options.env, diagnostics);
  if (!diagnostics.ok()) return core::make_error(diagnostics.joined());

  // A stray non-ASCII character would reach undefined behaviour in toml++ (toml_text_check.h).
  if (const auto at = find_non_ascii_outside_strings(substituted.text)) {
    return core::make_error(
        fmt::format("{}:{}:{}: syntax error: a non-ASCII character outside a string or comment "
                    "(TOML allows them only in quoted strings and comments)",
                    file_name, at->line, at->column));
  }

  toml::table document;
  try {
    document = toml::parse(std::string_view(substituted.text), std::string_view(file_name));
  } catch (const toml::parse_error& e) {
    return core::make_error(fmt::format("{}:{}:{}: syntax error: {}", file_name,
                                        e.source().begin.line, e.source().begin.column,
                                        e.description()));
  }

  auto context = std::make_shared<ReaderContext>();
  context->file = std::string(file_name);
  context->diagnostics = &diagnostics;
  context->substituted = std::move(substituted.spans);
  ConfigReader root(context, &document, "");

  LoadedConfig loaded;
  loaded.agent = parse_agent_config(root.table("agent"), options.system_hostname);
  loaded.buffer = parse_buffer_config(root.table("buffer"), BufferConfig{});
  load_collectors(root.table("collectors"), registry, loaded);
  const std::size_t errors_before = diagnostics.errors().size();
  load_exporters(root.table("exporters"), registry, loaded);
  // A section that already has errors (an unknown kind, a malformed table) has been reported.
  if (loaded.exporters.empty() && diagnostics.errors().size() == errors_before) {
    std::vector<std::string> known;
    for (const auto& f : registry.exporters) known.emplace_back(f.kind);
    root.error("exporters", fmt::format("at least one exporter is required (known kinds: {})",
                                        join(known, ", ")));
  }
  root.finish();
  if (!diagnostics.ok()) return core::make_error(diagnostics.joined());

  loaded.effective_toml = print_effective(root.effective());
  loaded.locations = std::move(context->locations);
  return loaded;
}

core::Result<LoadedConfig> load_config_file(const std::string& path,
                                            const app::ComponentRegistry& registry,
                                            const LoadOptions& options) {
  const auto fail = [&path](int error_number) {
    return core::make_error(fmt::format("cannot read config file {}: {}", quote(path),
                                        std::generic_category().message(error_number)));
  };
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) return fail(errno);
  std::string text;
  char buffer[64 * 1024];
  while (true) {
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get());
    text.append(buffer, n);
    if (n < sizeof buffer) {
      if (std::ferror(file.get()) != 0) return fail(errno);
      break;
    }
  }
  return load_config_text(text, path, registry, options);
}

}  // namespace vigil::config
