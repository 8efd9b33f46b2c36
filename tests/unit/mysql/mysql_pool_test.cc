// The MySQL pool against a real mariadbd: statements with parameters that
// must never become SQL, transactions, errors as values, the worker threads,
// and what callers see when the server dies and comes back.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "integration/harness/child_process.h"
#include "integration/harness/io_threads.h"
#include "integration/harness/mysql_server.h"
#include "mysql/pool.h"

namespace parley::mysql {
namespace {

using parley::testing::IoThreads;
using parley::testing::RunOn;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kCreateTable =
    "CREATE TABLE note (id BIGINT AUTO_INCREMENT PRIMARY KEY, author VARCHAR(64) NOT NULL,"
    " body LONGBLOB, score BIGINT, UNIQUE KEY (author, score)) ENGINE=InnoDB";

// A detached statement; a free function because a detached coroutine must
// not refer to a lambda closure that dies when co_spawn returns.
asio::awaitable<void> ExecuteInto(Pool& pool, std::string sql,
                                  std::function<void(base::Result<QueryResult>)> done) {
  base::Result<QueryResult> result = co_await pool.Execute(std::move(sql));
  done(std::move(result));
}

// Like ExecuteInto, for a job run on a worker's session.
asio::awaitable<void> RunInto(Pool& pool, std::function<base::Result<QueryResult>(Session&)> job,
                              std::function<void(base::Result<QueryResult>)> done) {
  base::Result<QueryResult> result = co_await pool.Run(std::move(job));
  done(std::move(result));
}

class MysqlPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<parley::testing::MysqlServer>();
    pool_ = std::make_unique<Pool>(OptionsFor(*server_));
    const base::Result<QueryResult> created = Execute(kCreateTable);
    ASSERT_TRUE(created) << created.error().message;
  }

  static Options OptionsFor(const parley::testing::MysqlServer& server) {
    base::Result<Options> options = ParseUrl(server.Url());
    EXPECT_TRUE(options);
    options->threads = 2;
    options->reconnect_min = milliseconds(50);
    options->reconnect_max = milliseconds(400);
    return *options;
  }

  base::Result<QueryResult> Execute(std::string sql) {
    return RunOn(caller_, pool_->Execute(std::move(sql)));
  }
  base::Result<QueryResult> Execute(std::string sql, std::vector<Param> params) {
    return RunOn(caller_, pool_->Execute(std::move(sql), std::move(params)));
  }
  std::size_t CountNotes() {
    const base::Result<QueryResult> count = Execute("SELECT COUNT(*) FROM note");
    EXPECT_TRUE(count);
    return count ? std::stoul(*count->rows.at(0).at(0)) : 0;
  }

  std::unique_ptr<parley::testing::MysqlServer> server_;
  IoThreads caller_{2};
  std::unique_ptr<Pool> pool_;  // destroyed before the caller's threads stop
};

TEST_F(MysqlPoolTest, ParametersAreDataNeverSql) {
  const std::vector<std::string> bodies = {
      "plain",
      "it's \"quoted\" `back` \\ slash",
      std::string("nul\0inside", 10),
      "héllo wörld — 你好 🎉",
      "x'); DROP TABLE note; --",
      std::string(100000, 'z'),  // longer than the first fetch buffer
  };
  std::int64_t score = -1;
  for (const std::string& body : bodies) {
    const base::Result<QueryResult> inserted =
        Execute("INSERT INTO note (author, body, score) VALUES (?, ?, ?)",
                {std::string("o'brien"), body, ++score});
    ASSERT_TRUE(inserted) << inserted.error().message;
    EXPECT_EQ(inserted->affected_rows, 1u);
    EXPECT_EQ(inserted->last_insert_id, static_cast<std::uint64_t>(score + 1));
  }
  const base::Result<QueryResult> null_row =
      Execute("INSERT INTO note (author, body, score) VALUES (?, ?, ?)",
              {std::string("nobody"), nullptr, std::int64_t{9223372036854775807}});
  ASSERT_TRUE(null_row) << null_row.error().message;

  const base::Result<QueryResult> rows =
      Execute("SELECT author, body, score FROM note WHERE author = ? ORDER BY id",
              {std::string("o'brien")});
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(rows->columns, (std::vector<std::string>{"author", "body", "score"}));
  ASSERT_EQ(rows->rows.size(), bodies.size());
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    EXPECT_EQ(rows->rows[i][0], "o'brien");
    EXPECT_EQ(rows->rows[i][1], bodies[i]) << "row " << i;
    EXPECT_EQ(rows->rows[i][2], std::to_string(i));
  }
  const base::Result<QueryResult> nulls =
      Execute("SELECT body, score FROM note WHERE author = ?", {std::string("nobody")});
  ASSERT_TRUE(nulls);
  ASSERT_EQ(nulls->rows.size(), 1u);
  EXPECT_FALSE(nulls->rows[0][0].has_value());
  EXPECT_EQ(nulls->rows[0][1], "9223372036854775807");

  // The text protocol reads the same bytes back.
  const base::Result<QueryResult> text = Execute("SELECT body FROM note ORDER BY id LIMIT 4");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->rows[2][0], bodies[2]);
  EXPECT_EQ(text->rows[3][0], bodies[3]);
  EXPECT_EQ(CountNotes(), bodies.size() + 1);  // the "DROP TABLE" stayed a string
}

