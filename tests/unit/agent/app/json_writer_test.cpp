#include "agent/app/json_writer.h"

#include <cmath>

#include <gtest/gtest.h>

namespace vigil::app {
namespace {

TEST(JsonWriter, NestsAndSeparates) {
  JsonWriter w;
  w.begin_object();
  w.key("a").number(1);
  w.key("b").begin_array().string("x").boolean(true).number(2.5).end_array();
  w.key("c").begin_object().end_object();
  w.end_object();
  EXPECT_EQ(w.take(), R"({"a":1,"b":["x",true,2.5],"c":{}})");
}

TEST(JsonWriter, EscapesStrings) {
  JsonWriter w;
  w.string("q\"b\\n\n\t\x01");
  EXPECT_EQ(w.take(), R"("q\"b\\n\n\t\u0001")");
}

TEST(JsonWriter, NonFiniteNumbersAreNull) {
  JsonWriter w;
  w.begin_array().number(NAN).number(INFINITY).end_array();
  EXPECT_EQ(w.take(), "[null,null]");
}

}  // namespace
}  // namespace vigil::app
