#include "agent/config/env_substitution.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include <toml++/toml.h>

namespace vigil::config {

// Found by gtest through ADL, so it lives in the type's namespace.
void PrintTo(const SubstitutedSpan& s, std::ostream* out) {
  *out << s.line << ":" << s.first_column << "-" << s.last_column;
}

namespace {

using ::testing::ElementsAre;

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

struct Outcome {
  SubstitutedText result;
  std::vector<std::string> errors;
};

Outcome run(std::string_view text, const EnvLookup& env) {
  Diagnostics diagnostics;
  Outcome outcome;
  outcome.result = substitute_env(text, "agent.toml", env, diagnostics);
  outcome.errors = diagnostics.errors();
  return outcome;
}

SubstitutedSpan span(std::uint32_t line, std::uint32_t first, std::uint32_t last) {
  SubstitutedSpan s;
  s.line = line;
  s.first_column = first;
  s.last_column = last;
  return s;
}

TEST(EnvSubstitution, ReplacesVariablesAndRecordsSpans) {
  auto out =
      run("token = \"${TOKEN}\"\nport = ${PORT}\n", env_of({{"TOKEN", "abc"}, {"PORT", "8080"}}));
  ASSERT_THAT(out.errors, ElementsAre());
  EXPECT_EQ(out.result.text, "token = \"abc\"\nport = 8080\n");
  EXPECT_THAT(out.result.spans, ElementsAre(span(1, 10, 12), span(2, 8, 11)));
}

TEST(EnvSubstitution, SeveralOnOneLineShiftLaterSpans) {
  auto out = run(R"(url = "${SCHEME}://${HOST}:${PORT}/v1")",
                 env_of({{"SCHEME", "https"}, {"HOST", "example.com"}, {"PORT", "443"}}));
  ASSERT_THAT(out.errors, ElementsAre());
  EXPECT_EQ(out.result.text, R"(url = "https://example.com:443/v1")");
  // "https" is columns 8-12, "example.com" 16-26, "443" 28-30.
  EXPECT_THAT(out.result.spans, ElementsAre(span(1, 8, 12), span(1, 16, 26), span(1, 28, 30)));
}

TEST(EnvSubstitution, DefaultsApplyWhenUnsetOrEmpty) {
  auto env = env_of({{"SET", "value"}, {"EMPTY", ""}});
  EXPECT_EQ(run(R"(a = "${UNSET:-fallback}")", env).result.text, R"(a = "fallback")");
  EXPECT_EQ(run(R"(a = "${EMPTY:-fallback}")", env).result.text, R"(a = "fallback")");
  EXPECT_EQ(run(R"(a = "${SET:-fallback}")", env).result.text, R"(a = "value")");
  EXPECT_EQ(run(R"(a = "${UNSET:-}")", env).result.text, R"(a = "")");
  // Set but empty without a default is an empty value, not an error (as in the shell).
  auto empty = run(R"(a = "${EMPTY}")", env);
  EXPECT_THAT(empty.errors, ElementsAre());
  EXPECT_EQ(empty.result.text, R"(a = "")");
  // A default is taken literally, colons and dashes included.
  EXPECT_EQ(run(R"(a = "${UNSET:-http://x:1/a-b}")", env).result.text, R"(a = "http://x:1/a-b")");
}

TEST(EnvSubstitution, EmptySubstitutionHasAnEmptySpanBeforeTheNextCharacter) {
  auto out = run(R"(a = "${UNSET:-}")", env_of({}));
  EXPECT_THAT(out.result.spans, ElementsAre(span(1, 6, 5)));
}

TEST(EnvSubstitution, DoubleDollarIsALiteral) {
  auto out = run(R"(a = "$${HOME} costs $5 and $HOME stays")", env_of({{"HOME", "/root"}}));
  ASSERT_THAT(out.errors, ElementsAre());
  EXPECT_EQ(out.result.text, R"(a = "${HOME} costs $5 and $HOME stays")");
  EXPECT_TRUE(out.result.spans.empty());
}

TEST(EnvSubstitution, CommentsAreLeftAloneButHashesInStringsAreNot) {
  const std::string text =
      "# token = \"${MISSING}\"\n"
      "a = \"#${A}\" # ${MISSING} too\n"
      "b = '#${A}'\n"
      "c = \"\"\"\n# ${A}\n\"\"\"\n"
      "d = '''\n# ${A}\n'''\n"
      "e = \"quote \\\" # ${A}\"\n";
  auto out = run(text, env_of({{"A", "x"}}));
  ASSERT_THAT(out.errors, ElementsAre());
  EXPECT_EQ(out.result.text,
            "# token = \"${MISSING}\"\n"
            "a = \"#x\" # ${MISSING} too\n"
            "b = '#x'\n"
            "c = \"\"\"\n# x\n\"\"\"\n"
            "d = '''\n# x\n'''\n"
            "e = \"quote \\\" # x\"\n");
}

TEST(EnvSubstitution, MultiLineStringsCloseOnTheLastQuotesOfARun) {
  // """a"""" is the string `a"`; the comment after it must still be recognised.
  auto out = run("s = \"\"\"a\"\"\"\" # ${MISSING}\n", env_of({}));
  EXPECT_THAT(out.errors, ElementsAre());
}

TEST(EnvSubstitution, ValuesInBasicStringsAreEscapedToArriveExactly) {
  const std::string tricky = "pa\"ss\\word\twith\nnewline\x01";
  auto out = run("a = \"${V}\"\nb = \"\"\"${V}\"\"\"\n", env_of({{"V", tricky}}));
  ASSERT_THAT(out.errors, ElementsAre());
  auto parsed = toml::parse(std::string_view(out.result.text), std::string_view("agent.toml"));
  EXPECT_EQ(parsed["a"].value_or(std::string()), tricky);
  EXPECT_EQ(parsed["b"].value_or(std::string()), tricky);
  // Escaping never adds lines: the next line keeps its number.
  EXPECT_EQ(parsed["b"].node()->source().begin.line, 2u);
}

TEST(EnvSubstitution, ValuesInLiteralStringsAreInsertedAsIs) {
  auto out = run(R"(a = 'C:\${DIR}')", env_of({{"DIR", R"(Program Files\vigil)"}}));
  ASSERT_THAT(out.errors, ElementsAre());
  EXPECT_EQ(out.result.text, R"(a = 'C:\Program Files\vigil')");
}

TEST(EnvSubstitution, SpanColumnsCountCodePointsLikeTomlplusplus) {
  auto out = run("\"é\" = \"ü${A}\"\n", env_of({{"A", "ß"}}));
  ASSERT_THAT(out.errors, ElementsAre());
  ASSERT_EQ(out.result.spans.size(), 1u);
  auto parsed = toml::parse(std::string_view(out.result.text), std::string_view("agent.toml"));
  const auto& region = parsed["é"].node()->source();
  // "é" = "üß"  -> the value starts at column 7 ("), ü is 8, ß is 9.
  EXPECT_EQ(region.begin.column, 7u);
  EXPECT_EQ(out.result.spans[0], span(1, 9, 9));
}

TEST(EnvSubstitution, AByteOrderMarkTakesNoColumn) {
  auto out =
      run("\xEF\xBB\xBF"
          "a = \"${A}\"\nb = \"${B}\"\n",
          env_of({{"A", "x"}}));
  EXPECT_EQ(out.result.text.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_THAT(out.result.spans, ElementsAre(span(1, 6, 6)));
  auto parsed = toml::parse(std::string_view(out.result.text).substr(0, out.result.text.find('\n')),
                            std::string_view("agent.toml"));
  EXPECT_EQ(parsed["a"].node()->source().begin.column, 5u);
  EXPECT_THAT(out.errors, ElementsAre("agent.toml:2:6: environment variable \"B\" is not set (use "
                                      "${B:-default} for a default)"));
}

TEST(EnvSubstitution, MissingVariableIsAnErrorWithItsPosition) {
  auto out = run("[exporters.otlp]\nheaders = { authorization = \"${API_TOKEN}\" }\n", env_of({}));
  EXPECT_THAT(out.errors,
              ElementsAre("agent.toml:2:30: environment variable \"API_TOKEN\" is not set (use "
                          "${API_TOKEN:-default} for a default)"));
}

TEST(EnvSubstitution, NullLookupMeansNothingIsSet) {
  auto out = run("a = \"${A:-d}\"\nb = \"${B}\"\n", EnvLookup{});
  EXPECT_EQ(out.result.text.substr(0, 8), "a = \"d\"\n");
  EXPECT_THAT(out.errors, ElementsAre("agent.toml:2:6: environment variable \"B\" is not set (use "
                                      "${B:-default} for a default)"));
}

TEST(EnvSubstitution, MalformedReferencesAreErrors) {
  auto out =
      run("a = \"${}\"\n"
          "b = \"${1ABC}\"\n"
          "c = \"${A-b}\"\n"
          "d = \"${ A}\"\n"
          "e = \"${A\"\n"
          "f = \"${A:default}\"\n",
          env_of({{"A", "x"}}));
  EXPECT_THAT(
      out.errors,
      ElementsAre(
          R"(agent.toml:1:6: malformed variable reference "${}": expected a variable name (letters, digits and "_", not starting with a digit))",
          R"(agent.toml:2:6: malformed variable reference "${1ABC}": variable name "1ABC" starts with a digit)",
          R"(agent.toml:3:6: malformed variable reference "${A-b}": expected "}" or ":-default" after the name "A")",
          R"(agent.toml:4:6: malformed variable reference "${ A}": expected a variable name (letters, digits and "_", not starting with a digit))",
          R"(agent.toml:5:6: unterminated variable reference "${A\"": missing "}")",
          R"(agent.toml:6:6: malformed variable reference "${A:default}": expected "}" or ":-default" after the name "A")"));
}

TEST(EnvSubstitution, ValuesThatCannotBePlacedSafelyAreErrors) {
  auto env = env_of({{"Q", "it's"}, {"NL", "a\nb"}});
  auto out = run("a = '${Q}'\nb = ${NL}\nc = '''${NL}'''\nd = \"${NL}\"\n", env);
  EXPECT_THAT(
      out.errors,
      ElementsAre(
          R"(agent.toml:1:6: the value of ${Q} contains a single quote or a control character, which a literal string '...' cannot hold; use a basic string "...", where it is escaped)",
          R"(agent.toml:2:5: the value of ${NL} contains a line break, which only a quoted string can hold ("${NL}"))",
          R"(agent.toml:3:8: the value of ${NL} contains ''' or a control character (line breaks included), which a literal string '''...''' cannot hold here; use a basic string """...""", where it is escaped)"));
}

TEST(EnvSubstitution, ReportsEveryErrorInFileOrder) {
  auto out = run("a = \"${X}\"\n# ${Y}\nb = \"${Y}\" \nc = ${Z:-1}\n", env_of({}));
  EXPECT_THAT(out.errors, ElementsAre("agent.toml:1:6: environment variable \"X\" is not set (use "
                                      "${X:-default} for a default)",
                                      "agent.toml:3:6: environment variable \"Y\" is not set (use "
                                      "${Y:-default} for a default)"));
}

}  // namespace
}  // namespace vigil::config
