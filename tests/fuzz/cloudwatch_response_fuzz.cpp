// What CloudWatch and CloudWatch Logs answer (and the counter state file read back from disk):
// query-protocol XML errors, JSON 1.1 errors, PutLogEvents results. The first byte picks the
// decoder; the rest is the body. Nothing may crash, and the decoded facts must be consistent.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "exporters/cloudwatch/aws_response.h"
#include "exporters/cloudwatch/counter_state.h"

namespace cw = vigil::exporters::cloudwatch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t selector = data[0];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (selector % 4) {
    case 0: {
      auto error = cw::parse_aws_error(cw::AwsProtocol::kQuery, body);
      // A 5xx is retried whatever its body says; a 2xx is fine whatever it says.
      if (cw::classify_aws_answer(503, error) != cw::AwsVerdict::kRetryable &&
          cw::classify_aws_answer(503, error) != cw::AwsVerdict::kNotFound &&
          cw::classify_aws_answer(503, error) != cw::AwsVerdict::kAlreadyExists) {
        __builtin_trap();
      }
      if (cw::classify_aws_answer(200, error) != cw::AwsVerdict::kOk) __builtin_trap();
      break;
    }
    case 1: {
      auto error = cw::parse_aws_error(cw::AwsProtocol::kJson, body, body.substr(0, 40));
      cw::classify_aws_answer(400, error);
      break;
    }
    case 2: {
      const std::uint64_t events = selector / 4;
      auto rejected = cw::rejected_log_events(body, events);
      if (rejected && *rejected > events) __builtin_trap();
      break;
    }
    case 3: {
      cw::CounterState state(std::chrono::minutes(15));
      auto loaded = state.load(body, 1'700'000'000'000'000'000);
      if (loaded) {
        // What loads saves, and what saves loads back: the same series.
        cw::CounterState copy(std::chrono::minutes(15));
        std::string saved = state.serialize();
        auto again = copy.load(saved, 1'700'000'000'000'000'000);
        if (!again || *again != state.size() || copy.size() != state.size()) __builtin_trap();
      }
      break;
    }
  }
  return 0;
}
