#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "collectors/host/metrics_encoder.h"
#include "collectors/host/proc_files.h"
#include "collectors/host/series_state.h"

// The shape every scraper has: once per scrape it reads its sources under the root, parses
// them with its pure parsers, and writes its metrics to the encoder.
namespace vigil::collectors::host {

struct ProcStat;

// A failure to read or parse a source, kept per scraper so that a persistent one is logged
// once, not every interval (and costs no allocation while it persists).
struct SourceError {
  std::string_view source;  // a path under the root, a string literal of the scraper's
  int error = 0;            // errno, or 0 for "could not parse"
  bool operator==(const SourceError&) const = default;
};

// What a scrape hands every scraper.
class ScrapeContext {
 public:
  ScrapeContext(ProcFiles& files, MetricsEncoder& encoder, std::int64_t now, std::int64_t boot)
      : files_(files), encoder_(encoder), now_(now), boot_(boot) {}
  virtual ~ScrapeContext() = default;

  ProcFiles& files() { return files_; }
  MetricsEncoder& encoder() { return encoder_; }
  std::int64_t now() const { return now_; }
  std::int64_t boot() const { return boot_; }
  // /proc/stat, read and parsed at most once per scrape for the scrapers that share it;
  // nullptr (with `error` set) when it cannot be read.
  virtual const ProcStat* proc_stat(SourceError& error) = 0;

 private:
  ProcFiles& files_;
  MetricsEncoder& encoder_;
  std::int64_t now_;
  std::int64_t boot_;
};

class Scraper {
 public:
  virtual ~Scraper() = default;
  // "cpu", "memory", ...: the name in `scrapers = [...]`.
  virtual std::string_view name() const = 0;
  // Writes this scrape's metrics. Returns false and sets `error` when a source failed (the
  // scraper then writes what it could from its other sources).
  virtual bool scrape(ScrapeContext& context, SourceError& error) = 0;

 protected:
  // Reads <root><path> into `text`, then `parse(text)`: false with `error` set (errno, or 0 for
  // "could not parse") when either fails.
  template <typename Parse>
  static bool read_parsed(ScrapeContext& context, std::string_view path, std::string& text,
                          SourceError& error, Parse&& parse) {
    if (const int rc = context.files().read(path, text); rc != 0) {
      error = {path, rc};
      return false;
    }
    if (!parse(std::string_view(text))) {
      error = {path, 0};
      return false;
    }
    return true;
  }

  // Times for this scrape; call done(now) after a successful one.
  ScrapeTimes times(const ScrapeContext& context) const {
    return ScrapeTimes{context.now(), previous_, context.boot()};
  }
  void done(std::int64_t now) { previous_ = now; }

 private:
  std::int64_t previous_ = 0;
};

}  // namespace vigil::collectors::host
