#include "exporters/cloudwatch/name_template.h"

#include <gtest/gtest.h>

#include "exporters/cloudwatch/log_translation.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"

namespace vigil::exporters::cloudwatch {
namespace {

KeyValues attrs(std::vector<std::pair<std::string, std::string>> pairs) {
  KeyValues out;
  for (auto& [k, v] : pairs) {
    auto* kv = out.Add();
    kv->set_key(k);
    kv->mutable_value()->set_string_value(v);
  }
  return out;
}

TEST(NameTemplate, ExpandsHostFileAndAttributes) {
  auto t = NameTemplate::parse("/app/{service.name}/{deployment.environment}", NameKind::kLogGroup);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->expand(attrs({{"service.name", "api"}, {"deployment.environment", "prod"}}), {}),
            "/app/api/prod");
  EXPECT_EQ(t->expand(attrs({{"service.name", "api"}}), {}), "/app/api/unknown");

  auto s = NameTemplate::parse("{host}/{file}", NameKind::kLogStream);
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->uses_record());
  EXPECT_EQ(
      s->expand(attrs({{"host.name", "web-1"}}), attrs({{"log.file.path", "/var/log/a:b*.log"}})),
      "web-1//var/log/a_b_.log");
  EXPECT_EQ(s->expand(attrs({{"host.name", "web-1"}}), attrs({{"log.file.name", "x.log"}})),
            "web-1/x.log");
  auto host_only = NameTemplate::parse("{host}", NameKind::kLogStream);
  EXPECT_FALSE(host_only->uses_record());
}

TEST(NameTemplate, GroupNamesKeepOnlyAllowedCharacters) {
  auto t = NameTemplate::parse("/logs/{service.name}", NameKind::kLogGroup);
  EXPECT_EQ(t->expand(attrs({{"service.name", "my app:v1 \xc3\xa9"}}), {}), "/logs/my_app_v1___");
  EXPECT_EQ(sanitize_log_name(std::string(600, 'a'), NameKind::kLogGroup).size(), 512u);
}

TEST(NameTemplate, RejectsBadTemplates) {
  EXPECT_FALSE(NameTemplate::parse("", NameKind::kLogGroup).has_value());
  EXPECT_FALSE(NameTemplate::parse("/a/{host", NameKind::kLogGroup).has_value());
  EXPECT_FALSE(NameTemplate::parse("/a/host}", NameKind::kLogGroup).has_value());
  EXPECT_FALSE(NameTemplate::parse("/a/{}", NameKind::kLogGroup).has_value());
  EXPECT_FALSE(NameTemplate::parse("/a b/{host}", NameKind::kLogGroup).has_value());
  EXPECT_FALSE(NameTemplate::parse("x:{host}", NameKind::kLogStream).has_value());
  EXPECT_TRUE(NameTemplate::parse("x y/{host}", NameKind::kLogStream).has_value());
}

TEST(LogTranslation, SplitsByStreamAndPicksTimeAndMessage) {
  opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest request;
  auto* rl = request.add_resource_logs();
  *rl->mutable_resource()->mutable_attributes() = attrs({{"host.name", "h"}});
  auto* sl = rl->add_scope_logs();
  auto* a = sl->add_log_records();
  a->set_time_unix_nano(5'000'000'000);
  a->mutable_body()->set_string_value("first");
  *a->mutable_attributes() = attrs({{"log.file.path", "/a.log"}});
  auto* b = sl->add_log_records();
  b->set_observed_time_unix_nano(7'000'000'000);
  auto* kv = b->mutable_body()->mutable_kvlist_value()->add_values();
  kv->set_key("k");
  kv->mutable_value()->set_int_value(3);
  *b->mutable_attributes() = attrs({{"log.file.path", "/b.log"}});
  auto* c = sl->add_log_records();
  c->mutable_body()->set_string_value("third");
  c->set_severity_text("WARN");
  *c->mutable_attributes() = attrs({{"log.file.path", "/a.log"}});

  auto group = NameTemplate::parse("/g", NameKind::kLogGroup);
  auto stream = NameTemplate::parse("{host}{file}", NameKind::kLogStream);
  auto out = translate_logs(request.SerializeAsString(), *group, *stream, LogMessageFormat::kBody,
                            9'000'000'000);
  ASSERT_TRUE(out.has_value());
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].stream, "h/a.log");
  ASSERT_EQ((*out)[0].events.size(), 2u);
  EXPECT_EQ((*out)[0].events[0].timestamp_ms, 5000);
  EXPECT_EQ((*out)[0].events[0].message, "first");
  EXPECT_EQ((*out)[0].events[1].timestamp_ms, 9000);  // neither time: now
  EXPECT_EQ((*out)[1].stream, "h/b.log");
  EXPECT_EQ((*out)[1].events[0].timestamp_ms, 7000);  // observed time
  EXPECT_EQ((*out)[1].events[0].message, R"({"k":3})");

  auto json = translate_logs(request.SerializeAsString(), *group, *stream, LogMessageFormat::kJson,
                             9'000'000'000);
  EXPECT_EQ((*json)[0].events[1].message,
            R"({"body":"third","severity":"WARN","attributes":{"log.file.path":"/a.log"}})");
  EXPECT_FALSE(translate_logs("\xff", *group, *stream, LogMessageFormat::kBody, 0).has_value());
}

}  // namespace
}  // namespace vigil::exporters::cloudwatch
