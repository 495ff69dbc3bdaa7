#include "agent/config/config_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace vigil::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A parsed document and a reader over it, as the loader sets them up.
class ReaderTest : public ::testing::Test {
 protected:
  ConfigReader& load(std::string_view text, std::vector<SubstitutedSpan> spans = {}) {
    document_ = toml::parse(text, std::string_view("agent.toml"));
    context_ = std::make_shared<ReaderContext>();
    context_->file = "agent.toml";
    context_->diagnostics = &diagnostics_;
    context_->substituted = std::move(spans);
    reader_ = std::make_unique<ConfigReader>(context_, &document_, "");
    return *reader_;
  }

  std::string effective() {
    std::ostringstream out;
    out << toml::toml_formatter(reader_->effective(), toml::format_flags::none);
    return out.str();
  }

  toml::table document_;
  Diagnostics diagnostics_;
  std::shared_ptr<ReaderContext> context_;
  std::unique_ptr<ConfigReader> reader_;
};

TEST_F(ReaderTest, GettersReturnValuesAndRecordEffective) {
  auto& root = load(R"(
name = "vigil"
on = false
count = 7
ratio = 2
wait = "90s"
cap = "2GB"
raw_cap = 4096
mode = "json"
list = ["a", "b"]
signals = ["traces", "metrics"]
listen = "[::1]:8080"
[labels]
team = "sre"
)");
  EXPECT_EQ(root.string("name", "x"), "vigil");
  EXPECT_EQ(root.boolean("on", true), false);
  EXPECT_EQ(root.integer("count", 1, 0, 10), 7);
  EXPECT_EQ(root.number("ratio", 1.0, 1.0, 10.0), 2.0);
  EXPECT_EQ(root.duration("wait", std::chrono::seconds(1)), std::chrono::seconds(90));
  EXPECT_EQ(root.size("cap", 0), 2'000'000'000u);
  EXPECT_EQ(root.size("raw_cap", 0), 4096u);
  EXPECT_EQ(root.one_of("mode", "text", {"text", "json"}), "json");
  EXPECT_THAT(root.string_list("list", {}), ElementsAre("a", "b"));
  core::SignalSet expected;
  expected.add(core::Signal::kMetrics);
  expected.add(core::Signal::kTraces);
  EXPECT_EQ(root.signals("signals", core::SignalSet::all()), expected);
  EXPECT_EQ(root.listen_address("listen", ":1"), "[::1]:8080");
  auto labels = root.string_map("labels");
  EXPECT_EQ(labels.at("team"), "sre");
  root.finish();
  EXPECT_THAT(diagnostics_.errors(), IsEmpty());
  EXPECT_EQ(effective(),
            "cap = \"2GB\"\n"
            "count = 7\n"
            "list = [ \"a\", \"b\" ]\n"
            "listen = \"[::1]:8080\"\n"
            "mode = \"json\"\n"
            "name = \"vigil\"\n"
            "on = false\n"
            "ratio = 2.0\n"
            "raw_cap = \"4KiB\"\n"
            "signals = [ \"metrics\", \"traces\" ]\n"
            "wait = \"1m30s\"\n"
            "\n"
            "[labels]\n"
            "team = \"sre\"");
}

TEST_F(ReaderTest, AbsentTablesYieldDefaultsAndEffectiveShowsThem) {
  auto& root = load("");
  auto& section = root.table("section");
  EXPECT_FALSE(section.present());
  EXPECT_EQ(section.key_path(), "section");
  EXPECT_EQ(section.string("s", "def"), "def");
  EXPECT_EQ(section.duration("d", std::chrono::milliseconds(1500)),
            std::chrono::milliseconds(1500));
  EXPECT_EQ(section.size("z", 64ull << 20), 64ull << 20);
  EXPECT_TRUE(section.table_or_array("kind").empty());
  root.finish();
  EXPECT_THAT(diagnostics_.errors(), IsEmpty());
  EXPECT_EQ(effective(), "[section]\nd = \"1s500ms\"\ns = \"def\"\nz = \"64MiB\"");
}

TEST_F(ReaderTest, ErrorsNameFileLineColumnAndKeyPathAndGettersFallBack) {
  auto& root = load("[a]\nx = \"10\"\ny = 3\n");
  auto& a = root.table("a");
  EXPECT_EQ(a.integer("x", 5, 0, 10), 5);
  EXPECT_EQ(a.string("y", "d"), "d");
  root.finish();
  EXPECT_THAT(diagnostics_.errors(),
              ElementsAre("agent.toml:2:5: a.x: expected an integer, got \"10\"",
                          "agent.toml:3:5: a.y: expected a string, got 3"));
}

TEST_F(ReaderTest, UnknownKeysAreReportedAtTheKeyWithSuggestions) {
  auto& root = load("[agent]\nhostnme = \"x\"\nzzz = 1\n[other]\nq = 1\n");
  auto& agent = root.table("agent");
  agent.string("hostname", "h");
  agent.string("data_dir", "/d");
  auto& other = root.table("other");
  (void)other;
  root.finish();
  EXPECT_THAT(diagnostics_.errors(),
              ElementsAre("agent.toml:2:1: agent.hostnme: unknown key; did you mean \"hostname\"?",
                          "agent.toml:3:1: agent.zzz: unknown key (known keys: data_dir, hostname)",
                          "agent.toml:5:1: other.q: unknown key (this table takes no keys)"));
}

TEST_F(ReaderTest, KeysComeInFileOrder) {
  auto& root = load("[z]\n[a]\n[m]\n");
  EXPECT_THAT(root.keys(), ElementsAre("z", "a", "m"));
}

TEST_F(ReaderTest, QuotedKeysAreQuotedInKeyPaths) {
  auto& root = load("[agent.resource]\n\"service.name\" = 1\n");
  root.table("agent").string_map("resource");
  root.finish();
  EXPECT_THAT(diagnostics_.errors(),
              ElementsAre("agent.toml:2:18: agent.resource.\"service.name\": expected a string, "
                          "got 1"));
}

TEST_F(ReaderTest, TableOrArrayAcceptsBothForms) {
  auto& root = load("[x.one]\na = 1\n[[x.many]]\na = 2\n[[x.many]]\na = 3\n");
  auto& x = root.table("x");
  auto one = x.table_or_array("one");
  auto many = x.table_or_array("many");
  ASSERT_EQ(one.size(), 1u);
  ASSERT_EQ(many.size(), 2u);
  EXPECT_EQ(one[0]->key_path(), "x.one");
  EXPECT_EQ(many[1]->key_path(), "x.many[1]");
  EXPECT_EQ(many[1]->integer("a", 0, 0, 9), 3);
  // Asking again hands out the same readers.
  EXPECT_EQ(x.table_or_array("many")[1], many[1]);
  for (auto* r : one) r->integer("a", 0, 0, 9);
  many[0]->integer("a", 0, 0, 9);
  root.finish();
  EXPECT_THAT(diagnostics_.errors(), IsEmpty());
  // toml++ prints plain tables before arrays of tables.
  EXPECT_EQ(effective(), "[x.one]\na = 1\n\n[[x.many]]\na = 2\n\n[[x.many]]\na = 3");
}

TEST_F(ReaderTest, LocationsAreRecordedForKeysRead) {
  auto& root = load("[agent.api]\nlisten = \"127.0.0.1:1\"\n");
  root.table("agent").table("api").listen_address("listen", ":2");
  EXPECT_EQ(context_->locations.at("agent.api.listen"), "agent.toml:2:10");
  EXPECT_EQ(root.table("agent").table("api").location_of("listen"), "agent.toml:2:10");
  EXPECT_EQ(root.table("agent").table("api").location_of("absent"), "agent.toml:1:1");
}

TEST_F(ReaderTest, AbsentNestedTablesPointErrorsAtTheirClosestParent) {
  auto& root = load("x = 1\n[outer]\ny = 2\n");
  auto& inner = root.table("outer").table("inner");
  inner.required_string("needed");
  root.finish();
  EXPECT_THAT(diagnostics_.errors(),
              ElementsAre("agent.toml:1:1: x: unknown key (known keys: outer)",
                          "agent.toml:2:1: outer.inner.needed: missing required key (a string)",
                          "agent.toml:3:1: outer.y: unknown key (known keys: inner)"));
}

TEST_F(ReaderTest, ElementErrorsPointAtTheElement) {
  auto& root = load("from = [\"a\", \"b\"]\n");
  root.string_list("from", {});
  root.error("from", 1, "unknown collector \"b\"");
  EXPECT_THAT(diagnostics_.errors(),
              ElementsAre("agent.toml:1:14: from[1]: unknown collector \"b\""));
}

TEST_F(ReaderTest, SecretsAreRedactedButEmptySecretsAreShown) {
  auto& root =
      load("token = \"s3cr3t\"\n[headers]\nAuthorization = \"Bearer s3cr3t\"\nX-Trace = \"on\"\n");
  EXPECT_EQ(root.secret_string("token", ""), "s3cr3t");
  EXPECT_EQ(root.secret_string("other", ""), "");
  auto headers = root.string_map("headers", {"authorization"});
  EXPECT_EQ(headers.at("Authorization"), "Bearer s3cr3t");
  root.finish();
  const std::string text = effective();
  EXPECT_EQ(text.find("s3cr3t"), std::string::npos) << text;
  EXPECT_EQ(text,
            "other = \"\"\ntoken = \"<redacted>\"\n\n[headers]\nAuthorization = \"<redacted>\"\n"
            "X-Trace = \"on\"");
}

TEST_F(ReaderTest, SecretValuesAreNotShownInTypeErrors) {
  auto& root = load("token = 12345\n[headers]\nauthorization = 999\n");
  root.secret_string("token", "");
  root.string_map("headers", {"Authorization"});
  EXPECT_THAT(diagnostics_.errors(),
              ElementsAre("agent.toml:1:9: token: expected a string, got an integer",
                          "agent.toml:3:17: headers.authorization: expected a string, got an "
                          "integer"));
}

TEST_F(ReaderTest, ValuesOverlappingSubstitutedSpansAreRedacted) {
  // As substitute_env would leave `a = "xy${V}"`, `n = ${N}`, `l = ["p", "${Q}"]`.
  auto& root = load("a = \"xyab\"\nn = 42\nl = [\"p\", \"q\"]\nplain = \"ab\"\ne = \"\"\n",
                    {{1, 8, 9}, {2, 5, 6}, {3, 12, 12}, {5, 6, 5}});
  EXPECT_EQ(root.string("a", ""), "xyab");
  EXPECT_EQ(root.integer("n", 0, 0, 100), 42);
  EXPECT_THAT(root.string_list("l", {}), ElementsAre("p", "q"));
  EXPECT_EQ(root.string("plain", ""), "ab");
  EXPECT_EQ(root.string("e", "x"), "");
  root.finish();
  EXPECT_EQ(effective(),
            "a = \"<redacted>\"\ne = \"<redacted>\"\nl = [ \"p\", \"<redacted>\" ]\n"
            "n = \"<redacted>\"\nplain = \"ab\"");
}

TEST_F(ReaderTest, WrongTypeForTablesAndComponentSections) {
  auto& root = load("api = 1\nkinds = 2\narr = [1, {a = 1}]\n");
  root.table("api");
  root.table_or_array("kinds");
  auto readers = root.table_or_array("arr");
  ASSERT_EQ(readers.size(), 1u);
  readers[0]->integer("a", 0, 0, 1);
  root.finish();
  EXPECT_THAT(diagnostics_.errors(),
              ElementsAre("agent.toml:1:7: api: expected a table, got 1",
                          "agent.toml:2:9: kinds: expected a table or an array of tables, got 2",
                          "agent.toml:3:8: arr[0]: expected a table, got 1"));
}

TEST(Diagnostics, KeepsFileOrderStableAndPositionlessLast) {
  Diagnostics d;
  d.add("no position");
  d.add("line 5", {5, 1});
  d.add("line 2 col 9", {2, 9});
  d.add("line 2 col 3", {2, 3});
  d.add("line 5 again", {5, 1});
  EXPECT_THAT(d.errors(),
              ElementsAre("line 2 col 3", "line 2 col 9", "line 5", "line 5 again", "no position"));
  EXPECT_EQ(d.joined(), "line 2 col 3\nline 2 col 9\nline 5\nline 5 again\nno position");
  EXPECT_FALSE(d.ok());
  EXPECT_TRUE(Diagnostics().ok());
}

TEST(DidYouMean, SuggestsTheClosestWithinTheLimit) {
  const std::vector<std::string> keys = {"hostname", "data_dir", "log_level", "log_format",
                                         "shutdown_timeout"};
  EXPECT_EQ(did_you_mean("hostnme", keys), "hostname");
  EXPECT_EQ(did_you_mean("hostanme", keys), "hostname");  // transposition counts once
  EXPECT_EQ(did_you_mean("Hostname", keys), "hostname");
  EXPECT_EQ(did_you_mean("loglevel", keys), "log_level");
  EXPECT_EQ(did_you_mean("log_fromat", keys), "log_format");
  EXPECT_EQ(did_you_mean("shutdowntimeout", keys), "shutdown_timeout");
  EXPECT_EQ(did_you_mean("datadir", keys), "data_dir");
  EXPECT_EQ(did_you_mean("resource", keys), "");
  EXPECT_EQ(did_you_mean("x", keys), "");
  EXPECT_EQ(did_you_mean("", keys), "");
  EXPECT_EQ(did_you_mean("hostname", {}), "");
  EXPECT_EQ(did_you_mean("otel", {"otlp", "stdout"}), "otlp");
  EXPECT_EQ(did_you_mean("ab", {"api", "zz"}), "");
  EXPECT_EQ(did_you_mean("ap", {"api"}), "api");
  // A long word allows a third of its length.
  EXPECT_EQ(did_you_mean("initial_intervl_ms", {"initial_interval"}), "initial_interval");
  // Ties go to the earlier candidate.
  EXPECT_EQ(did_you_mean("cat", {"bat", "hat"}), "bat");
}

}  // namespace
}  // namespace vigil::config