TEST_F(MysqlPoolTest, ErrorsAreValues) {
  const base::Result<QueryResult> first = Execute("INSERT INTO note (author, score) VALUES (?, ?)",
                                                  {std::string("a"), std::int64_t{1}});
  ASSERT_TRUE(first);
  const base::Result<QueryResult> duplicate = Execute(
      "INSERT INTO note (author, score) VALUES (?, ?)", {std::string("a"), std::int64_t{1}});
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, base::Code::kConflict);

  const base::Result<QueryResult> wrong_count =
      Execute("SELECT * FROM note WHERE author = ?", {std::string("a"), std::int64_t{2}});
  ASSERT_FALSE(wrong_count);
  EXPECT_EQ(wrong_count.error().code, base::Code::kBadRequest);

  const base::Result<QueryResult> syntax = Execute("SELEKT 1");
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().code, base::Code::kInternal);
  // One statement per call: a stacked second statement is a syntax error.
  const base::Result<QueryResult> stacked = Execute("SELECT 1; DROP TABLE note");
  ASSERT_FALSE(stacked);
  EXPECT_EQ(CountNotes(), 1u);
}

TEST_F(MysqlPoolTest, TransactionCommitsOrRollsBack) {
  const base::Result<std::int64_t> committed =
      RunOn(caller_, pool_->Transaction([](Session& session) -> base::Result<std::int64_t> {
        for (std::int64_t i = 0; i < 3; ++i) {
          PARLEY_ASSIGN_OR_RETURN(QueryResult r,
                                  session.Execute("INSERT INTO note (author, score) VALUES (?, ?)",
                                                  {std::string("tx"), i}));
          (void)r;
        }
        PARLEY_ASSIGN_OR_RETURN(QueryResult count, session.Execute("SELECT COUNT(*) FROM note"));
        return std::stoll(*count.rows[0][0]);
      }));
  ASSERT_TRUE(committed) << committed.error().message;
  EXPECT_EQ(*committed, 3);
  EXPECT_EQ(CountNotes(), 3u);

  const base::Result<void> rolled_back =
      RunOn(caller_, pool_->Transaction([](Session& session) -> base::Result<void> {
        PARLEY_ASSIGN_OR_RETURN(QueryResult r,
                                session.Execute("INSERT INTO note (author, score) VALUES (?, ?)",
                                                {std::string("tx"), std::int64_t{99}}));
        (void)r;
        // A duplicate of the first transaction's row: the whole transaction goes.
        PARLEY_ASSIGN_OR_RETURN(QueryResult dup,
                                session.Execute("INSERT INTO note (author, score) VALUES (?, ?)",
                                                {std::string("tx"), std::int64_t{0}}));
        (void)dup;
        return {};
      }));
  ASSERT_FALSE(rolled_back);
  EXPECT_EQ(rolled_back.error().code, base::Code::kConflict);
  EXPECT_EQ(CountNotes(), 3u);

  const base::Result<void> thrown =
      RunOn(caller_, pool_->Transaction([](Session& session) -> base::Result<void> {
        (void)session.Execute("DELETE FROM note");
        throw std::runtime_error("bug in the caller");
      }));
  ASSERT_FALSE(thrown);
  EXPECT_EQ(thrown.error().code, base::Code::kInternal);
  EXPECT_EQ(CountNotes(), 3u);
}

