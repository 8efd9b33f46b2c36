#include "tools/parleyctl/migrate_command.h"

#include <boost/json/array.hpp>

#include <cmath>
#include <iostream>

namespace parley::ctl {

namespace json = boost::json;

base::Result<MigrateOutcome> RunMigrate(const migrate::MigrateOptions& options, MigrateMode mode) {
  MigrateOutcome out;
  if (mode == MigrateMode::kCopy) {
    auto progress = [](std::string_view line) { std::cerr << "parleyctl migrate: " << line << "\n"; };
    PARLEY_ASSIGN_OR_RETURN(migrate::MigrationReport r, migrate::Migrate(options, progress));
    const double rate = r.seconds > 0 ? static_cast<double>(r.messages) / r.seconds : 0;
    out.report = {{"users", r.users},
                  {"groups", r.groups},
                  {"conversations", r.conversations},
                  {"messages_copied", r.messages},
                  {"messages_already_there", r.messages_present},
                  {"positions", r.positions},
                  {"inboxes", r.inboxes},
                  {"inbox_entries", r.inbox_entries},
                  {"webhook_outbox_entries", r.outbox_entries},
                  {"media_files_copied", r.media_files},
                  {"seconds", std::round(r.seconds * 100) / 100},
                  {"messages_per_second", std::round(rate)}};
    return out;
  }
  PARLEY_ASSIGN_OR_RETURN(migrate::VerifyReport r, migrate::Verify(options));
  json::array checksums;
  for (const auto& c : r.checksums) {
    checksums.push_back(json::object{
        {"conversation_id", c.conversation_id}, {"messages", c.messages}, {"sha256", c.sha256}});
  }
  json::array differences;
  for (const std::string& d : r.differences) differences.emplace_back(d);
  out.differences = !r.differences.empty();
  out.report = {{"users", r.users},
                {"groups", r.groups},
                {"conversations", r.conversations},
                {"messages", r.messages},
                {"positions", r.positions},
                {"result", out.differences ? "DIFFERENT" : "identical"},
                {"differences", std::move(differences)},
                {"checksums", std::move(checksums)}};
  return out;
}

}  // namespace parley::ctl
