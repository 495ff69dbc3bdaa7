#include "exporters/cloudwatch/aws_response.h"

#include <gtest/gtest.h>

namespace vigil::exporters::cloudwatch {
namespace {

TEST(AwsResponse, QueryProtocolErrorXml) {
  const std::string body =
      R"(<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <Error>
    <Type>Sender</Type>
    <Code>InvalidParameterValue</Code>
    <Message>The value &quot;x&amp;y&quot; for MetricData.member.1.Unit is &lt;bad&gt; &#233;&#x20AC;</Message>
  </Error>
  <RequestId>b2f1</RequestId>
</ErrorResponse>)";
  auto e = parse_aws_error(AwsProtocol::kQuery, body);
  EXPECT_EQ(e.code, "InvalidParameterValue");
  EXPECT_EQ(e.message,
            "The value \"x&y\" for MetricData.member.1.Unit is <bad> \xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(classify_aws_answer(400, e), AwsVerdict::kPermanent);
}

TEST(AwsResponse, JsonErrorTakesTheCodeAfterTheNamespace) {
  auto e = parse_aws_error(AwsProtocol::kJson,
                           R"({"__type":"com.amazonaws.logs#ResourceNotFoundException",)"
                           R"("message":"The specified log group does not exist."})");
  EXPECT_EQ(e.code, "ResourceNotFoundException");
  EXPECT_EQ(e.message, "The specified log group does not exist.");
  EXPECT_EQ(classify_aws_answer(400, e), AwsVerdict::kNotFound);

  auto upper = parse_aws_error(AwsProtocol::kJson,
                               R"({"__type":"ThrottlingException","Message":"Rate exceeded"})");
  EXPECT_EQ(upper.message, "Rate exceeded");
  EXPECT_EQ(classify_aws_answer(400, upper), AwsVerdict::kRetryable);

  auto header =
      parse_aws_error(AwsProtocol::kJson, "", "ServiceUnavailableException:http://internal");
  EXPECT_EQ(header.code, "ServiceUnavailableException");
  auto garbage = parse_aws_error(AwsProtocol::kJson, "<html>");
  EXPECT_TRUE(garbage.code.empty());
}

TEST(AwsResponse, Classification) {
  EXPECT_EQ(classify_aws_answer(200, {}), AwsVerdict::kOk);
  EXPECT_EQ(classify_aws_answer(0, {}), AwsVerdict::kRetryable);
  EXPECT_EQ(classify_aws_answer(500, {"InternalFailure", ""}), AwsVerdict::kRetryable);
  EXPECT_EQ(classify_aws_answer(503, {}), AwsVerdict::kRetryable);
  EXPECT_EQ(classify_aws_answer(429, {}), AwsVerdict::kRetryable);
  EXPECT_EQ(classify_aws_answer(400, {"Throttling", ""}), AwsVerdict::kRetryable);
  EXPECT_EQ(classify_aws_answer(400, {"ExpiredTokenException", ""}), AwsVerdict::kRetryable);
  EXPECT_EQ(classify_aws_answer(403, {"SignatureDoesNotMatch", ""}), AwsVerdict::kRetryable);
  EXPECT_EQ(classify_aws_answer(400, {"InvalidParameterException", ""}), AwsVerdict::kPermanent);
  EXPECT_EQ(classify_aws_answer(400, {"InvalidParameterCombination", ""}), AwsVerdict::kPermanent);
  EXPECT_EQ(classify_aws_answer(400, {"ResourceAlreadyExistsException", ""}),
            AwsVerdict::kAlreadyExists);
  EXPECT_EQ(classify_aws_answer(403, {"AccessDeniedException", ""}), AwsVerdict::kPermanent);
  EXPECT_EQ(classify_aws_answer(413, {}), AwsVerdict::kPermanent);
}

TEST(AwsResponse, RejectedLogEvents) {
  EXPECT_EQ(rejected_log_events(R"({"nextSequenceToken":"1"})", 10), 0u);
  EXPECT_EQ(rejected_log_events(R"({"rejectedLogEventsInfo":{"tooOldLogEventEndIndex":3}})", 10),
            3u);
  EXPECT_EQ(rejected_log_events(R"({"rejectedLogEventsInfo":{"tooNewLogEventStartIndex":8}})", 10),
            2u);
  EXPECT_EQ(rejected_log_events(R"({"rejectedLogEventsInfo":{"tooOldLogEventEndIndex":2,)"
                                R"("expiredLogEventEndIndex":4,"tooNewLogEventStartIndex":9}})",
                                10),
            5u);
  EXPECT_EQ(rejected_log_events(R"({"rejectedLogEventsInfo":{"tooOldLogEventEndIndex":50,)"
                                R"("tooNewLogEventStartIndex":-3}})",
                                10),
            10u);
  EXPECT_FALSE(rejected_log_events("nope", 1).has_value());
}

TEST(AwsResponse, NotAnErrorDocumentGivesNoCode) {
  EXPECT_TRUE(parse_aws_error(AwsProtocol::kQuery, "<html>502 Bad Gateway</html>").code.empty());
  EXPECT_TRUE(parse_aws_error(AwsProtocol::kQuery, "").code.empty());
  EXPECT_EQ(classify_aws_answer(502, parse_aws_error(AwsProtocol::kQuery, "<html>")),
            AwsVerdict::kRetryable);
}

}  // namespace
}  // namespace vigil::exporters::cloudwatch
