#pragma once
// The reference of every configuration key, made from the key declarations
// themselves: `check-config --keys` prints it, docs/configuration.md and the
// manufactory-agent.yaml(5) man page carry it, and a test keeps the document
// equal to it, so the reference cannot drift from what the loader accepts.
#include <string>

#include "agent/config/config_keys.hpp"

namespace mf::config {

enum class KeyFormat { text, markdown, man };

std::string key_reference(KeyFormat format, const KeyTable& table);

}  // namespace mf::config
