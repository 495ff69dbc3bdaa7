#include "collectors/tail/glob_pattern.h"

#include <gtest/gtest.h>

namespace vigil::collectors::tail {
namespace {

GlobPattern glob(std::string_view text) {
  auto parsed = GlobPattern::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text << ": " << parsed.error().message;
  return std::move(*parsed);
}

TEST(GlobPattern, BaseDirectoryIsTheLiteralPrefix) {
  EXPECT_EQ(glob("/var/log/app.log").base_dir(), "/var/log");
  EXPECT_EQ(glob("/var/log/*.log").base_dir(), "/var/log");
  EXPECT_EQ(glob("/var/log/*/app.log").base_dir(), "/var/log");
  EXPECT_EQ(glob("/var/**/x.log").base_dir(), "/var");
  EXPECT_EQ(glob("/*.log").base_dir(), "/");
}

TEST(GlobPattern, StarAndQuestionMarkStayInOneComponent) {
  const GlobPattern p = glob("/var/log/*.log");
  EXPECT_TRUE(p.matches("/var/log/app.log"));
  EXPECT_TRUE(p.matches("/var/log/.hidden.log"));
  EXPECT_FALSE(p.matches("/var/log/app.log.1"));
  EXPECT_FALSE(p.matches("/var/log/sub/app.log"));
  EXPECT_FALSE(p.matches("/var/logs/app.log"));
  EXPECT_TRUE(glob("/l/app-?.log").matches("/l/app-1.log"));
  EXPECT_FALSE(glob("/l/app-?.log").matches("/l/app-12.log"));
  EXPECT_TRUE(glob("/l/[ab]*.log").matches("/l/b.log"));
  EXPECT_FALSE(glob("/l/[!ab]*.log").matches("/l/b.log"));
}

TEST(GlobPattern, GlobstarMatchesZeroOrMoreDirectories) {
  const GlobPattern p = glob("/srv/**/logs/*.log");
  EXPECT_TRUE(p.matches("/srv/logs/a.log"));
  EXPECT_TRUE(p.matches("/srv/x/logs/a.log"));
  EXPECT_TRUE(p.matches("/srv/x/y/z/logs/a.log"));
  EXPECT_FALSE(p.matches("/srv/x/logs/sub/a.log"));
  EXPECT_FALSE(p.matches("/other/logs/a.log"));
  EXPECT_TRUE(glob("/srv/**/*.log").matches("/srv/a.log"));
  EXPECT_TRUE(glob("/a/**/**/b.log").matches("/a/b.log"));
}

TEST(GlobPattern, WalkStatesPruneDirectories) {
  const GlobPattern p = glob("/var/log/*/app.log");
  auto s = p.start();
  EXPECT_TRUE(p.can_descend(s));
  auto in_dir = p.step(s, "nginx");
  EXPECT_TRUE(p.can_descend(in_dir));
  EXPECT_FALSE(p.accepts(in_dir));
  auto file = p.step(in_dir, "app.log");
  EXPECT_TRUE(p.accepts(file));
  EXPECT_FALSE(p.can_descend(file));
  EXPECT_EQ(p.step(in_dir, "other.log"), 0u);
  // "**" keeps every directory live.
  const GlobPattern deep = glob("/srv/**/a.log");
  auto d = deep.step(deep.step(deep.start(), "x"), "y");
  EXPECT_TRUE(deep.can_descend(d));
  EXPECT_TRUE(deep.accepts(deep.step(d, "a.log")));
}

TEST(GlobPattern, RejectsWhatCannotNameFiles) {
  for (std::string_view bad : {"relative/*.log", "/", "/var/log/", "/var//x.log", "/var/../x",
                               "/a/x**y/b", "/var/log/**"}) {
    EXPECT_FALSE(GlobPattern::parse(bad).has_value()) << bad;
  }
}

TEST(ExcludePattern, NameOnlyOrWholePath) {
  auto gz = ExcludePattern::parse("*.gz");
  ASSERT_TRUE(gz.has_value());
  EXPECT_TRUE(gz->matches("/var/log/app.log.1.gz"));
  EXPECT_FALSE(gz->matches("/var/log.gz/app.log"));
  auto path = ExcludePattern::parse("/var/log/debug/*");
  ASSERT_TRUE(path.has_value());
  EXPECT_TRUE(path->matches("/var/log/debug/x.log"));
  EXPECT_FALSE(path->matches("/var/log/x.log"));
  EXPECT_FALSE(ExcludePattern::parse("").has_value());
  EXPECT_FALSE(ExcludePattern::parse("rel/x").has_value());
}

}  // namespace
}  // namespace vigil::collectors::tail
