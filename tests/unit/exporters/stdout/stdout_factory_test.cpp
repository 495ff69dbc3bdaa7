#include <unistd.h>

#include <cstdio>

#include <toml++/toml.h>

#include "agent/config/config_reader.h"
#include "tests/unit/exporters/stdout/stdout_test_support.h"

namespace vigil::exporters::stdout_exporter {
namespace {

using namespace vigil::exporters::stdout_exporter::testing;

struct Parsed {
  std::shared_ptr<const StdoutConfig> config;
  std::vector<std::string> errors;
};

Parsed parse(std::string_view toml_text, bool present = true) {
  config::Diagnostics diagnostics;
  auto context = std::make_shared<config::ReaderContext>();
  context->file = "agent.toml";
  context->diagnostics = &diagnostics;
  const toml::table table = toml::parse(toml_text);
  config::ConfigReader reader(context, present ? &table : nullptr, "exporters.stdout");
  auto config = stdout_exporter_factory().parse(reader);
  reader.finish();
  return {std::dynamic_pointer_cast<const StdoutConfig>(config), diagnostics.errors()};
}

TEST(StdoutFactory, KindAndSignals) {
  const auto factory = stdout_exporter_factory();
  EXPECT_EQ(factory.kind, "stdout");
  EXPECT_EQ(factory.accepts, core::SignalSet::all());
}

TEST(StdoutFactory, StreamDefaultsToStdoutAndAcceptsStderr) {
  auto absent = parse("", /*present=*/false);
  ASSERT_NE(absent.config, nullptr);
  EXPECT_TRUE(absent.errors.empty());
  EXPECT_EQ(absent.config->stream, Stream::kStdout);

  auto out = parse(R"(stream = "stdout")");
  ASSERT_NE(out.config, nullptr);
  EXPECT_TRUE(out.errors.empty());
  EXPECT_EQ(out.config->stream, Stream::kStdout);

  auto err = parse(R"(stream = "stderr")");
  ASSERT_NE(err.config, nullptr);
  EXPECT_TRUE(err.errors.empty());
  EXPECT_EQ(err.config->stream, Stream::kStderr);
}

TEST(StdoutFactory, RejectsABadStreamAndUnknownKeys) {
  auto bad = parse(R"(stream = "stdotu")");
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_NE(bad.errors[0].find("agent.toml:1:"), std::string::npos) << bad.errors[0];
  EXPECT_NE(bad.errors[0].find("exporters.stdout.stream"), std::string::npos) << bad.errors[0];
  EXPECT_NE(bad.errors[0].find("stdout"), std::string::npos) << bad.errors[0];
  EXPECT_NE(bad.errors[0].find("stderr"), std::string::npos) << bad.errors[0];

  auto wrong_type = parse("stream = 2");
  EXPECT_EQ(wrong_type.errors.size(), 1u);

  auto unknown = parse(R"(format = "json")");
  ASSERT_EQ(unknown.errors.size(), 1u);
  EXPECT_NE(unknown.errors[0].find("format"), std::string::npos) << unknown.errors[0];
}

// The factory's exporter writes to the configured stream: stderr is redirected into a pipe for
// the duration of one send.
TEST(StdoutFactory, CreatedExporterWritesToTheConfiguredStream) {
  auto parsed = parse(R"(stream = "stderr")");
  ASSERT_NE(parsed.config, nullptr);
  app::ExporterSpec spec;
  spec.identity = {"stdout", "stdout", "stdout", "exporters.stdout"};
  spec.signals = core::SignalSet::all();
  spec.config = parsed.config;
  app::ComponentContext context;  // no loop: the exporter works on the calling thread
  auto exporter = stdout_exporter_factory().create(spec, context);
  ASSERT_TRUE(exporter.has_value()) << exporter.error().message;

  opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest request;
  request.add_resource_logs()
      ->add_scope_logs()
      ->add_log_records()
      ->mutable_body()
      ->set_string_value("to stderr");
  const auto batch = make_batch(core::Signal::kLogs, request, 1);

  Pipe pipe;
  std::fflush(stderr);
  const int saved = ::dup(STDERR_FILENO);
  ASSERT_GE(saved, 0);
  ASSERT_GE(::dup2(pipe.write_fd(), STDERR_FILENO), 0);
  std::optional<core::SendResult> result;
  (*exporter)->send(batch, [&result](core::SendResult r) { result = std::move(r); });
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);

  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, core::SendResult::Status::kOk);
  EXPECT_EQ(
      pipe.drain(),
      R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"to stderr"}}]}]}]})"
      "\n");
}

TEST(StdoutFactory, CreateRejectsAnotherKindsConfig) {
  app::ExporterSpec spec;
  spec.identity = {"stdout", "x", "stdout/x", "exporters.stdout[0]"};
  spec.config = std::make_shared<app::ComponentConfig>();
  auto exporter = stdout_exporter_factory().create(spec, app::ComponentContext{});
  ASSERT_FALSE(exporter.has_value());
  EXPECT_EQ(exporter.error().message, "stdout/x: not a stdout config");
}

}  // namespace
}  // namespace vigil::exporters::stdout_exporter