TEST_F(MysqlPoolTest, QueriesRunOnWorkersAndResumeOnTheCallersThread) {
  RunOn(caller_, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 20; ++i) {
      const std::thread::id caller = std::this_thread::get_id();
      base::Result<std::thread::id> worker = co_await pool_->Run(
          [](Session&) -> base::Result<std::thread::id> { return std::this_thread::get_id(); });
      PARLEY_CO_ASSERT(worker);
      EXPECT_NE(*worker, caller);
      EXPECT_FALSE(caller_.RunsOnThisThread() && *worker == std::this_thread::get_id());
      EXPECT_TRUE(caller_.RunsOnThisThread());
    }
  }());
}

TEST_F(MysqlPoolTest, KilledServerAnswers503FastAndRestartedServerWorksAgain) {
  ASSERT_TRUE(Execute("INSERT INTO note (author, score) VALUES ('before', 1)"));
  // In flight when the server dies: running on the server, as the other
  // worker sees in the process list.
  std::promise<base::Result<QueryResult>> in_flight;
  asio::co_spawn(caller_.io(),
                 ExecuteInto(*pool_, "SELECT SLEEP(30)",
                             [&](base::Result<QueryResult> r) { in_flight.set_value(r); }),
                 asio::detached);
  bool running = false;
  for (const auto deadline = Clock::now() + std::chrono::seconds(10);
       !running && Clock::now() < deadline;) {
    const base::Result<QueryResult> listed = Execute(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(30)'");
    running = listed && listed->rows.at(0).at(0) == "1";
    if (!running) std::this_thread::sleep_for(milliseconds(5));
  }
  // No ASSERT: the kill below must still end the query that holds in_flight.
  EXPECT_TRUE(running);
  const auto killed_at = Clock::now();
  server_->Kill9();
  auto future = in_flight.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const base::Result<QueryResult> lost = future.get();
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code, base::Code::kUnavailable) << lost.error().message;
  EXPECT_LT(Clock::now() - killed_at, milliseconds(1000));

  for (int i = 0; i < 5; ++i) {
    const auto start = Clock::now();
    const base::Result<QueryResult> down = Execute("SELECT 1");
    ASSERT_FALSE(down);
    EXPECT_EQ(down.error().code, base::Code::kUnavailable) << down.error().message;
    EXPECT_LT(Clock::now() - start, milliseconds(1100));
  }

  server_->Restart();
  bool back = false;
  for (const auto deadline = Clock::now() + std::chrono::seconds(10);
       !back && Clock::now() < deadline;) {
    back = static_cast<bool>(Execute("SELECT 1"));
    if (!back) std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_TRUE(back);
  // Every worker reconnects, not just the first one to try.
  for (int i = 0; i < 10; ++i) {
    const base::Result<QueryResult> after =
        Execute("SELECT author FROM note WHERE score = ?", {std::int64_t{1}});
    ASSERT_TRUE(after) << after.error().message;
    EXPECT_EQ(after->rows.at(0).at(0), "before");
  }
}

// A restart closes the pool's idle connections; the server is up again, so
// read-only work reconnects and runs once more instead of answering 503.
// Work that may write still fails once, and a dead server still answers 503.
TEST_F(MysqlPoolTest, ReadOnlyWorkOnAnIdleConnectionSurvivesARestart) {
  Options options = OptionsFor(*server_);
  options.threads = 1;  // one session: every job gets the same idle connection
  Pool single(options);
  std::atomic<int> runs{0};
  auto read = [&runs](Session& session) -> base::Result<QueryResult> {
    ++runs;
    return session.Execute("SELECT COUNT(*) FROM note");
  };
  const base::Result<QueryResult> before = RunOn(caller_, single.Run(read, Access::kReadOnly));
  ASSERT_TRUE(before) << before.error().message;
  EXPECT_EQ(runs.exchange(0), 1);

  for (const bool crash : {false, true}) {
    SCOPED_TRACE(crash ? "after kill -9" : "after a clean stop");
    if (crash) {
      server_->Kill9();
    } else {
      server_->Stop();
    }
    server_->Restart();
    const base::Result<QueryResult> after = RunOn(caller_, single.Run(read, Access::kReadOnly));
    ASSERT_TRUE(after) << after.error().message;
    EXPECT_EQ(after->rows.at(0).at(0), "0");
    EXPECT_EQ(runs.exchange(0), 2);  // once on the closed connection, once on a new one
  }

  server_->Stop();
  server_->Restart();
  const base::Result<QueryResult> may_write = RunOn(caller_, single.Run(read));
  ASSERT_FALSE(may_write);
  EXPECT_EQ(may_write.error().code, base::Code::kUnavailable) << may_write.error().message;
  EXPECT_EQ(runs.exchange(0), 1);
  const base::Result<QueryResult> next = RunOn(caller_, single.Run(read));
  EXPECT_TRUE(next) << next.error().message;
  EXPECT_EQ(runs.exchange(0), 1);

  // Down for good: the rerun's reconnect is refused, and that is the answer.
  server_->Kill9();
  const auto start = Clock::now();
  const base::Result<QueryResult> down = RunOn(caller_, single.Run(read, Access::kReadOnly));
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, base::Code::kUnavailable) << down.error().message;
  EXPECT_EQ(runs.exchange(0), 1);
  EXPECT_LT(Clock::now() - start, milliseconds(1100));
  server_->Restart();
}

