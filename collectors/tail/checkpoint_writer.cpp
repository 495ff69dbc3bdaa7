#include "collectors/tail/checkpoint_writer.h"

#include <unistd.h>

#include <mutex>

#include <fmt/format.h>

#include "collectors/tail/checkpoint_store.h"

namespace vigil::collectors::tail {

struct CheckpointWriter::Shared {
  std::mutex mutex;
  std::uint64_t written_seq = 0;  // generation of the durable file; under mutex
  std::string path;
  std::string temp_suffix;

  // Writes `bytes` unless a newer write already landed.
  Outcome write(std::uint64_t seq, const std::string& bytes) {
    std::lock_guard lock(mutex);
    if (seq <= written_seq) return {};
    auto written = write_checkpoint_file(path, bytes, temp_suffix);
    if (!written) return Outcome{false, written.error().message};
    written_seq = seq;
    return {};
  }
};

CheckpointWriter::CheckpointWriter(std::string path, std::uint64_t last_generation, Offload offload,
                                   std::function<std::string(std::uint64_t)> snapshot,
                                   std::function<void(const Outcome&)> on_written,
                                   const core::Clock* clock, core::Scheduler* scheduler,
                                   core::Duration durable_interval)
    : path_(std::move(path)),
      offload_(std::move(offload)),
      snapshot_(std::move(snapshot)),
      on_written_(std::move(on_written)),
      clock_(clock),
      scheduler_(scheduler),
      durable_interval_(durable_interval),
      shared_(std::make_shared<Shared>()),
      generation_(last_generation) {
  shared_->written_seq = last_generation;
  shared_->path = path_;
  // Unique among writers of this process (and of the previous generation during a reload).
  shared_->temp_suffix =
      fmt::format("{}.{:x}", ::getpid(), reinterpret_cast<std::uintptr_t>(shared_.get()));
  if (auto file = AcknowledgementFile::open(acknowledgement_path(path_))) {
    ack_file_ = std::move(*file);
  } else {
    // Without it, a crash repeats what the durable copy is behind by; report it once.
    on_written_(Outcome{false, file.error().message});
  }
}

CheckpointWriter::~CheckpointWriter() = default;

void CheckpointWriter::changed() {
  latest_ = snapshot_(++generation_);
  if (ack_file_) {
    if (auto written = ack_file_->write(latest_); !written) {
      on_written_(Outcome{false, written.error().message});
    }
  }
  dirty_ = true;
  if (in_flight_) return;  // folded into the next write
  if (synchronous_) {
    write_sync();
  } else {
    write_durable_when_due();
  }
}

void CheckpointWriter::write_durable_when_due() {
  if (due_timer_) return;  // already waiting for its turn
  const core::MonoTime now = clock_->monotonic();
  if (last_durable_start_ && now - *last_durable_start_ < durable_interval_) {
    due_timer_ = scheduler_->schedule(*last_durable_start_ + durable_interval_ - now,
                                      [this] {  // the timer is this writer's: it cannot outlive it
                                        due_timer_.reset();
                                        if (dirty_ && !in_flight_ && !synchronous_) start_async();
                                      });
    return;
  }
  start_async();
}

void CheckpointWriter::start_async() {
  dirty_ = false;
  in_flight_ = true;
  last_durable_start_ = clock_->monotonic();
  const std::uint64_t seq = generation_;
  auto bytes = std::make_shared<std::string>(latest_);
  auto outcome = std::make_shared<Outcome>();
  offload_([shared = shared_, seq, bytes, outcome] { *outcome = shared->write(seq, *bytes); },
           [this, weak = std::weak_ptr<bool>(alive_), outcome] {
             if (weak.expired()) return;
             in_flight_ = false;
             if (!outcome->ok) dirty_ = true;  // try again with the next change
             on_written_(*outcome);
             if (dirty_ && outcome->ok) {
               if (synchronous_) {
                 write_sync();
               } else {
                 write_durable_when_due();
               }
             }
             if (!in_flight_ && on_idle_) std::exchange(on_idle_, nullptr)();
           });
}

void CheckpointWriter::write_sync() {
  dirty_ = false;
  const Outcome outcome = shared_->write(generation_, latest_);
  if (!outcome.ok) dirty_ = true;
  on_written_(outcome);
}

void CheckpointWriter::stop(std::function<void()> done) {
  synchronous_ = true;
  due_timer_.reset();
  if (in_flight_) {
    on_idle_ = std::move(done);
    return;
  }
  if (dirty_) write_sync();
  if (done) done();
}

void CheckpointWriter::flush_sync() {
  if (dirty_) write_sync();
}

}  // namespace vigil::collectors::tail
