#include "exporters/otlp/request_split.h"

#include <climits>
#include <span>

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

namespace vigil::exporters::otlp_exporter {

namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;

// One level of an export request's nesting: the fields that hold the next level down. Every
// other field of a message at this level is its "header", repeated in each piece it is cut into.
//   traces, logs:  request.1 -> ResourceX.2 -> ScopeX.2 -> item
//   metrics:       request.1 -> ResourceMetrics.2 -> ScopeMetrics.2 -> Metric.{5,7,9,10,11}
//                  (gauge, sum, histogram, exponential_histogram, summary) -> .1 -> data point
struct Level {
  std::uint32_t children_mask = 0;  // bit n: field n holds children
};

constexpr std::uint32_t bit(int field) { return std::uint32_t{1} << field; }

constexpr Level kSpanLevels[] = {{bit(1)}, {bit(2)}, {bit(2)}};
constexpr Level kMetricLevels[] = {
    {bit(1)}, {bit(2)}, {bit(2)}, {bit(5) | bit(7) | bit(9) | bit(10) | bit(11)}, {bit(1)}};

std::span<const Level> levels_of(core::Signal signal) {
  return signal == core::Signal::kMetrics ? std::span<const Level>(kMetricLevels)
                                          : std::span<const Level>(kSpanLevels);
}

struct Child {
  std::uint32_t field = 0;
  std::string_view value;
};

struct Node {
  std::string header;  // the non-child fields, as they were on the wire
  std::vector<Child> children;
};

core::Result<Node> parse_node(std::string_view bytes, const Level& level) {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    return core::make_error(fmt::format("message of {} bytes is too large", bytes.size()));
  }
  CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  Node node;
  const auto malformed = [&](std::size_t at) {
    return core::make_error(fmt::format(
        "malformed export request (at byte {} of a {}-byte message)", at, bytes.size()));
  };
  while (true) {
    const auto start = static_cast<std::size_t>(in.CurrentPosition());
    const std::uint32_t tag = in.ReadTag();
    if (tag == 0) {
      if (start != bytes.size()) return malformed(start);
      break;
    }
    const std::uint32_t field = WireFormatLite::GetTagFieldNumber(tag);
    if (field < 32 && (level.children_mask & bit(static_cast<int>(field))) != 0) {
      std::uint32_t length = 0;
      if (WireFormatLite::GetTagWireType(tag) != WireFormatLite::WIRETYPE_LENGTH_DELIMITED ||
          !in.ReadVarint32(&length)) {
        return malformed(start);
      }
      const auto value_start = static_cast<std::size_t>(in.CurrentPosition());
      if (!in.Skip(static_cast<int>(std::min<std::uint32_t>(length, INT_MAX)))) {
        return malformed(start);
      }
      node.children.push_back(Child{field, bytes.substr(value_start, length)});
      continue;
    }
    if (!WireFormatLite::SkipField(&in, tag)) return malformed(start);
    const auto end = static_cast<std::size_t>(in.CurrentPosition());
    node.header.append(bytes.substr(start, end - start));
  }
  return node;
}

core::Result<std::uint64_t> count_at(std::span<const Level> levels, std::size_t depth,
                                     std::string_view bytes) {
  auto node = parse_node(bytes, levels[depth]);
  if (!node) return std::unexpected(node.error());
  if (depth + 1 == levels.size()) return node->children.size();
  std::uint64_t total = 0;
  for (const Child& child : node->children) {
    auto n = count_at(levels, depth + 1, child.value);
    if (!n) return n;
    total += *n;
  }
  return total;
}

std::size_t varint_size(std::size_t value) {
  return CodedOutputStream::VarintSize64(static_cast<std::uint64_t>(value));
}

