#pragma once
// `parleyctl migrate`: runs the migration (or its --verify) and renders the
// report as JSON for parleyctl to print.

#include <boost/json/object.hpp>

#include "base/error.h"
#include "migrate/migration.h"

namespace parley::ctl {

enum class MigrateMode { kCopy, kVerify };

struct MigrateOutcome {
  boost::json::object report;
  bool differences = false;  // --verify found the target unlike the source
};

// Progress lines go to stderr.
base::Result<MigrateOutcome> RunMigrate(const migrate::MigrateOptions& options, MigrateMode mode);

}  // namespace parley::ctl
