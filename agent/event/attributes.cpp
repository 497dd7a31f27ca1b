#include "agent/event/attributes.hpp"

#include "agent/common/json.hpp"

namespace mf::event {
namespace {

bool is_lower_or_underscore(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

Status validate_names(const rapidjson::Value& object, std::string_view what) {
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (!is_valid_attribute_name(name)) {
      return fail(ErrorKind::invalid_input,
                  std::string(what) + " attribute name '" + std::string(name) +
                      "' is not valid: use lower-case letters, digits and '_', not starting with a digit");
    }
  }
  return {};
}

}  // namespace

bool is_valid_attribute_name(std::string_view name) {
  if (name.empty() || !is_lower_or_underscore(name.front())) return false;
  for (char c : name) {
    if (!is_lower_or_underscore(c) && !is_digit(c)) return false;
  }
  return true;
}

Expected<std::string> normalize_attributes(std::string_view json_text, std::string_view what, const Limits& limits) {
  auto doc = json::parse_untrusted(json_text, {limits.max_bytes, limits.max_depth});
  if (!doc) return fail(ErrorKind::invalid_input, std::string(what) + " is " + doc.error().message);
  return normalize_attributes(*doc, what);
}

Expected<std::string> normalize_attributes(const rapidjson::Value& value, std::string_view what) {
  if (auto ok = check_attributes(value, what); !ok) return fail(ok.error());
  return json::to_string(value);
}

Status check_attributes(const rapidjson::Value& value, std::string_view what) {
  if (!value.IsObject()) {
    return fail(ErrorKind::invalid_input,
                std::string(what) + " must be a JSON object of attributes, not " + json::describe_type(value));
  }
  if (value.MemberCount() == 0) {
    return fail(ErrorKind::invalid_input, std::string(what) + " has no attributes: give at least one, e.g. {\"name\":\"value\"}");
  }
  return validate_names(value, what);
}

}  // namespace mf::event
