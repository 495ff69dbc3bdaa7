#include "exporters/cloudwatch/cloudwatch_config.h"

#include <algorithm>
#include <array>

#include "agent/aws/environment.h"
#include "agent/aws/region.h"
#include "agent/config/config_reader.h"

namespace vigil::exporters::cloudwatch {

namespace {

constexpr std::array<std::int64_t, 22> kRetentionDays{1,    3,    5,    7,    14,   30,  60,  90,
                                                      120,  150,  180,  365,  400,  545, 731, 1096,
                                                      1827, 2192, 2557, 2922, 3288, 3653};

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
}

// PutMetricData: 1-255 ASCII characters, not starting with "AWS/"; EMF also limits the
// characters to [a-zA-Z0-9._#:/-].
std::string namespace_problem(std::string_view ns, bool emf) {
  if (ns.empty() || ns.size() > 255) return "must have 1 to 255 characters";
  if (!printable_ascii(ns)) return "must be printable ASCII";
  if (ns.starts_with("AWS/")) return "must not start with \"AWS/\" (reserved for AWS services)";
  if (ns.find_first_not_of(" ") == std::string_view::npos) return "must not be only spaces";
  if (emf && ns.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                  "._#:/-") != std::string_view::npos) {
    return "with metrics_mode = \"emf\", may only hold A-Z a-z 0-9 . _ # : / -";
  }
  return {};
}

std::string dimension_problem(std::string_view name) {
  if (name.empty() || name.size() > 255) return "must have 1 to 255 characters";
  if (!printable_ascii(name)) return "must be printable ASCII";
  if (name.front() == ':') return "must not start with ':'";
  if (name.find_first_not_of(" ") == std::string_view::npos) return "must not be only spaces";
  return {};
}

std::string read_endpoint(config::ConfigReader& reader, std::string_view key) {
  std::string url = reader.string(key, "");
  if (!url.empty() && !url.starts_with("http://") && !url.starts_with("https://")) {
    reader.error(key, "must be an http:// or https:// URL, got \"" + url + "\"");
  }
  return url;
}

std::string read_template(config::ConfigReader& reader, std::string_view key,
                          std::string_view default_value, NameKind kind) {
  std::string text = reader.string(key, default_value);
  if (auto parsed = NameTemplate::parse(text, kind); !parsed) {
    reader.error(key, parsed.error().message);
    return std::string(default_value);
  }
  return text;
}

}  // namespace

std::vector<std::string> CloudWatchConfig::check_notes() const {
  std::vector<std::string> notes{"AWS credentials: " + aws::describe_credential_source(auth)};
  const auto region = aws::resolve_region_offline(auth, aws::Environment::process());
  notes.push_back("AWS region: " + (region ? region->region + " (" + region->source + ")"
                                           : std::string("from IMDS (if reachable)")));
  return notes;
}

bool valid_retention_days(std::int64_t days) {
  return std::find(kRetentionDays.begin(), kRetentionDays.end(), days) != kRetentionDays.end();
}

std::shared_ptr<const CloudWatchConfig> parse_cloudwatch_config(config::ConfigReader& reader) {
  auto config = std::make_shared<CloudWatchConfig>();
  config->auth = aws::parse_aws_auth_config(reader);
  config->endpoint = read_endpoint(reader, "endpoint");
  config->metrics_endpoint = read_endpoint(reader, "metrics_endpoint");
  config->logs_endpoint = read_endpoint(reader, "logs_endpoint");
  config->timeout =
      reader.duration("timeout", config->timeout, std::chrono::seconds(1), std::chrono::minutes(5));

  const std::string mode =
      reader.one_of("metrics_mode", "put_metric_data", {"put_metric_data", "emf"});
  config->metrics_mode = mode == "emf" ? MetricsMode::kEmf : MetricsMode::kPutMetricData;
  config->namespace_name = reader.string("namespace", config->namespace_name);
  if (auto problem =
          namespace_problem(config->namespace_name, config->metrics_mode == MetricsMode::kEmf);
      !problem.empty()) {
    reader.error("namespace", problem);
  }

  auto& t = config->translation;
  t.host_dimension = reader.string("host_dimension", t.host_dimension);
  if (!t.host_dimension.empty()) {
    if (auto problem = dimension_problem(t.host_dimension); !problem.empty()) {
      reader.error("host_dimension", problem);
    }
  }
  t.dimensions = reader.string_list("dimensions", kDefaultDimensions);
  for (std::size_t i = 0; i < t.dimensions.size(); ++i) {
    if (auto problem = dimension_problem(t.dimensions[i]); !problem.empty()) {
      reader.error("dimensions", i, problem);
    }
  }
  const std::size_t total = t.dimensions.size() + (t.host_dimension.empty() ? 0 : 1);
  if (total > kMaxDimensions) {
    reader.error("dimensions", "at most " + std::to_string(kMaxDimensions) +
                                   " dimensions per metric (host_dimension included), got " +
                                   std::to_string(total));
  }
  t.counter_mode = reader.one_of("counters", "delta", {"delta", "rate"}) == "rate"
                       ? CounterMode::kRate
                       : CounterMode::kDelta;
  t.histogram_mode = reader.one_of("histograms", "values", {"values", "statistics"}) == "statistics"
                         ? HistogramMode::kStatistics
                         : HistogramMode::kValues;
  const std::string resolution =
      reader.one_of("storage_resolution", "auto", {"auto", "standard", "high"});
  t.resolution = resolution == "high"       ? ResolutionMode::kHigh
                 : resolution == "standard" ? ResolutionMode::kStandard
                                            : ResolutionMode::kAuto;
  config->counter_reset_after =
      reader.duration("counter_reset_after", config->counter_reset_after, std::chrono::seconds(1),
                      std::chrono::hours(24 * 14));
  config->gzip = reader.boolean("gzip", config->gzip);

  config->log_group = read_template(reader, "log_group", config->log_group, NameKind::kLogGroup);
  config->log_stream =
      read_template(reader, "log_stream", config->log_stream, NameKind::kLogStream);
  config->log_format = reader.one_of("log_format", "body", {"body", "json"}) == "json"
                           ? LogMessageFormat::kJson
                           : LogMessageFormat::kBody;
  config->create_log_group = reader.boolean("create_log_group", config->create_log_group);
  const std::int64_t retention = reader.integer("retention_days", 0, 0, 3653);
  if (retention != 0 && !valid_retention_days(retention)) {
    reader.error("retention_days",
                 "must be 0 (never expire) or one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, "
                 "365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653");
  }
  config->retention_days = static_cast<int>(retention);
  config->emf_log_group =
      read_template(reader, "emf_log_group", config->emf_log_group, NameKind::kLogGroup);
  config->emf_log_stream =
      read_template(reader, "emf_log_stream", config->emf_log_stream, NameKind::kLogStream);
  return config;
}

}  // namespace vigil::exporters::cloudwatch
