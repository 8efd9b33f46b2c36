#include "base/log_fields.h"

namespace parley::base {
namespace {

thread_local std::span<const LogField> current_fields;

}  // namespace

ScopedLogFields::ScopedLogFields(std::span<const LogField> fields) : previous_(current_fields) {
  current_fields = fields;
}

ScopedLogFields::~ScopedLogFields() { current_fields = previous_; }

std::span<const LogField> CurrentLogFields() { return current_fields; }

}  // namespace parley::base