TEST_F(MysqlPoolTest, QueueBeyondItsBoundIsRefused) {
  Options options = OptionsFor(*server_);
  options.threads = 1;
  options.max_queue = 1;
  Pool small(options);
  // The only worker is held by a job that waits for `gate` (declared after
  // `small`: if the test ends early, the broken promise lets the job go).
  std::promise<void> started;
  std::promise<base::Result<QueryResult>> busy;
  std::promise<void> gate;
  auto hold = [&started, opened = gate.get_future().share()](Session& session) {
    started.set_value();
    opened.wait();
    return session.Execute("SELECT 1");
  };
  asio::co_spawn(caller_.io(),
                 RunInto(small, hold, [&](base::Result<QueryResult> r) { busy.set_value(r); }),
                 asio::detached);
  ASSERT_EQ(started.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);

  // With the worker busy, the queue takes one query: of two sent at once,
  // whichever comes second is refused at once and the other waits.
  std::mutex mu;
  std::condition_variable cv;
  std::vector<base::Result<QueryResult>> answers;
  for (const char* sql : {"SELECT 2", "SELECT 3"}) {
    asio::co_spawn(caller_.io(),
                   ExecuteInto(small, sql,
                               [&](base::Result<QueryResult> r) {
                                 std::lock_guard lock(mu);
                                 answers.push_back(std::move(r));
                                 cv.notify_all();
                               }),
                   asio::detached);
  }
  {
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return !answers.empty(); }));
    if (!answers.empty()) {
      EXPECT_FALSE(answers[0]);
      if (!answers[0]) {
        EXPECT_EQ(answers[0].error().message, "mysql overloaded");
      }
    }
  }
  gate.set_value();
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return answers.size() == 2; }));
  EXPECT_TRUE(answers[1]) << answers[1].error().message;
  lock.unlock();
  EXPECT_TRUE(busy.get_future().get());
}

TEST_F(MysqlPoolTest, NoServerAnswers503Fast) {
  Options options = OptionsFor(*server_);
  options.port = parley::testing::PickFreeLoopbackPort();
  Pool nowhere(options);
  for (int i = 0; i < 3; ++i) {
    const auto start = Clock::now();
    const base::Result<QueryResult> result = RunOn(caller_, nowhere.Execute("SELECT 1"));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, base::Code::kUnavailable);
    EXPECT_LT(Clock::now() - start, milliseconds(1100));
  }
}

}  // namespace
}  // namespace parley::mysql
