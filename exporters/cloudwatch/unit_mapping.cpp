#include "exporters/cloudwatch/unit_mapping.h"

#include <array>
#include <utility>

namespace vigil::exporters::cloudwatch {

namespace {

struct UcumEntry {
  std::string_view ucum;
  CloudWatchUnit unit;
};

// Decimal prefixes map onto CloudWatch's own units (its Kilobytes etc. are the SI ones); the
// binary ones (KiBy) are converted into the base unit so no value is misread by 2.4 %.
constexpr std::array kUcumUnits{
    UcumEntry{"s", {"Seconds", 1}},
    UcumEntry{"ms", {"Milliseconds", 1}},
    UcumEntry{"us", {"Microseconds", 1}},
    UcumEntry{"ns", {"Microseconds", 1e-3}},
    UcumEntry{"min", {"Seconds", 60}},
    UcumEntry{"h", {"Seconds", 3600}},
    UcumEntry{"d", {"Seconds", 86400}},
    UcumEntry{"By", {"Bytes", 1}},
    UcumEntry{"kBy", {"Kilobytes", 1}},
    UcumEntry{"MBy", {"Megabytes", 1}},
    UcumEntry{"GBy", {"Gigabytes", 1}},
    UcumEntry{"TBy", {"Terabytes", 1}},
    UcumEntry{"KiBy", {"Bytes", 1024.0}},
    UcumEntry{"MiBy", {"Bytes", 1048576.0}},
    UcumEntry{"GiBy", {"Bytes", 1073741824.0}},
    UcumEntry{"TiBy", {"Bytes", 1099511627776.0}},
    UcumEntry{"bit", {"Bits", 1}},
    UcumEntry{"kbit", {"Kilobits", 1}},
    UcumEntry{"Mbit", {"Megabits", 1}},
    UcumEntry{"Gbit", {"Gigabits", 1}},
    UcumEntry{"Tbit", {"Terabits", 1}},
    UcumEntry{"By/s", {"Bytes/Second", 1}},
    UcumEntry{"kBy/s", {"Kilobytes/Second", 1}},
    UcumEntry{"MBy/s", {"Megabytes/Second", 1}},
    UcumEntry{"GBy/s", {"Gigabytes/Second", 1}},
    UcumEntry{"TBy/s", {"Terabytes/Second", 1}},
    UcumEntry{"KiBy/s", {"Bytes/Second", 1024.0}},
    UcumEntry{"MiBy/s", {"Bytes/Second", 1048576.0}},
    UcumEntry{"bit/s", {"Bits/Second", 1}},
    UcumEntry{"kbit/s", {"Kilobits/Second", 1}},
    UcumEntry{"Mbit/s", {"Megabits/Second", 1}},
    UcumEntry{"Gbit/s", {"Gigabits/Second", 1}},
    UcumEntry{"Tbit/s", {"Terabits/Second", 1}},
    UcumEntry{"%", {"Percent", 1}},
    UcumEntry{"1/s", {"Count/Second", 1}},
};

constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kRateUnits{{
    {"Bytes", "Bytes/Second"},
    {"Kilobytes", "Kilobytes/Second"},
    {"Megabytes", "Megabytes/Second"},
    {"Gigabytes", "Gigabytes/Second"},
    {"Terabytes", "Terabytes/Second"},
    {"Bits", "Bits/Second"},
    {"Kilobits", "Kilobits/Second"},
    {"Megabits", "Megabits/Second"},
    {"Gigabits", "Gigabits/Second"},
    {"Terabits", "Terabits/Second"},
    {"Count", "Count/Second"},
    {"None", "None"},
}};

constexpr std::array<std::string_view, 27> kStandardUnits{
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
};

// "{packet}", "{operation}/s": a UCUM annotation stands for a dimensionless count.
bool is_annotation(std::string_view s) {
  return s.size() >= 2 && s.front() == '{' && s.back() == '}' &&
         s.find_first_of("{}", 1) == s.size() - 1;
}

}  // namespace

CloudWatchUnit map_unit(std::string_view ucum) {
  for (const auto& entry : kUcumUnits) {
    if (entry.ucum == ucum) return entry.unit;
  }
  if (is_annotation(ucum)) return {"Count", 1};
  if (ucum.ends_with("/s") && is_annotation(ucum.substr(0, ucum.size() - 2))) {
    return {"Count/Second", 1};
  }
  return {};
}

std::string_view rate_unit(std::string_view unit) {
  for (const auto& [base, per_second] : kRateUnits) {
    if (base == unit) return per_second;
  }
  return "None";
}

bool is_cloudwatch_unit(std::string_view name) {
  for (auto u : kStandardUnits) {
    if (u == name) return true;
  }
  return false;
}

}  // namespace vigil::exporters::cloudwatch
