#include "collectors/host/network_scraper.h"

namespace vigil::collectors::host {

namespace {

// Every column exists for every interface.
constexpr std::uint8_t kAll = kNetDevColumns;

constexpr DeviceMetric kNetworkMetrics[] = {
    {{"system.network.io", "Bytes received and transmitted.", "By", MetricKind::kCounter},
     ValueScale::kInteger,
     {{{kRxBytes, "receive", kAll}, {kTxBytes, "transmit", kAll}}},
     2},
    {{"system.network.packets", "Packets received and transmitted.", "{packet}",
      MetricKind::kCounter},
     ValueScale::kInteger,
     {{{kRxPackets, "receive", kAll}, {kTxPackets, "transmit", kAll}}},
     2},
    {{"system.network.errors", "Receive and transmit errors.", "{error}", MetricKind::kCounter},
     ValueScale::kInteger,
     {{{kRxErrs, "receive", kAll}, {kTxErrs, "transmit", kAll}}},
     2},
    {{"system.network.dropped", "Packets dropped.", "{packet}", MetricKind::kCounter},
     ValueScale::kInteger,
     {{{kRxDrop, "receive", kAll}, {kTxDrop, "transmit", kAll}}},
     2},
    {{"system.network.fifo", "FIFO buffer errors.", "{error}", MetricKind::kCounter},
     ValueScale::kInteger,
     {{{kRxFifo, "receive", kAll}, {kTxFifo, "transmit", kAll}}},
     2},
    {{"system.network.frame", "Packet framing errors on receive.", "{error}", MetricKind::kCounter},
     ValueScale::kInteger,
     {{{kRxFrame, "", kAll}}},
     1},
    {{"system.network.compressed", "Compressed packets received and transmitted.", "{packet}",
      MetricKind::kCounter},
     ValueScale::kInteger,
     {{{kRxCompressed, "receive", kAll}, {kTxCompressed, "transmit", kAll}}},
     2},
    {{"system.network.multicast", "Multicast packets received.", "{packet}", MetricKind::kCounter},
     ValueScale::kInteger,
     {{{kRxMulticast, "", kAll}}},
     1},
    {{"system.network.collisions", "Collisions detected on transmit.", "{collision}",
      MetricKind::kCounter},
     ValueScale::kInteger,
     {{{kTxColls, "", kAll}}},
     1},
    {{"system.network.carrier", "Carrier losses on transmit.", "{error}", MetricKind::kCounter},
     ValueScale::kInteger,
     {{{kTxCarrier, "", kAll}}},
     1},
};

}  // namespace

std::span<const DeviceMetric> NetworkSource::metrics() { return kNetworkMetrics; }

}  // namespace vigil::collectors::host
