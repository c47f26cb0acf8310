// A PostgreSQL connection (libpq) whose every call is bounded in time: it
// connects, runs statements and pipelines of statements through libpq's
// non-blocking API and gives up after a deadline, so that a database cut off
// by the network (packets dropped, not refused) never blocks its caller for
// minutes. Used by one thread at a time (the PostgreSQL store and the cluster
// table access, each owning its own connection). No CAF.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/expected.hpp"

struct pg_conn;
struct pg_result;

namespace persistence::pg {

using model::expected;
using model::store_failure;
using millis = std::chrono::milliseconds;

/// Why `conninfo` is not a libpq connection string (libpq's own sentence),
/// or nothing when it parses. Connects to nothing.
std::optional<std::string> conninfo_problem(const std::string& conninfo);

/// A one-dimensional array parameter, built element by element in
/// PostgreSQL's binary array format (elements of one type, NULLs allowed),
/// so that one statement can carry many rows (`unnest`).
class array {
public:
  enum class of { i64, f64, text, bytes };
  explicit array(of type) : type_(type) {}
  array& i64(int64_t x);
  array& f64(double x);
  array& text(std::string_view x);
  array& bytes(const void* data, std::size_t size);
  array& null();

private:
  friend class params;
  void element(const void* data, std::size_t size);
  of type_;
  std::string elements_;
  int32_t count_ = 0;
  bool has_null_ = false;
};

/// Parameters of one statement, sent in binary (texts and the simple arrays
/// as text).
class params {
public:
  params& i64(int64_t x);
  params& f64(double x);
  params& boolean(bool x);
  params& text(std::string_view x);
  params& bytes(const void* data, std::size_t size);
  params& null_of_text();
  params& null_of_bytes();
  params& text_array(const std::vector<std::string>& xs);
  params& i64_array(const std::vector<int64_t>& xs);
  params& binary_array(const array& xs);

  std::size_t size() const { return oids_.size(); }

private:
  friend class connection;
  void add(unsigned oid, std::string value, int format, bool null = false);
  std::vector<unsigned> oids_;
  std::vector<std::string> values_;
  std::vector<int> formats_;
  std::vector<bool> nulls_;
};

/// One statement's rows, in binary format. Column types must be the ones read:
/// int8, float8, bool, text or bytea (cast in the SQL where needed).
class result {
public:
  result() = default;
  explicit result(pg_result* r);
  int rows() const;
  bool null(int row, int col) const;
  int64_t i64(int row, int col) const;
  double f64(int row, int col) const;
  bool boolean(int row, int col) const;
  std::string text(int row, int col) const;
  std::string_view bytes(int row, int col) const;
  /// The rows a statement without RETURNING changed.
  int64_t affected() const;

private:
  std::shared_ptr<pg_result> r_;
};

/// How a call failed: `lost` when the connection broke or timed out (the
/// statement may or may not have run); otherwise the database refused it.
struct failure {
  std::string detail;
  bool lost = false;
};

/// One statement of a pipeline: a prepared statement's name and its parameters.
struct queued {
  std::string statement;
  params args;
};

class connection {
public:
  /// Connects to `conninfo` (a libpq connection string) within `timeout` and
  /// prepares `statements` (name, SQL). Fails with a sentence naming the cause.
  static expected<std::unique_ptr<connection>, store_failure>
  open(const std::string& conninfo, millis timeout,
       std::vector<std::pair<std::string, std::string>> statements = {});

  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Runs `sql` (no parameters, any number of statements) within `timeout`.
  std::optional<failure> run(const std::string& sql, millis timeout);

  /// Runs prepared statement `name` with `args` within `timeout`.
  std::pair<result, std::optional<failure>> exec(const std::string& name, const params& args,
                                                 millis timeout);

  /// Sends every statement of `batch` in one pipeline (one round trip) and
  /// returns their results in order; stops at the first failure, which says
  /// at which statement (`failed_at`).
  struct pipeline_result {
    std::vector<result> results;
    std::optional<failure> failed;
    std::size_t failed_at = 0;
  };
  pipeline_result pipeline(const std::vector<queued>& batch, millis timeout);

  /// False once the connection broke or a call timed out: open a new one.
  bool usable() const { return usable_; }

  /// Whether the idle connection is still good (without waiting): false
  /// when the server sent anything unasked (its goodbye at a shutdown, or a
  /// notice: the caller replaces the connection) or closed it.
  bool probe();

private:
  explicit connection(pg_conn* c) : c_(c) {}
  std::optional<failure> flush(std::chrono::steady_clock::time_point deadline);
  std::optional<failure> wait_readable(std::chrono::steady_clock::time_point deadline);
  /// The next result, or null at the end of a statement's results.
  std::pair<pg_result*, std::optional<failure>> next(std::chrono::steady_clock::time_point deadline);
  failure broken(const std::string& why);
  std::string error_text() const;

  pg_conn* c_;
  bool usable_ = true;
};

} // namespace persistence::pg
