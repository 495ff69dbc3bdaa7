#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "agent/core/ack.h"
#include "agent/core/batch.h"
#include "agent/core/export_pump.h"
#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"
#include "tests/unit/support/fake_clock.h"

namespace vigil::testing {

inline core::BatchPtr make_batch(std::size_t bytes, std::uint64_t items,
                                 core::Signal signal = core::Signal::kLogs,
                                 std::string source = "tail/app", char fill = 'x') {
  auto batch = std::make_shared<core::Batch>();
  batch->signal = signal;
  batch->payload.assign(bytes, fill);
  batch->items = items;
  batch->source = std::move(source);
  return batch;
}

// Records the outcome an acknowledgement callback receives. The record is shared with the
// callback, so a ticket may settle after the probe is gone (a queue destroyed after a test's
// locals abandons what it still holds).
struct AckProbe {
  struct Record {
    int calls = 0;
    core::AckOutcome outcome;
  };
  std::shared_ptr<Record> record = std::make_shared<Record>();
  int& calls = record->calls;
  core::AckOutcome& outcome = record->outcome;

  core::AckCallback callback() const {
    return [record = record](const core::AckOutcome& o) {
      ++record->calls;
      record->outcome = o;
    };
  }
};

// A ticket whose settlement the probe observes (one share).
inline core::AckTicket probe_ticket(AckProbe& probe) {
  auto tickets = core::make_ack_tickets(1, probe.callback());
  return std::move(tickets.front());
}

// Logger writing into a vector, for asserting what was logged.
struct CapturedLog {
  explicit CapturedLog(const core::Clock& clock)
      : logger(telemetry::Logger::Options{}, clock,
               [this](std::string_view line) { lines.emplace_back(line); }) {}
  bool contains(std::string_view needle) const {
    for (const auto& line : lines) {
      if (line.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  std::vector<std::string> lines;
  telemetry::Logger logger;
};

inline std::uint64_t dropped(telemetry::MetricsRegistry& metrics, std::string_view component,
                             std::string_view reason) {
  return metrics.dropped_items(component, reason).value();
}

// A sender whose sends the test completes, one by one, with any result, now or later; or
// synchronously inside send() once respond_synchronously() is set.
class FakeSender final : public core::Sender {
 public:
  struct Call {
    std::string payload;
    std::uint64_t items = 0;
    core::Signal signal = core::Signal::kLogs;
    // The batch itself: the pump promises it outlives `done`, so a test may read it late.
    const core::Batch* batch = nullptr;
    std::function<void(core::SendResult)> done;
    bool completed = false;
  };

  void send(const core::Batch& batch, std::function<void(core::SendResult)> done) override {
    calls_.push_back(
        Call{batch.payload, batch.items, batch.signal, &batch, std::move(done), false});
    if (sync_) complete(calls_.size() - 1, *sync_);
  }

  void respond_synchronously(std::optional<core::SendResult> result) { sync_ = std::move(result); }

  // Completes call `index` (in send order).
  void complete(std::size_t index, core::SendResult result) {
    Call& call = calls_.at(index);
    ASSERT_FALSE(call.completed) << "call " << index << " completed twice";
    call.completed = true;
    // A copy: the callback may send again, and a test may replay it (complete_again).
    auto done = call.done;
    done(std::move(result));
  }
  // Completes the oldest call still open.
  void complete_oldest(core::SendResult result) {
    for (std::size_t i = 0; i < calls_.size(); ++i) {
      if (!calls_[i].completed) {
        complete(i, std::move(result));
        return;
      }
    }
    FAIL() << "no open send";
  }
  // Runs a call's callback although it was completed already (a buggy exporter).
  void complete_again(std::size_t index, core::SendResult result) {
    auto done = calls_.at(index).done;
    done(std::move(result));
  }

  std::size_t calls() const { return calls_.size(); }
  std::size_t open() const {
    std::size_t n = 0;
    for (const auto& c : calls_) n += c.completed ? 0 : 1;
    return n;
  }
  const Call& call(std::size_t index) const { return calls_.at(index); }
  std::vector<std::string> payloads() const {
    std::vector<std::string> out;
    for (const auto& c : calls_) out.push_back(c.payload);
    return out;
  }

 private:
  std::deque<Call> calls_;
  std::optional<core::SendResult> sync_;
};

}  // namespace vigil::testing
