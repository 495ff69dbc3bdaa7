#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "exporters/cloudwatch/aws_client.h"

namespace vigil::telemetry {
class Logger;
}

namespace vigil::exporters::cloudwatch {

// One PutLogEvents request and where it goes.
struct LogRequest {
  std::string group;
  std::string stream;
  std::string body;  // put_log_events_json
  std::uint64_t events = 0;
  bool emf = false;  // sent with x-amzn-logs-format: json/emf
};

struct LogOutcome {
  enum class Status : std::uint8_t { kOk, kRetryable, kPermanent };
  Status status = Status::kOk;
  std::string reason;          // AWS's words when it failed
  std::uint64_t rejected = 0;  // events CloudWatch refused (rejectedLogEventsInfo)
};

struct LogDeliveryOptions {
  std::string component;  // exporter id, for log lines
  bool create_log_group = true;
  int retention_days = 0;  // for groups this exporter creates; 0 = never expire
};

// Sends PutLogEvents and, when the stream is missing (ResourceNotFoundException), creates it
// (CreateLogStream) and, when the group is missing too and create_log_group is set, the group
// (CreateLogGroup, then PutRetentionPolicy with retention_days), then sends again once.
// ResourceAlreadyExistsException counts as created (another agent was quicker). A group that
// is missing while create_log_group is false is a permanent error. Loop thread only; `done`
// never runs after destruction.
class LogDelivery {
 public:
  LogDelivery(LogDeliveryOptions options, AwsClient& client, telemetry::Logger* logger);
  ~LogDelivery();
  LogDelivery(const LogDelivery&) = delete;
  LogDelivery& operator=(const LogDelivery&) = delete;

  void put(std::shared_ptr<const LogRequest> request, std::function<void(LogOutcome)> done);

 private:
  using Done = std::function<void(LogOutcome)>;
  void put_once(std::shared_ptr<const LogRequest> request, bool may_create, Done done);
  void create_stream(const std::string& group, const std::string& stream, bool may_create_group,
                     Done done);
  void create_group(const std::string& group, Done done);
  void call(std::string operation, std::string body, std::function<void(AwsAnswer)> done);

  LogDeliveryOptions options_;
  AwsClient& client_;
  telemetry::Logger* logger_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vigil::exporters::cloudwatch
