#pragma once
// A peer's text (an error page, a reply) as it may go into a message or a
// log line: control characters as spaces, at most `max` characters with "..."
// after, and `if_empty` when there is nothing to say.
#include <cstddef>
#include <string>
#include <string_view>

namespace mf {

std::string excerpt(std::string_view text, std::size_t max, std::string_view if_empty = {});

}  // namespace mf
