#include "exporters/prometheus/exposition_negotiation.h"

#include <gtest/gtest.h>

namespace vigil::exporters::prometheus {
namespace {

constexpr auto kText = ExpositionFormat::kText;
constexpr auto kOm1 = ExpositionFormat::kOpenMetrics1;
constexpr auto kOm01 = ExpositionFormat::kOpenMetrics01;

TEST(ExpositionNegotiation, WhatPrometheusSends) {
  // Prometheus 2.42's scrape Accept header, verbatim.
  EXPECT_EQ(negotiate_format("application/openmetrics-text;version=1.0.0,application/"
                             "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;"
                             "q=0.5,*/*;q=0.1"),
            kOm1);
  // Prometheus 2.x before OpenMetrics 1.0.0 existed.
  EXPECT_EQ(negotiate_format("application/openmetrics-text; version=0.0.1,text/plain;"
                             "version=0.0.4;q=0.5,*/*;q=0.1"),
            kOm01);
}

TEST(ExpositionNegotiation, TextByDefault) {
  EXPECT_EQ(negotiate_format(""), kText);
  EXPECT_EQ(negotiate_format("*/*"), kText);
  EXPECT_EQ(negotiate_format("text/plain"), kText);
  EXPECT_EQ(negotiate_format("text/plain;version=0.0.4"), kText);
  EXPECT_EQ(negotiate_format("application/json"), kText);
  EXPECT_EQ(negotiate_format("text/html,application/xhtml+xml,*/*;q=0.8"), kText);
  EXPECT_EQ(negotiate_format(",,, ;;"), kText);
}

TEST(ExpositionNegotiation, OpenMetricsVersions) {
  EXPECT_EQ(negotiate_format("application/openmetrics-text"), kOm1);
  EXPECT_EQ(negotiate_format("application/openmetrics-text;version=1.0.0"), kOm1);
  EXPECT_EQ(negotiate_format("application/openmetrics-text;version=0.0.1"), kOm01);
  // A version we do not speak is not a match.
  EXPECT_EQ(negotiate_format("application/openmetrics-text;version=2.0.0"), kText);
  EXPECT_EQ(negotiate_format("application/openmetrics-text;version=2.0.0,text/plain;q=0.1"), kText);
  EXPECT_EQ(negotiate_format("application/*"), kOm1);
}

TEST(ExpositionNegotiation, CaseSpacesAndQuotes) {
  EXPECT_EQ(negotiate_format("Application/OpenMetrics-Text; Version=1.0.0"), kOm1);
  EXPECT_EQ(negotiate_format("  application/openmetrics-text ; version=\"1.0.0\" ; q=0.9 "), kOm1);
  EXPECT_EQ(negotiate_format("application/openmetrics-text;foo=\"a,b\";q=1,text/plain;q=0.5"),
            kOm1);
}

TEST(ExpositionNegotiation, QualityDecides) {
  EXPECT_EQ(negotiate_format("application/openmetrics-text;q=0.3,text/plain;q=0.5"), kText);
  EXPECT_EQ(negotiate_format("text/plain;q=0.3,application/openmetrics-text;q=0.5"), kOm1);
  EXPECT_EQ(negotiate_format("application/openmetrics-text;q=0"), kText);
  EXPECT_EQ(negotiate_format("application/openmetrics-text;q=0.001"), kOm1);
  EXPECT_EQ(negotiate_format("application/openmetrics-text;version=0.0.1;q=0.9,"
                             "application/openmetrics-text;version=1.0.0;q=0.8"),
            kOm01);
}

TEST(ExpositionNegotiation, TiesGoToTheRangeListedFirst) {
  EXPECT_EQ(negotiate_format("application/openmetrics-text;q=0.5,text/plain;q=0.5"), kOm1);
  EXPECT_EQ(negotiate_format("text/plain;q=0.5,application/openmetrics-text;q=0.5"), kText);
  EXPECT_EQ(negotiate_format("application/openmetrics-text,text/plain"), kOm1);
}

TEST(ExpositionNegotiation, MostSpecificRangeWins) {
  // text/plain is refused explicitly although */* would take it.
  EXPECT_EQ(negotiate_format("text/plain;q=0,*/*;q=0.5"), kOm1);
  // ... and an explicit OpenMetrics refusal beats application/*.
  EXPECT_EQ(negotiate_format("application/*;q=1,application/openmetrics-text;q=0,text/*;q=0.1"),
            kText);
  // A versioned range is more specific than an unversioned one.
  EXPECT_EQ(negotiate_format("application/openmetrics-text;q=0.1,"
                             "application/openmetrics-text;version=1.0.0;q=0.9,text/plain;q=0.5"),
            kOm1);
}

TEST(ExpositionNegotiation, MalformedRangesNameNothing) {
  // Found by fuzzing: whitespace inside a media range is not "*/*".
  EXPECT_EQ(negotiate_format("aplaa,text/plain;q=0.,*\t\t/*;0"), kText);
  EXPECT_EQ(negotiate_format("application /openmetrics-text"), kText);
  EXPECT_EQ(negotiate_format("application/ openmetrics-text,text/plain;q=0.1"), kText);
  EXPECT_EQ(negotiate_format("application/openmetrics-text/x"), kText);
  EXPECT_EQ(negotiate_format("/"), kText);
}

TEST(ExpositionNegotiation, MalformedQualityIgnoresTheRange) {
  EXPECT_EQ(negotiate_format("application/openmetrics-text;q=abc"), kText);
  EXPECT_EQ(negotiate_format("application/openmetrics-text;q=1.5"), kText);
  EXPECT_EQ(negotiate_format("application/openmetrics-text;q=-1,text/plain"), kText);
  EXPECT_EQ(negotiate_format("application/openmetrics-text;q=,text/plain;q=0.2"), kText);
}

TEST(ExpositionNegotiation, NothingAcceptableStillGetsText) {
  EXPECT_EQ(negotiate_format("text/plain;q=0,application/openmetrics-text;q=0"), kText);
}

TEST(ExpositionNegotiation, Gzip) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("GZIP"));
  EXPECT_TRUE(accepts_gzip("x-gzip"));
  EXPECT_TRUE(accepts_gzip("deflate, gzip;q=0.5, br"));
  EXPECT_TRUE(accepts_gzip("gzip, deflate"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_TRUE(accepts_gzip("br, *;q=0.1"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("deflate, br"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0.000"));
  EXPECT_FALSE(accepts_gzip("*;q=0"));
  // An explicit gzip entry overrides *.
  EXPECT_FALSE(accepts_gzip("*, gzip;q=0"));
  EXPECT_TRUE(accepts_gzip("*;q=0, gzip"));
  EXPECT_FALSE(accepts_gzip("gzip;q=oops"));
}

TEST(ExpositionNegotiation, ContentTypes) {
  EXPECT_EQ(content_type(kText), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(content_type(kOm1), "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_EQ(content_type(kOm01), "application/openmetrics-text; version=0.0.1; charset=utf-8");
  const Negotiated n = negotiate("application/openmetrics-text", "gzip");
  EXPECT_EQ(n.format, kOm1);
  EXPECT_TRUE(n.gzip);
}

}  // namespace
}  // namespace vigil::exporters::prometheus
