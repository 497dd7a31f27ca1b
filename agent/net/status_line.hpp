#pragma once
// An HTTP/1.x status line as curl reads it. Servers built on uWebSockets (the
// real SAMA server among them) write "HTTP/1.1 200\r\n": no reason phrase and
// no space before it. The meaning is unambiguous, so we accept it: the line
// gets the separator that Beast's strict parser requires. Nothing else is
// changed; whatever is still wrong is Beast's to refuse.
#include <string>

namespace mf::net {

// `line` is the first line of a response, its CRLF included. True when it was
// changed.
bool repair_status_line(std::string& line);

}  // namespace mf::net
