#include "agent/config/env_expand.hpp"

#include <cctype>

namespace mf::config {
namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())) != 0) return false;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') return false;
  }
  return true;
}

}  // namespace

Expected<std::string> expand_env(std::string_view text, const EnvLookup& env) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto dollar = text.find('$', i);
    if (dollar == std::string_view::npos) break;
    out.append(text.substr(i, dollar - i));
    if (text.substr(dollar, 3) == "$${") {  // a literal ${
      out += "${";
      i = dollar + 3;
      continue;
    }
    if (text.substr(dollar, 2) != "${") {
      out += '$';
      i = dollar + 1;
      continue;
    }
    const auto close = text.find('}', dollar);
    if (close == std::string_view::npos) {
      return fail(ErrorKind::config, "'" + std::string(text.substr(dollar)) + "' has no closing }; write $${ for a literal ${");
    }
    const std::string_view inside = text.substr(dollar + 2, close - dollar - 2);
    const auto sep = inside.find(":-");
    const std::string_view name = inside.substr(0, sep);
    if (!valid_name(name)) {
      return fail(ErrorKind::config, "'${" + std::string(inside) + "}' does not name an environment variable (letters, digits, _)");
    }
    auto value = env(name);
    if (value && !value->empty()) {
      out += *value;
    } else if (sep != std::string_view::npos) {
      out.append(inside.substr(sep + 2));
    } else {
      return fail(ErrorKind::config, "the environment variable " + std::string(name) + " is not set (used as ${" + std::string(name) +
                                         "}); set it, or give a default: ${" + std::string(name) + ":-value}");
    }
    i = close + 1;
  }
  out.append(text.substr(std::min(i, text.size())));
  return out;
}

}  // namespace mf::config
