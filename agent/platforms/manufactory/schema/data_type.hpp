#pragma once
// The collector's data types (PROTOCOL.md "Names and types") and exactly the
// values each accepts: what the collector would take, nothing it would refuse.
#include <optional>
#include <string>
#include <string_view>

#include "agent/ingest/event_policy.hpp"

namespace mf::manufactory {

enum class DataType { text, integer, date, time, timestamp, json, boolean };

// "INTEGER", "integer", "Integer"... -> DataType; nullopt for a type the agent does not know.
std::optional<DataType> parse_data_type(std::string_view name);
std::string_view type_name(DataType type);  // "INTEGER"
// The type with the forms it accepts, for refusals: "INTEGER (-2147483648..2147483647)".
std::string_view type_rule(DataType type);
// The names parse_data_type knows, for errors.
std::string_view known_type_names();

bool value_fits(DataType type, const ingest::AttributeInfo& value);

// The pieces of the string forms, each checked on its own (tests).
bool is_date(std::string_view text);       // yyyy-mm-dd, a day of the Gregorian calendar
bool is_time(std::string_view text);       // HH:MM:SS, 00:00:00 to 23:59:59
bool is_timestamp(std::string_view text);  // yyyy-mm-dd HH:MM:SS

}  // namespace mf::manufactory