std::size_t field_size(std::uint32_t field, std::size_t length) {
  return varint_size(WireFormatLite::MakeTag(static_cast<int>(field),
                                             WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) +
         varint_size(length) + length;
}

void append_varint(std::string& out, std::uint64_t value) {
  std::uint8_t buffer[10];
  const std::uint8_t* end = CodedOutputStream::WriteVarint64ToArray(value, buffer);
  out.append(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(end - buffer));
}

void append_field(std::string& out, std::uint32_t field, std::string_view value) {
  append_varint(out, WireFormatLite::MakeTag(static_cast<int>(field),
                                             WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  append_varint(out, value.size());
  out.append(value);
}

// Fills pieces of one node: its header plus as many children as fit in `budget`.
class Packer {
 public:
  Packer(const std::string& header, std::size_t budget, std::vector<RequestPart>& out)
      : header_(header), budget_(budget), out_(out), current_(header) {}

  bool fits(std::uint32_t field, std::size_t length) const {
    return current_.size() + field_size(field, length) <= budget_;
  }
  // Holds an item that alone exceeds the budget.
  bool over() const { return current_.size() > budget_; }

  void add(std::uint32_t field, std::string_view value, std::uint64_t items) {
    append_field(current_, field, value);
    items_ += items;
    ++count_;
  }

  void flush() {
    if (count_ == 0) return;
    out_.push_back(RequestPart{std::move(current_), items_});
    current_ = header_;
    items_ = 0;
    count_ = 0;
  }

  // A node without children is kept as it was (it may carry fields of its own).
  void finish(bool had_children) {
    flush();
    if (!had_children) out_.push_back(RequestPart{header_, 0});
  }

 private:
  const std::string& header_;
  std::size_t budget_;
  std::vector<RequestPart>& out_;
  std::string current_;
  std::uint64_t items_ = 0;
  std::size_t count_ = 0;
};

core::Result<void> split_at(std::span<const Level> levels, std::size_t depth,
                            std::string_view bytes, std::size_t budget,
                            std::vector<RequestPart>& out) {
  auto node = parse_node(bytes, levels[depth]);
  if (!node) return std::unexpected(node.error());
  const bool items_below = depth + 1 == levels.size();
  Packer packer(node->header, budget, out);
  for (const Child& child : node->children) {
    if (!packer.fits(child.field, child.value.size())) packer.flush();
    if (packer.fits(child.field, child.value.size()) || items_below) {
      std::uint64_t items = 1;
      if (!items_below) {
        auto counted = count_at(levels, depth + 1, child.value);
        if (!counted) return std::unexpected(counted.error());
        items = *counted;
      }
      packer.add(child.field, child.value, items);
      if (packer.over()) packer.flush();  // an item too large alone: a piece of its own
      continue;
    }
    // Too large even alone: cut the child, each cut wrapped in this node's header.
    const std::size_t overhead = node->header.size() + field_size(child.field, budget) - budget;
    const std::size_t child_budget = budget > overhead ? budget - overhead : 0;
    std::vector<RequestPart> pieces;
    auto cut = split_at(levels, depth + 1, child.value, child_budget, pieces);
    if (!cut) return cut;
    for (RequestPart& piece : pieces) {
      if (!packer.fits(child.field, piece.payload.size())) packer.flush();
      packer.add(child.field, piece.payload, piece.items);
      if (packer.over()) packer.flush();
    }
  }
  packer.finish(!node->children.empty());
  return {};
}

// A ResourceX with its `resource` fields (field 1) merged into the first; nullopt when it has
// at most one.
core::Result<std::optional<std::string>> merge_resources_of(std::string_view group) {
  constexpr Level kResourceField = {bit(1)};
  auto node = parse_node(group, kResourceField);
  if (!node) return std::unexpected(node.error());
  if (node->children.size() < 2) return std::nullopt;
  std::string merged;
  for (const Child& resource : node->children) merged.append(resource.value);
  // The resource first, then the other fields as they were (protobuf does not care about
  // field order).
  std::string out;
  out.reserve(group.size());
  append_field(out, 1, merged);
  out.append(node->header);
  return out;
}

}  // namespace

core::Result<std::optional<std::string>> merge_repeated_resources(std::string_view payload) {
  constexpr Level kGroups = {bit(1)};
  auto request = parse_node(payload, kGroups);
  if (!request) return std::unexpected(request.error());
  std::vector<std::optional<std::string>> merged;
  merged.reserve(request->children.size());
  bool any = false;
  for (const Child& group : request->children) {
    auto one = merge_resources_of(group.value);
    if (!one) return std::unexpected(one.error());
    any = any || one->has_value();
    merged.push_back(std::move(*one));
  }
  if (!any) return std::nullopt;
  std::string out;
  out.reserve(payload.size());
  out.append(request->header);
  for (std::size_t i = 0; i < merged.size(); ++i) {
    append_field(out, 1, merged[i] ? std::string_view(*merged[i]) : request->children[i].value);
  }
  return out;
}

core::Result<std::vector<RequestPart>> split_request(core::Signal signal, std::string_view payload,
                                                     std::size_t max_bytes) {
  std::vector<RequestPart> parts;
  if (payload.size() <= max_bytes) {
    auto items = count_items(signal, payload);
    if (!items) return std::unexpected(items.error());
    parts.push_back(RequestPart{std::string(payload), *items});
    return parts;
  }
  auto cut = split_at(levels_of(signal), 0, payload, max_bytes, parts);
  if (!cut) return std::unexpected(cut.error());
  return parts;
}

core::Result<std::uint64_t> count_items(core::Signal signal, std::string_view payload) {
  return count_at(levels_of(signal), 0, payload);
}

}  // namespace vigil::exporters::otlp_exporter
