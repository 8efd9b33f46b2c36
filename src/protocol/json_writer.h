#pragma once
// Appends JSON text to a std::string directly, for the bodies written on
// every message (the stored message, CHAT's answer): building a
// boost::json::object first costs an allocation per field and a hash table,
// which was a tenth of parleyd's instructions per message.
//
// Output is what boost::json::serialize writes for the same values: strings
// escape '"', '\\' and control characters, and keep every other byte (the
// input was parsed as valid UTF-8). Keys are the code base's literals and are
// written as given.

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::protocol {

// `"text"`, escaped.
void AppendJsonString(std::string& out, std::string_view text);
void AppendJsonInt(std::string& out, std::int64_t value);
// Any value; scalars directly, objects and arrays through boost::json.
void AppendJsonValue(std::string& out, const boost::json::value& value);
// `"key":` (preceded by ',' unless `out` ends with '{').
void AppendJsonKey(std::string& out, std::string_view key);

}  // namespace parley::protocol
