#pragma once
// Rules the platforms' checks share about the collector section.
#include <string_view>

#include "agent/config/checker.hpp"

namespace mf::config {

// collector.url is required (its default is Manufactory's host).
void require_base_url(Checker& checker, std::string_view example);
// A streaming platform without collector.ws_url streams where collector.url
// points, with ws/wss, at `path` under it when given (Manufactory: /ws).
void default_stream_url(Checker& checker, std::string_view path = {});
// A platform that sends events over HTTPS has no use for collector.ws_url.
void refuse_stream_url(Checker& checker, std::string_view platform);

}  // namespace mf::config
