// The config loader on arbitrary text: never crashes, hangs or leaks, and
// every error carries a location.
#include <cstddef>
#include <cstdint>
#include <string>

#include "agent/config/config_loader.hpp"
#include "agent/platforms/registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto no_env = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  auto loaded = mf::config::load_text(text, "fuzz.yaml", no_env, mf::platforms::config_decls());
  if (!loaded && loaded.error().message.rfind("fuzz.yaml", 0) != 0) __builtin_trap();
  return 0;
}
