#include "actors/persistence/pg_conn.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <cstring>

namespace persistence::pg {

namespace {

using steady = std::chrono::steady_clock;

// Type OIDs (pg_type.h): the parameters' types, sent with each statement.
constexpr unsigned bool_oid = 16, bytea_oid = 17, int8_oid = 20, text_oid = 25,
                   float8_oid = 701, bytea_array_oid = 1001, text_array_oid = 1009,
                   int8_array_oid = 1016, float8_array_oid = 1022;

std::string big_endian32(uint32_t x) {
  std::string out(4, '\0');
  for (int i = 3; i >= 0; --i, x >>= 8)
    out[static_cast<std::size_t>(i)] = static_cast<char>(x & 0xff);
  return out;
}

std::string big_endian(uint64_t x) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, x >>= 8)
    out[static_cast<std::size_t>(i)] = static_cast<char>(x & 0xff);
  return out;
}

uint64_t from_big_endian(const char* p, int n) {
  uint64_t x = 0;
  for (int i = 0; i < n; ++i)
    x = (x << 8) | static_cast<unsigned char>(p[i]);
  return x;
}

/// A text array literal: every element quoted, quotes and backslashes escaped.
std::string array_literal(const std::vector<std::string>& xs) {
  std::string out = "{";
  for (std::size_t i = 0; i < xs.size(); ++i) {
    out += i ? ",\"" : "\"";
    for (char c : xs[i]) {
      if (c == '"' || c == '\\')
        out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

int remaining_ms(steady::time_point deadline) {
  auto left = std::chrono::duration_cast<millis>(deadline - steady::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

} // namespace

std::optional<std::string> conninfo_problem(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (opts) {
    PQconninfoFree(opts);
    return std::nullopt;
  }
  std::string why = err ? err : "out of memory";
  PQfreemem(err);
  while (!why.empty() && why.back() == '\n')
    why.pop_back();
  return why;
}

void params::add(unsigned oid, std::string value, int format, bool null) {
  oids_.push_back(oid);
  values_.push_back(std::move(value));
  formats_.push_back(format);
  nulls_.push_back(null);
}

params& params::i64(int64_t x) {
  add(int8_oid, big_endian(static_cast<uint64_t>(x)), 1);
  return *this;
}

params& params::f64(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  add(float8_oid, big_endian(bits), 1);
  return *this;
}

params& params::boolean(bool x) {
  add(bool_oid, std::string(1, x ? '\1' : '\0'), 1);
  return *this;
}

params& params::text(std::string_view x) {
  add(text_oid, std::string{x}, 1);
  return *this;
}

params& params::bytes(const void* data, std::size_t size) {
  add(bytea_oid, std::string(static_cast<const char*>(data), size), 1);
  return *this;
}

params& params::null_of_text() {
  add(text_oid, {}, 1, true);
  return *this;
}

params& params::null_of_bytes() {
  add(bytea_oid, {}, 1, true);
  return *this;
}

params& params::text_array(const std::vector<std::string>& xs) {
  add(text_array_oid, array_literal(xs), 0);
  return *this;
}

params& params::i64_array(const std::vector<int64_t>& xs) {
  std::string out = "{";
  for (std::size_t i = 0; i < xs.size(); ++i)
    out += (i ? "," : "") + std::to_string(xs[i]);
  add(int8_array_oid, out + "}", 0);
  return *this;
}

array& array::i64(int64_t x) {
  auto be = big_endian(static_cast<uint64_t>(x));
  element(be.data(), be.size());
  return *this;
}

array& array::f64(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  auto be = big_endian(bits);
  element(be.data(), be.size());
  return *this;
}

array& array::text(std::string_view x) {
  element(x.data(), x.size());
  return *this;
}

array& array::bytes(const void* data, std::size_t size) {
  element(data, size);
  return *this;
}

array& array::null() {
  elements_ += big_endian32(0xFFFFFFFFu); // length -1
  has_null_ = true;
  ++count_;
  return *this;
}

void array::element(const void* data, std::size_t size) {
  elements_ += big_endian32(static_cast<uint32_t>(size));
  elements_.append(static_cast<const char*>(data), size);
  ++count_;
}

params& params::binary_array(const array& xs) {
  unsigned element = 0, whole = 0;
  switch (xs.type_) {
    case array::of::i64: element = int8_oid, whole = int8_array_oid; break;
    case array::of::f64: element = float8_oid, whole = float8_array_oid; break;
    case array::of::text: element = text_oid, whole = text_array_oid; break;
    case array::of::bytes: element = bytea_oid, whole = bytea_array_oid; break;
  }
  // Header: dimensions, whether any element is NULL, the element type; then
  // each dimension's length and lower bound (1); then the elements.
  std::string out = big_endian32(xs.count_ ? 1 : 0) + big_endian32(xs.has_null_ ? 1 : 0);
  out += big_endian32(element);
  if (xs.count_)
    out += big_endian32(static_cast<uint32_t>(xs.count_)) + big_endian32(1);
  out += xs.elements_;
  add(whole, std::move(out), 1);
  return *this;
}

result::result(pg_result* r) : r_(r, PQclear) {}

int result::rows() const {
  return r_ ? PQntuples(r_.get()) : 0;
}

bool result::null(int row, int col) const {
  return PQgetisnull(r_.get(), row, col) != 0;
}

int64_t result::i64(int row, int col) const {
  return static_cast<int64_t>(from_big_endian(PQgetvalue(r_.get(), row, col), 8));
}

double result::f64(int row, int col) const {
  auto bits = from_big_endian(PQgetvalue(r_.get(), row, col), 8);
  double x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

bool result::boolean(int row, int col) const {
  return PQgetvalue(r_.get(), row, col)[0] != 0;
}

std::string result::text(int row, int col) const {
  return std::string{bytes(row, col)};
}

std::string_view result::bytes(int row, int col) const {
  return {PQgetvalue(r_.get(), row, col),
          static_cast<std::size_t>(PQgetlength(r_.get(), row, col))};
}

int64_t result::affected() const {
  const char* n = r_ ? PQcmdTuples(r_.get()) : "";
  return *n ? std::stoll(n) : 0;
}

expected<std::unique_ptr<connection>, store_failure>
connection::open(const std::string& conninfo, millis timeout,
                 std::vector<std::pair<std::string, std::string>> statements) {
  auto deadline = steady::now() + timeout;
  PGconn* raw = PQconnectStart(conninfo.c_str());
  if (!raw)
    return store_failure{"cannot connect to PostgreSQL: out of memory"};
  std::unique_ptr<connection> self{new connection(raw)};
  auto fail = [&](const std::string& why) {
    return store_failure{"cannot connect to PostgreSQL (store.postgres): " + why};
  };
  if (PQstatus(raw) == CONNECTION_BAD)
    return fail(self->error_text());
  auto state = PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED)
      return fail(self->error_text());
    pollfd p{PQsocket(raw), static_cast<short>(state == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    int left = remaining_ms(deadline);
    if (left == 0 || ::poll(&p, 1, left) == 0)
      return fail("no answer within " + std::to_string(timeout.count()) + " ms");
    state = PQconnectPoll(raw);
  }
  PQsetnonblocking(raw, 1);
  PQsetNoticeProcessor(raw, [](void*, const char*) {}, nullptr); // "already exists, skipping"
  for (const auto& [name, sql] : statements) {
    if (!PQsendPrepare(raw, name.c_str(), sql.c_str(), 0, nullptr))
      return fail(self->error_text());
    if (auto f = self->flush(deadline))
      return fail(f->detail);
    for (;;) {
      auto [r, f] = self->next(deadline);
      if (f)
        return fail(f->detail);
      if (!r)
        break;
      result held{r};
      if (PQresultStatus(r) != PGRES_COMMAND_OK)
        return fail("cannot prepare " + name + ": " + PQresultErrorMessage(r));
    }
  }
  return self;
}

connection::~connection() {
  PQfinish(c_);
}

std::string connection::error_text() const {
  std::string text = PQerrorMessage(c_);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

failure connection::broken(const std::string& why) {
  usable_ = false;
  return failure{"the connection to PostgreSQL broke: " + why, true};
}

bool connection::probe() {
  if (!usable_)
    return false;
  // Idle, the server sends nothing unasked but its goodbye (a FATAL message
  // at a shutdown, then the end of the stream; libpq reports the end only on
  // a later read) or a rare notice: anything waiting means replace it, so
  // that a batch is never sent on a connection already gone (it would be in
  // doubt for nothing).
  pollfd p{PQsocket(c_), POLLIN, 0};
  if (::poll(&p, 1, 0) != 0 || PQstatus(c_) == CONNECTION_BAD)
    usable_ = false;
  return usable_;
}

std::optional<failure> connection::wait_readable(steady::time_point deadline) {
  pollfd p{PQsocket(c_), POLLIN, 0};
  int left = remaining_ms(deadline);
  if (left == 0 || ::poll(&p, 1, left) == 0)
    return broken("no answer in time");
  return std::nullopt;
}

std::optional<failure> connection::flush(steady::time_point deadline) {
  for (;;) {
    int rc = PQflush(c_);
    if (rc == 0)
      return std::nullopt;
    if (rc < 0)
      return broken(error_text());
    // Read while waiting to write: the server may be blocked on its answers.
    pollfd p{PQsocket(c_), POLLIN | POLLOUT, 0};
    int left = remaining_ms(deadline);
    if (left == 0 || ::poll(&p, 1, left) == 0)
      return broken("could not send in time");
    if ((p.revents & POLLIN) && !PQconsumeInput(c_))
      return broken(error_text());
  }
}

std::pair<pg_result*, std::optional<failure>> connection::next(steady::time_point deadline) {
  while (PQisBusy(c_)) {
    if (auto f = wait_readable(deadline))
      return {nullptr, f};
    if (!PQconsumeInput(c_))
      return {nullptr, broken(error_text())};
  }
  return {PQgetResult(c_), std::nullopt};
}

std::optional<failure> connection::run(const std::string& sql, millis timeout) {
  if (!usable_)
    return failure{"the connection to PostgreSQL is closed", true};
  auto deadline = steady::now() + timeout;
  if (!PQsendQuery(c_, sql.c_str()))
    return broken(error_text());
  if (auto f = flush(deadline))
    return f;
  std::optional<failure> refused;
  for (;;) {
    auto [r, f] = next(deadline);
    if (f)
      return f;
    if (!r)
      return refused;
    result held{r};
    auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && !refused)
      refused = failure{PQresultErrorMessage(r), PQstatus(c_) == CONNECTION_BAD};
  }
}

std::pair<result, std::optional<failure>> connection::exec(const std::string& name,
                                                           const params& args, millis timeout) {
  auto out = pipeline({queued{name, args}}, timeout);
  if (out.failed)
    return {result{}, out.failed};
  return {out.results.front(), std::nullopt};
}

connection::pipeline_result connection::pipeline(const std::vector<queued>& batch, millis timeout) {
  pipeline_result out;
  if (!usable_) {
    out.failed = failure{"the connection to PostgreSQL is closed", true};
    return out;
  }
  auto deadline = steady::now() + timeout;
  if (!PQenterPipelineMode(c_)) {
    out.failed = broken(error_text());
    return out;
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  for (const auto& q : batch) {
    const auto& a = q.args;
    values.clear();
    lengths.clear();
    for (std::size_t i = 0; i < a.size(); ++i) {
      values.push_back(a.nulls_[i] ? nullptr : a.values_[i].data());
      lengths.push_back(static_cast<int>(a.values_[i].size()));
    }
    if (!PQsendQueryPrepared(c_, q.statement.c_str(), static_cast<int>(a.size()), values.data(),
                             lengths.data(), a.formats_.data(), 1)) {
      out.failed = broken(error_text());
      return out;
    }
  }
  if (!PQpipelineSync(c_)) {
    out.failed = broken(error_text());
    return out;
  }
  if (auto f = flush(deadline)) {
    out.failed = f;
    return out;
  }
  for (std::size_t i = 0; i <= batch.size(); ++i) {
    for (;;) {
      auto [r, f] = next(deadline);
      if (f) {
        out.failed = f;
        out.failed_at = i;
        return out;
      }
      if (!r)
        break;
      result held{r};
      auto status = PQresultStatus(r);
      if (status == PGRES_PIPELINE_SYNC) {
        PQexitPipelineMode(c_);
        return out;
      }
      if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
        out.results.push_back(held);
      } else if (!out.failed) {
        out.failed = failure{status == PGRES_PIPELINE_ABORTED ? "aborted" : PQresultErrorMessage(r),
                             PQstatus(c_) == CONNECTION_BAD};
        out.failed_at = i;
      }
    }
  }
  PQexitPipelineMode(c_);
  return out;
}

} // namespace persistence::pg
