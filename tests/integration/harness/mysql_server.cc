#include "integration/harness/mysql_server.h"

#include <mysql.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace parley::testing {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(60);
constexpr const char* kMariadbd = "/usr/sbin/mariadbd";

std::string MariadbdBinary() {
  return std::filesystem::exists(kMariadbd) ? std::string(kMariadbd)
                                            : FindBinary("mariadbd", kMariadbd);
}

// Named after the server binary's size and mtime, so an upgrade gets a new one.
std::filesystem::path PristineDatadir() {
  const std::filesystem::path binary = MariadbdBinary();
  std::error_code ec;
  const auto size = std::filesystem::file_size(binary, ec);
  const auto mtime = std::filesystem::last_write_time(binary, ec).time_since_epoch().count();
  return "/tmp/parley-mysql-pristine-" + std::to_string(size) + "-" +
         std::to_string(static_cast<std::uint64_t>(mtime));
}

void InstallDb(const std::filesystem::path& datadir, const std::filesystem::path& log) {
  ChildProcess install;
  install.Start(
      {FindBinary("mariadb-install-db", "/usr/bin/mariadb-install-db"), "--no-defaults",
       "--datadir=" + datadir.string(), "--user=root", "--auth-root-authentication-method=normal",
       "--skip-test-db", "--skip-name-resolve"},
      log);
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (install.Running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("mariadb-install-db hangs; its log:\n" + ReadTextFile(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!std::filesystem::exists(datadir / "mysql")) {
    throw std::runtime_error("mariadb-install-db failed; its log:\n" + ReadTextFile(log));
  }
}

}  // namespace

MysqlServer::MysqlServer() : dir_(MakeTempDir("parley-mysql")) {
  try {
    Initialize();
    bool started = false;
    // A port picked free may be taken before mariadbd binds it: try others.
    for (int attempt = 0; attempt < 5 && !started; ++attempt) {
      port_ = PickFreeLoopbackPort();
      started = TryStart();
    }
    if (!started) throw std::runtime_error("mariadbd did not start; its log:\n" + Log());
    RunAsRoot("CREATE DATABASE IF NOT EXISTS `" + database_ + "` CHARACTER SET utf8mb4");
    RunAsRoot("CREATE USER IF NOT EXISTS '" + user_ + "'@'%' IDENTIFIED BY '" + password_ + "'");
    RunAsRoot("GRANT ALL PRIVILEGES ON *.* TO '" + user_ + "'@'%'");
  } catch (...) {
    process_.Kill9();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw;
  }
}

MysqlServer::~MysqlServer() {
  process_.Kill9();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string MysqlServer::Url() const {
  return "mysql://" + user_ + ":" + password_ + "@" + host_ + ":" + std::to_string(port_) + "/" +
         database_;
}

void MysqlServer::Initialize() {
  // mariadb-install-db takes seconds, and ctest runs every test case in its
  // own process: initialise one pristine datadir per mariadbd build, shared
  // through /tmp, and copy it (tens of MB, milliseconds) for each server.
  const std::filesystem::path pristine = PristineDatadir();
  if (!std::filesystem::exists(pristine / "mysql")) {
    const std::filesystem::path staging = MakeTempDir("parley-mysql-init");
    try {
      InstallDb(staging / "data", staging / "install.log");
    } catch (...) {
      std::error_code ec;
      std::filesystem::remove_all(staging, ec);
      throw;
    }
    // Atomic: a concurrent test process either wins or finds ours in place.
    std::error_code ec;
    std::filesystem::rename(staging / "data", pristine, ec);
    std::filesystem::remove_all(staging, ec);
  }
  std::filesystem::copy(pristine, dir_ / "data", std::filesystem::copy_options::recursive);
}

bool MysqlServer::TryStart() {
  const std::string binary = MariadbdBinary();
  const std::filesystem::path socket = dir_ / "sock";
  process_.Start({binary, "--no-defaults", "--datadir=" + (dir_ / "data").string(),
                  "--socket=" + socket.string(), "--port=" + std::to_string(port_),
                  "--bind-address=" + host_, "--skip-networking=0", "--skip-name-resolve",
                  "--pid-file=" + (dir_ / "mariadbd.pid").string(),
                  "--log-error=" + (dir_ / "error.log").string(), "--innodb-buffer-pool-size=32M",
                  "--innodb-log-file-size=8M",
                  // Tests run as root; mariadbd refuses that unless told.
                  "--user=root"},
                 dir_ / "stdout.log");
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_.Running()) return false;
    MYSQL* mysql = mysql_init(nullptr);
    const unsigned timeout = 1;
    mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    const bool up = mysql_real_connect(mysql, nullptr, "root", nullptr, nullptr, 0, socket.c_str(),
                                       0) != nullptr;
    mysql_close(mysql);
    if (up) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  process_.Kill9();
  return false;
}

void MysqlServer::RunAsRoot(const std::string& sql) {
  MYSQL* mysql = mysql_init(nullptr);
  const std::string socket = (dir_ / "sock").string();
  std::string error;
  if (!mysql_real_connect(mysql, nullptr, "root", nullptr, nullptr, 0, socket.c_str(), 0)) {
    error = std::string("connect as root: ") + mysql_error(mysql);
  } else if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) {
    error = "'" + sql + "': " + mysql_error(mysql);
  }
  mysql_close(mysql);
  if (!error.empty()) throw std::runtime_error("mariadb setup failed: " + error);
}

void MysqlServer::Stop() { process_.Terminate(std::chrono::seconds(30)); }

void MysqlServer::Kill9() { process_.Kill9(); }

void MysqlServer::Restart() {
  process_.Kill9();
  // Same port on purpose; retry briefly in case the old socket lingers.
  for (int attempt = 0; attempt < 10; ++attempt) {
    if (TryStart()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  throw std::runtime_error("mariadbd did not restart; its log:\n" + Log());
}

std::string MysqlServer::Log() const { return ReadTextFile(dir_ / "error.log"); }

}  // namespace parley::testing
