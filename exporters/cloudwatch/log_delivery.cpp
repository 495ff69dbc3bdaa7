#include "exporters/cloudwatch/log_delivery.h"

#include "agent/otlp/json_text.h"
#include "agent/telemetry/logger.h"

namespace vigil::exporters::cloudwatch {

namespace {

LogOutcome failure(const AwsAnswer& answer, std::string_view operation) {
  LogOutcome outcome;
  outcome.status = answer.verdict == AwsVerdict::kRetryable ? LogOutcome::Status::kRetryable
                                                            : LogOutcome::Status::kPermanent;
  outcome.reason = answer.describe(operation);
  return outcome;
}

std::string group_json(std::string_view group) {
  std::string out = "{\"logGroupName\":";
  otlp::append_json_string(group, out);
  return out;
}

}  // namespace

LogDelivery::LogDelivery(LogDeliveryOptions options, AwsClient& client, telemetry::Logger* logger)
    : options_(std::move(options)), client_(client), logger_(logger) {}

LogDelivery::~LogDelivery() { *alive_ = false; }

void LogDelivery::call(std::string operation, std::string body,
                       std::function<void(AwsAnswer)> done) {
  AwsCall call;
  call.operation = std::move(operation);
  call.body = std::move(body);
  client_.call(std::move(call), [alive = alive_, done = std::move(done)](AwsAnswer answer) {
    if (*alive) done(std::move(answer));
  });
}

void LogDelivery::put(std::shared_ptr<const LogRequest> request, Done done) {
  put_once(std::move(request), true, std::move(done));
}

void LogDelivery::put_once(std::shared_ptr<const LogRequest> request, bool may_create, Done done) {
  AwsCall call;
  call.operation = "PutLogEvents";
  call.body = request->body;
  if (request->emf) call.headers.emplace_back("x-amzn-logs-format", "json/emf");
  client_.call(std::move(call), [this, alive = alive_, request, may_create,
                                 done = std::move(done)](AwsAnswer answer) mutable {
    if (!*alive) return;
    switch (answer.verdict) {
      case AwsVerdict::kOk: {
        LogOutcome outcome;
        outcome.rejected = rejected_log_events(answer.body, request->events).value_or(0);
        done(std::move(outcome));
        return;
      }
      case AwsVerdict::kNotFound:
        if (may_create) {
          create_stream(request->group, request->stream, options_.create_log_group,
                        [this, request, done = std::move(done)](LogOutcome created) mutable {
                          if (created.status != LogOutcome::Status::kOk) {
                            done(std::move(created));
                            return;
                          }
                          put_once(std::move(request), false, std::move(done));
                        });
          return;
        }
        // Just created, still not found: CloudWatch Logs is eventually consistent.
        answer.verdict = AwsVerdict::kRetryable;
        done(failure(answer, "PutLogEvents"));
        return;
      case AwsVerdict::kRetryable:
      case AwsVerdict::kPermanent:
      case AwsVerdict::kAlreadyExists:
        if (answer.verdict == AwsVerdict::kAlreadyExists) answer.verdict = AwsVerdict::kPermanent;
        done(failure(answer, "PutLogEvents"));
        return;
    }
  });
}

void LogDelivery::create_stream(const std::string& group, const std::string& stream,
                                bool may_create_group, Done done) {
  std::string body = group_json(group);
  body += ",\"logStreamName\":";
  otlp::append_json_string(stream, body);
  body += "}";
  call("CreateLogStream", std::move(body),
       [this, group, stream, may_create_group, done = std::move(done)](AwsAnswer answer) mutable {
         if (answer.verdict == AwsVerdict::kOk || answer.verdict == AwsVerdict::kAlreadyExists) {
           if (answer.verdict == AwsVerdict::kOk) {
             logger_->info(options_.component, "created log stream {} in log group {}", stream,
                           group);
           }
           done({});
           return;
         }
         if (answer.verdict != AwsVerdict::kNotFound) {
           done(failure(answer, "CreateLogStream"));
           return;
         }
         if (!options_.create_log_group) {
           LogOutcome outcome;
           outcome.status = LogOutcome::Status::kPermanent;
           outcome.reason = answer.describe("CreateLogStream") + " (log group " + group +
                            " is missing and create_log_group = false)";
           done(std::move(outcome));
           return;
         }
         if (!may_create_group) {
           answer.verdict = AwsVerdict::kRetryable;  // created a moment ago: not visible yet
           done(failure(answer, "CreateLogStream"));
           return;
         }
         create_group(group,
                      [this, group, stream, done = std::move(done)](LogOutcome created) mutable {
                        if (created.status != LogOutcome::Status::kOk) {
                          done(std::move(created));
                          return;
                        }
                        create_stream(group, stream, false, std::move(done));
                      });
       });
}

void LogDelivery::create_group(const std::string& group, Done done) {
  call("CreateLogGroup", group_json(group) + "}",
       [this, group, done = std::move(done)](AwsAnswer answer) mutable {
         if (answer.verdict == AwsVerdict::kAlreadyExists) {
           done({});  // someone else's group: its retention is theirs to choose
           return;
         }
         if (answer.verdict != AwsVerdict::kOk) {
           done(failure(answer, "CreateLogGroup"));
           return;
         }
         logger_->info(options_.component, "created log group {}", group);
         if (options_.retention_days <= 0) {
           done({});
           return;
         }
         std::string body = group_json(group);
         body += ",\"retentionInDays\":" + std::to_string(options_.retention_days) + "}";
         call("PutRetentionPolicy", std::move(body),
              [this, group, done = std::move(done)](AwsAnswer retention) mutable {
                // The group exists either way: the data goes on; the operator is told.
                if (retention.verdict != AwsVerdict::kOk) {
                  logger_->warn(options_.component, "log group {}: retention not set: {}", group,
                                retention.describe("PutRetentionPolicy"));
                }
                done({});
              });
       });
}

}  // namespace vigil::exporters::cloudwatch
