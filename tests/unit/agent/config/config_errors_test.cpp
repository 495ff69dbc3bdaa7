// Every bad configuration below must fail with exactly the message shown: file, line and
// column, key path and text. The messages are the user interface of `vigil check`.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "agent/config/config_loader.h"
#include "tests/unit/agent/config/test_registry.h"

namespace vigil::config {
namespace {

struct BadConfig {
  std::string name;
  std::string text;
  std::string message;
};

std::ostream& operator<<(std::ostream& out, const BadConfig& c) { return out << c.name; }

class BadConfigTest : public ::testing::TestWithParam<BadConfig> {};

TEST_P(BadConfigTest, FailsWithTheExactMessage) {
  const auto registry = test::test_registry();
  LoadOptions options;
  options.system_hostname = "test-host";
  options.env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "PRESENT") return "present";
    return std::nullopt;
  };
  auto loaded = load_config_text(GetParam().text, "agent.toml", registry, options);
  ASSERT_FALSE(loaded.has_value()) << "loaded without error:\n" << GetParam().text;
  EXPECT_EQ(loaded.error().message, GetParam().message) << GetParam().text;
}

const BadConfig kBadConfigs[] = {
    // Wrong types, one per getter kind.
    {"string_type", "[agent]\nhostname = 10\n[exporters.stdout]\n",
     "agent.toml:2:12: agent.hostname: expected a string, got 10"},
    {"string_type_date", "[agent]\nhostname = 1979-05-27\n[exporters.stdout]\n",
     "agent.toml:2:12: agent.hostname: expected a string, got the date 1979-05-27"},
    {"boolean_type", "[agent.api]\nenabled = \"yes\"\n[exporters.stdout]\n",
     "agent.toml:2:11: agent.api.enabled: expected a boolean (true or false), got \"yes\""},
    {"integer_type", "[exporters.stdout]\nconcurrency = 1.5\n",
     "agent.toml:2:15: exporters.stdout.concurrency: expected an integer, got 1.5"},
    {"number_type", "[exporters.stdout.retry]\nmultiplier = \"2\"\n",
     "agent.toml:2:14: exporters.stdout.retry.multiplier: expected a number, got \"2\""},
    {"duration_type", "[[exporters.otlp]]\nendpoint = \"http://127.0.0.1:4318\"\ntimeout = 10\n",
     "agent.toml:3:11: exporters.otlp[0].timeout: expected a duration like \"10s\", got 10"},
    {"size_type", "[buffer]\nmax_memory = true\n[exporters.stdout]\n",
     "agent.toml:2:14: buffer.max_memory: expected a size like \"64MiB\" or an integer of bytes, "
     "got true"},
    {"one_of_type", "[agent]\nlog_format = 1\n[exporters.stdout]\n",
     "agent.toml:2:14: agent.log_format: expected one of \"text\", \"json\", got 1"},
    {"string_list_type", "[exporters.stdout]\nfrom = \"host\"\n",
     "agent.toml:2:8: exporters.stdout.from: expected an array of strings, got \"host\""},
    {"string_list_element_type", "[collectors.host]\n[exporters.stdout]\nfrom = [\"host\", 3]\n",
     "agent.toml:3:17: exporters.stdout.from[1]: expected a string, got 3"},
    {"string_map_type", "[agent]\nresource = [\"a\"]\n[exporters.stdout]\n",
     "agent.toml:2:12: agent.resource: expected a table of strings, got an array"},
    {"string_map_value_type", "[agent.resource]\nenv = 1\n[exporters.stdout]\n",
     "agent.toml:2:7: agent.resource.env: expected a string, got 1"},
    {"secret_map_value_hidden",
     "[exporters.otlp]\nendpoint = \"http://h:1\"\nheaders.Authorization = 12345\n",
     "agent.toml:3:25: exporters.otlp.headers.Authorization: expected a string, got an integer"},
    {"secret_string_hidden", "[exporters.otlp]\nendpoint = \"http://h:1\"\napi_key = 12345\n",
     "agent.toml:3:11: exporters.otlp.api_key: expected a string, got an integer"},
    {"table_type", "[agent]\napi = 1\n[exporters.stdout]\n",
     "agent.toml:2:7: agent.api: expected a table, got 1"},
    {"component_type", "[exporters]\nstdout = 1\n",
     "agent.toml:2:10: exporters.stdout: expected a table or an array of tables, got 1"},
    {"component_array_element_type", "[exporters]\nstdout = [1]\n",
     "agent.toml:2:11: exporters.stdout[0]: expected a table, got 1"},
    {"signals_type", "[exporters.stdout]\nsignals = \"logs\"\n",
     "agent.toml:2:11: exporters.stdout.signals: expected an array of signals like "
     "[\"metrics\", \"logs\"], got \"logs\""},
    {"listen_type", "[agent.api]\nlisten = 8686\n[exporters.stdout]\n",
     "agent.toml:2:10: agent.api.listen: expected an address like \"127.0.0.1:4318\", got 8686"},

    // Bad values.
    {"duration_spaces", "[agent]\nshutdown_timeout = \"10 s\"\n[exporters.stdout]\n",
     "agent.toml:2:20: agent.shutdown_timeout: invalid duration \"10 s\": spaces are not allowed"},
    {"duration_unit", "[agent]\nshutdown_timeout = \"5min\"\n[exporters.stdout]\n",
     "agent.toml:2:20: agent.shutdown_timeout: invalid duration \"5min\": unknown unit \"min\" "
     "(expected ns, us, ms, s, m or h)"},
    {"duration_bare_number", "[exporters.stdout.retry]\nmax_interval = \"30\"\n",
     "agent.toml:2:16: exporters.stdout.retry.max_interval: invalid duration \"30\": missing a "
     "unit after \"30\" (ns, us, ms, s, m or h), e.g. \"30s\""},
    {"duration_negative", "[exporters.stdout.retry]\nmax_elapsed_time = \"-5s\"\n",
     "agent.toml:2:20: exporters.stdout.retry.max_elapsed_time: invalid duration \"-5s\": "
     "negative values are not allowed"},
    {"size_ambiguous", "[buffer]\nmax_memory = \"64M\"\n[exporters.stdout]\n",
     "agent.toml:2:14: buffer.max_memory: invalid size \"64M\": ambiguous unit \"M\": write "
     "\"MiB\" (1048576 bytes) or \"MB\" (1000000 bytes)"},
    {"size_negative", "[buffer]\nmax_memory = -1\n[exporters.stdout]\n",
     "agent.toml:2:14: buffer.max_memory: must not be negative, got -1"},
    {"one_of_suggestion", "[agent]\nlog_level = \"inf\"\n[exporters.stdout]\n",
     "agent.toml:2:13: agent.log_level: expected one of \"debug\", \"info\", \"warn\", \"error\", "
     "got \"inf\"; did you mean \"info\"?"},
    {"one_of_in_component", "[exporters.stdout]\nstream = \"stdot\"\n",
     "agent.toml:2:10: exporters.stdout.stream: expected one of \"stdout\", \"stderr\", got "
     "\"stdot\"; did you mean \"stdout\"?"},
    {"one_of_no_suggestion", "[exporters.stdout]\nstream = \"stdin\"\n",
     "agent.toml:2:10: exporters.stdout.stream: expected one of \"stdout\", \"stderr\", got "
     "\"stdin\""},
    {"data_dir_relative", "[agent]\ndata_dir = \"var/lib/vigil\"\n[exporters.stdout]\n",
     "agent.toml:2:12: agent.data_dir: must be an absolute path, got \"var/lib/vigil\""},
    {"required_empty", "[exporters.otlp]\nendpoint = \"\"\n",
     "agent.toml:2:12: exporters.otlp.endpoint: must not be empty"},
    {"buffer_disk", "[buffer]\ntype = \"disk\"\n[exporters.stdout]\n",
     "agent.toml:2:8: buffer.type: \"disk\" is not available in this build yet (the disk queue "
     "is not implemented); use \"memory\""},
    {"buffer_type_unknown", "[exporters.stdout.buffer]\ntype = \"ram\"\n",
     "agent.toml:2:8: exporters.stdout.buffer.type: expected one of \"memory\", \"disk\", got "
     "\"ram\""},
    {"retry_initial_above_max",
     "[exporters.stdout.retry]\ninitial_interval = \"1m\"\nmax_interval = \"30s\"\n",
     "agent.toml:2:20: exporters.stdout.retry.initial_interval: must not exceed max_interval "
     "(30s), got 1m"},

    // Out of range.
    {"integer_range", "[exporters.stdout]\nconcurrency = 100\n",
     "agent.toml:2:15: exporters.stdout.concurrency: must be between 1 and 64, got 100"},
    {"integer_range_in_component",
     "[exporters.prometheus_remote_write]\nendpoint = \"http://h:1\"\nmax_samples = 0\n",
     "agent.toml:3:15: exporters.prometheus_remote_write.max_samples: must be between 1 and "
     "100000, got 0"},
    {"number_range", "[exporters.stdout.retry]\nmultiplier = 20.0\n",
     "agent.toml:2:14: exporters.stdout.retry.multiplier: must be between 1 and 10, got 20.0"},
    {"number_nan", "[exporters.stdout.retry]\nmultiplier = nan\n",
     "agent.toml:2:14: exporters.stdout.retry.multiplier: must be between 1 and 10, got nan"},
    {"duration_range", "[agent]\nshutdown_timeout = \"20m\"\n[exporters.stdout]\n",
     "agent.toml:2:20: agent.shutdown_timeout: must be between 1s and 10m, got 20m"},
    {"duration_range_in_component", "[collectors.host]\ninterval = \"500ms\"\n[exporters.stdout]\n",
     "agent.toml:2:12: collectors.host.interval: must be between 1s and 1h, got 500ms"},
    {"size_range", "[buffer]\nmax_memory = 1024\n[exporters.stdout]\n",
     "agent.toml:2:14: buffer.max_memory: must be at least 64KiB, got 1KiB"},
    {"size_range_in_component",
     "[collectors.otlp]\nmax_request_size = \"1GiB\"\n[exporters.stdout]\n",
     "agent.toml:2:20: collectors.otlp.max_request_size: must be between 1KiB and 64MiB, got "
     "1GiB"},

    // Unknown keys.
    {"unknown_top_level_suggestion", "[exporter.stdout]\n[exporters.stdout]\n",
     "agent.toml:1:2: exporter: unknown key; did you mean \"exporters\"?"},
    {"unknown_top_level_no_suggestion", "zzz = 1\n[exporters.stdout]\n",
     "agent.toml:1:1: zzz: unknown key (known keys: agent, buffer, collectors, exporters)"},
    {"unknown_agent_key", "[agent]\ndata_dir = \"/x\"\nhostnme = \"h\"\n[exporters.stdout]\n",
     "agent.toml:3:1: agent.hostnme: unknown key; did you mean \"hostname\"?"},
    {"unknown_agent_key_no_suggestion", "[agent]\ncolour = \"blue\"\n[exporters.stdout]\n",
     "agent.toml:2:1: agent.colour: unknown key (known keys: api, data_dir, hostname, "
     "log_format, log_level, resource, shutdown_timeout)"},
    {"unknown_component_key",
     "[[exporters.otlp]]\nendpoint = \"http://h:1\"\ncompresion = \"gzip\"\n",
     "agent.toml:3:1: exporters.otlp[0].compresion: unknown key; did you mean \"compression\"?"},
    {"unknown_component_key_no_suggestion", "[exporters.stdout]\ncolour = 1\n",
     "agent.toml:2:1: exporters.stdout.colour: unknown key (known keys: buffer, concurrency, "
     "from, name, retry, signals, stream)"},
    {"unknown_nested_key", "[exporters.stdout.retry]\nmax_intervall = \"1s\"\n",
     "agent.toml:2:1: exporters.stdout.retry.max_intervall: unknown key; did you mean "
     "\"max_interval\"?"},

    // Component kinds, names and references.
    {"unknown_collector_kind", "[collectors.hots]\n[exporters.stdout]\n",
     "agent.toml:1:13: collectors.hots: unknown collector kind; did you mean \"host\"? (known "
     "kinds: host, tail, otlp)"},
    {"unknown_exporter_kind", "[exporters.kafka]\n",
     "agent.toml:1:12: exporters.kafka: unknown exporter kind (known kinds: otlp, stdout, "
     "prometheus, prometheus_remote_write)"},
    {"unknown_exporter_kind_array", "[[exporters.promethus]]\n",
     "agent.toml:1:13: exporters.promethus: unknown exporter kind; did you mean \"prometheus\"? "
     "(known kinds: otlp, stdout, prometheus, prometheus_remote_write)"},
    {"duplicate_names",
     "[[exporters.stdout]]\nname = \"a\"\n[[exporters.stdout]]\nname = \"b\"\n"
     "[[exporters.stdout]]\nname = \"a\"\n",
     "agent.toml:6:8: exporters.stdout[2].name: duplicate name \"a\" (already used by "
     "exporters.stdout[0] at agent.toml:2:8); give each instance of a kind its own name"},
    {"duplicate_default_names",
     "[[collectors.tail]]\npath = \"/a\"\n[[collectors.tail]]\npath = \"/b\"\n[exporters.stdout]\n",
     "agent.toml:3:1: collectors.tail[1].name: duplicate name \"tail\" (already used by "
     "collectors.tail[0] at agent.toml:1:1); give each instance of a kind its own name"},
    {"invalid_name", "[[exporters.stdout]]\nname = \"my exporter\"\n",
     "agent.toml:2:8: exporters.stdout[0].name: invalid name \"my exporter\": use letters, "
     "digits, \"_\", \".\" and \"-\""},
    {"from_unknown_with_suggestion",
     "[collectors.host]\n[[collectors.tail]]\nname = \"app\"\npath = \"/a\"\n"
     "[exporters.stdout]\nfrom = [\"tail/app\", \"hots\"]\n",
     "agent.toml:6:21: exporters.stdout.from[1]: unknown collector \"hots\"; did you mean "
     "\"host\"? (configured collectors: host, tail/app)"},
    {"from_without_collectors", "[exporters.stdout]\nfrom = [\"host\"]\n",
     "agent.toml:2:9: exporters.stdout.from[0]: unknown collector \"host\" (no collectors are "
     "configured)"},
    {"from_twice", "[collectors.host]\n[exporters.stdout]\nfrom = [\"host\", \"host\"]\n",
     "agent.toml:3:17: exporters.stdout.from[1]: \"host\" is listed twice"},
    {"signals_not_accepted",
     "[exporters.prometheus]\nsignals = [\"metrics\", \"traces\", \"logs\"]\n",
     "agent.toml:2:11: exporters.prometheus.signals: exporter kind \"prometheus\" cannot export "
     "logs or traces (it accepts metrics)"},
    {"signals_unknown", "[exporters.stdout]\nsignals = [\"metric\"]\n",
     "agent.toml:2:12: exporters.stdout.signals[0]: unknown signal \"metric\"; did you mean "
     "\"metrics\"?"},
    {"signals_unknown_no_suggestion", "[exporters.stdout]\nsignals = [\"events\"]\n",
     "agent.toml:2:12: exporters.stdout.signals[0]: unknown signal \"events\" (expected "
     "\"metrics\", \"logs\" or \"traces\")"},
    {"signals_empty", "[exporters.stdout]\nsignals = []\n",
     "agent.toml:2:11: exporters.stdout.signals: must list at least one of \"metrics\", "
     "\"logs\", \"traces\""},
    {"signals_twice", "[exporters.stdout]\nsignals = [\"logs\", \"logs\"]\n",
     "agent.toml:2:20: exporters.stdout.signals[1]: \"logs\" is listed twice"},
    {"listen_port_range", "[exporters.prometheus]\nlisten = \"0.0.0.0:99999\"\n",
     "agent.toml:2:10: exporters.prometheus.listen: expected an address like "
     "\"127.0.0.1:4318\", got \"0.0.0.0:99999\": port out of range (0-65535)"},
    {"listen_no_port", "[agent.api]\nlisten = \"localhost\"\n[exporters.stdout]\n",
     "agent.toml:2:10: agent.api.listen: expected an address like \"127.0.0.1:4318\", got "
     "\"localhost\": missing \":PORT\""},
    {"listen_hostname",
     "[collectors.otlp]\ngrpc_listen = \"example.com:4317\"\n[exporters.stdout]\n",
     "agent.toml:2:15: collectors.otlp.grpc_listen: expected an address like \"127.0.0.1:4318\", "
     "got \"example.com:4317\": host \"example.com\" is not a numeric IPv4 address or "
     "\"localhost\""},

    // Missing things.
    {"missing_required_key", "[exporters.otlp]\ncompression = \"zstd\"\n",
     "agent.toml:1:1: exporters.otlp.endpoint: missing required key (a string)"},
    {"missing_required_key_array",
     "[exporters.stdout]\n\n[[exporters.prometheus_remote_write]]\nname = \"a\"\n",
     "agent.toml:3:1: exporters.prometheus_remote_write[0].endpoint: missing required key (a "
     "string)"},
    {"no_exporter", "[agent]\nlog_level = \"info\"\n",
     "agent.toml:1:1: exporters: at least one exporter is required (known kinds: otlp, stdout, "
     "prometheus, prometheus_remote_write)"},
    {"no_exporter_empty_section", "[agent]\n[exporters]\n",
     "agent.toml:2:1: exporters: at least one exporter is required (known kinds: otlp, stdout, "
     "prometheus, prometheus_remote_write)"},
    {"missing_env", "[agent]\nhostname = \"${HOSTNAME_X}\"\n[exporters.stdout]\n",
     "agent.toml:2:13: environment variable \"HOSTNAME_X\" is not set (use ${HOSTNAME_X:-default} "
     "for a default)"},
    {"malformed_env", "[agent]\nhostname = \"${PRESENT\"\n[exporters.stdout]\n",
     "agent.toml:2:13: unterminated variable reference \"${PRESENT\\\"\": missing \"}\""},

    // Syntax errors.
    {"syntax_unclosed_header", "[agent\nhostname = \"x\"\n",
     "agent.toml:1:7: syntax error: Error while parsing table header: expected ']', saw '\\n'"},
    {"syntax_missing_value", "[agent]\nhostname =\n",
     "agent.toml:2:11: syntax error: Error while parsing key-value pair: expected value, saw "
     "'\\n'"},
    {"syntax_duplicate_key", "[agent]\nhostname = \"a\"\nhostname = \"b\"\n",
     "agent.toml:3:12: syntax error: Error while parsing key-value pair: cannot redefine "
     "existing string 'hostname'"},
    // toml++ itself would reach undefined behaviour on this one (found by fuzz_config).
    {"syntax_non_ascii_bare_key", "[agent]\nhostname = \"\xCF\xBE\"\n[ag\xCF\xBE]\n",
     "agent.toml:3:4: syntax error: a non-ASCII character outside a string or comment (TOML "
     "allows them only in quoted strings and comments)"},

    // Several errors at once, reported in file order whatever order the sections are read in.
    {"several_in_file_order",
     "[exporters.stdout]\nconcurrency = 0\n[agent]\nlog_level = \"loud\"\n[buffer]\nwhen_full = "
     "\"wait\"\n",
     "agent.toml:2:15: exporters.stdout.concurrency: must be between 1 and 64, got 0\n"
     "agent.toml:4:13: agent.log_level: expected one of \"debug\", \"info\", \"warn\", \"error\", "
     "got \"loud\"\n"
     "agent.toml:6:13: buffer.when_full: expected one of \"block\", \"drop_newest\", "
     "\"drop_oldest\", got \"wait\""},
    {"unknown_key_and_no_exporter", "[exporter.stdout]\n",
     "agent.toml:1:1: exporters: at least one exporter is required (known kinds: otlp, stdout, "
     "prometheus, prometheus_remote_write)\n"
     "agent.toml:1:2: exporter: unknown key; did you mean \"exporters\"?"},
};

INSTANTIATE_TEST_SUITE_P(Config, BadConfigTest, ::testing::ValuesIn(kBadConfigs),
                         [](const ::testing::TestParamInfo<BadConfig>& info) {
                           return info.param.name;
                         });

TEST(BadConfigTable, HasAtLeastThirtyCases) { EXPECT_GE(std::size(kBadConfigs), 30u); }

}  // namespace
}  // namespace vigil::config
