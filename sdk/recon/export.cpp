// export_settlement(): reconcile() into a writer, the bytes streamed to a
// temporary file in the target's directory (hashed on the way), fsync'ed and
// renamed into place only when complete; optionally a manifest beside it
// (recon.h, docs/reconciliation.md).
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "recon/pipeline.h"
#include "recon/recon_internal.h"
#include "usd1pay/amount.h"
#include "usd1pay/encoding.h"
#include "usd1pay/recon.h"

namespace usd1pay {
namespace {

Status io_error(const std::string& what) {
  return Status(ErrorCode::kIo, "recon: " + what + ": " + std::strerror(errno));
}

/// A file written under a temporary name in the target's directory and
/// renamed onto the target by commit(); removed if not committed.
class AtomicFile {
 public:
  ~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!tmp_.empty() && !committed_) ::unlink(tmp_.c_str());
  }

  Status open(const std::string& target) {
    target_ = target;
    std::string templ = target + ".tmp-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    fd_ = ::mkstemp(buf.data());
    if (fd_ < 0) return io_error("cannot create a temporary file beside " + target);
    tmp_ = buf.data();
    return Status();
  }

  Status write(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return io_error("writing " + tmp_);
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
      written_ += static_cast<std::uint64_t>(n);
    }
    start_writeback();
    return Status();
  }

  Status commit() {
    // The fsync below is what makes the file durable; the write-back started
    // on the way only leaves it less to wait for.
    if (::fchmod(fd_, 0644) != 0) return io_error("chmod " + tmp_);
    if (::fsync(fd_) != 0) return io_error("fsync " + tmp_);
    if (::close(fd_) != 0) {
      fd_ = -1;
      return io_error("closing " + tmp_);
    }
    fd_ = -1;
    if (::rename(tmp_.c_str(), target_.c_str()) != 0) {
      return io_error("renaming " + tmp_ + " to " + target_);
    }
    committed_ = true;
    // The rename itself survives power loss once the directory is synced.
    const std::size_t slash = target_.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : target_.substr(0, slash + 1);
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
    return Status();
  }

 private:
  /// Every kWritebackBytes written, asks the kernel to start writing them to
  /// disk (without waiting), so that writing the disk overlaps producing the
  /// rest instead of all of it waiting for the final fsync. Advisory: its
  /// failure changes nothing (the fsync at commit reports real errors).
  void start_writeback() {
#ifdef __linux__
    constexpr std::uint64_t kWritebackBytes = std::uint64_t{8} << 20;
    if (written_ - synced_ < kWritebackBytes) return;
    ::sync_file_range(fd_, static_cast<off_t>(synced_), static_cast<off_t>(written_ - synced_),
                      SYNC_FILE_RANGE_WRITE);
    synced_ = written_;
#endif
  }

  std::string target_;
  std::string tmp_;
  int fd_ = -1;
  bool committed_ = false;
  std::uint64_t written_ = 0;  ///< bytes written so far
  std::uint64_t synced_ = 0;   ///< bytes whose write-back was started
};

class Sha256Stream {
 public:
  Sha256Stream() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256Stream() { EVP_MD_CTX_free(ctx_); }
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(std::string_view b) { EVP_DigestUpdate(ctx_, b.data(), b.size()); }
  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, md, &len);
    return hex_encode(ByteView(md, len));
  }

 private:
  EVP_MD_CTX* ctx_;
};

/// An exact running sum of decimal strings of any scale.
class DecimalSum {
 public:
  Status add(const std::string& text) {
    if (text.empty()) return Status();
    if (add_fast(text)) return Status();
    std::string t = text;
    bool negative = false;
    if (t[0] == '-') {
      negative = true;
      t.erase(0, 1);
    }
    const std::size_t dot = t.find('.');
    const unsigned scale =
        dot == std::string::npos ? 0U : static_cast<unsigned>(t.size() - dot - 1);
    auto a = Amount::parse(t, scale);
    if (!a.ok()) return a.status().with_context("recon: total");
    Amount v = *a;
    if (v.decimals() < sum_pos_.decimals()) {
      auto r = v.rescale(sum_pos_.decimals());
      if (!r.ok()) return r.status();
      v = *r;
    } else if (v.decimals() > sum_pos_.decimals()) {
      auto p = sum_pos_.rescale(v.decimals());
      auto n = sum_neg_.rescale(v.decimals());
      if (!p.ok()) return p.status();
      if (!n.ok()) return n.status();
      sum_pos_ = *p;
      sum_neg_ = *n;
    }
    auto s = Amount::add(negative ? sum_neg_ : sum_pos_, v);
    if (!s.ok()) return s.status().with_context("recon: total");
    (negative ? sum_neg_ : sum_pos_) = *s;
    return Status();
  }

  std::string text() const {
    const unsigned fixed = 2;
    if (sum_neg_.base_units() > sum_pos_.base_units()) {
      auto d = Amount::sub(sum_neg_, sum_pos_);
      return "-" + d->to_string_fixed(fixed);
    }
    auto d = Amount::sub(sum_pos_, sum_neg_);
    return d->to_string_fixed(fixed);
  }

 private:
  /// The common case without a string or an Amount per record: "-"?
  /// digits ("." digits)? of at most 19 digits, at a scale no larger than
  /// the sum's, that adds without overflow. false (nothing changed) for
  /// anything else: add() then takes the general path, which gives the
  /// same sum or the error.
  bool add_fast(const std::string& text) {
    std::size_t k = text[0] == '-' ? 1 : 0;
    const bool negative = k == 1;
    std::uint64_t v = 0;
    std::size_t digits = 0;
    std::size_t int_digits = 0;
    bool dot = false;
    for (; k < text.size(); ++k) {
      const char c = text[k];
      if (c == '.' && !dot && digits > 0) {
        dot = true;
        int_digits = digits;
        continue;
      }
      if (c < '0' || c > '9' || digits == 19) return false;
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
      ++digits;
    }
    if (digits == 0 || (dot && digits == int_digits)) return false;
    const unsigned scale = dot ? static_cast<unsigned>(digits - int_digits) : 0U;
    if (scale > sum_pos_.decimals()) return false;
    Uint128 factor;
    Uint128 units;
    if (!Uint128::pow10(sum_pos_.decimals() - scale, &factor) ||
        !Uint128::mul(Uint128(v), factor, &units)) {
      return false;
    }
    Amount& sum = negative ? sum_neg_ : sum_pos_;
    Uint128 total;
    if (!Uint128::add(sum.base_units(), units, &total)) return false;
    auto next = Amount::from_base_units(total, sum.decimals());
    if (!next.ok()) return false;
    sum = *next;
    return true;
  }

  Amount sum_pos_;
  Amount sum_neg_;
};

struct CurrencyTotals {
  DecimalSum received;  ///< final, credited (not orphaned, not wrong-network)
  std::uint64_t records = 0;
};

/// Passes records to the writer, counting them and summing per currency.
class CountingSink final : public ReconSink {
 public:
  explicit CountingSink(ReconSink& inner) : inner_(inner) {}
  Status on_record(const ReconRecord& r) override {
    USD1PAY_RETURN_IF_ERROR(inner_.on_record(r));
    ++records_;
    const auto status = static_cast<std::size_t>(r.status);
    ++by_status_[status < kStatuses ? status : kStatuses];  // the last: "unknown"
    // The records of a run nearly all have one currency: its totals are
    // kept at hand (map nodes do not move).
    if (last_totals_ == nullptr || r.currency != last_currency_) {
      last_totals_ = &totals_[r.currency];
      last_currency_ = r.currency;
    }
    CurrencyTotals& t = *last_totals_;
    ++t.records;
    // Orphaned / wrong-network money never arrived for the books: its
    // amount is listed, not totalled as received.
    const bool credited =
        r.status != ReconStatus::kOrphaned && r.status != ReconStatus::kWrongNetwork;
    if (credited && r.final) USD1PAY_RETURN_IF_ERROR(t.received.add(r.amount_received));
    return Status();
  }
  Status finish() override { return inner_.finish(); }
  std::uint64_t rows() const override { return inner_.rows(); }

  /// Records per status name (the manifest's records_by_status).
  std::map<std::string, std::uint64_t> by_status() const {
    std::map<std::string, std::uint64_t> out;
    for (std::size_t k = 0; k < kStatuses; ++k) {
      if (by_status_[k] != 0) {
        out[std::string(recon_status_name(static_cast<ReconStatus>(k)))] = by_status_[k];
      }
    }
    if (by_status_[kStatuses] != 0) out["unknown"] += by_status_[kStatuses];
    return out;
  }

  std::uint64_t records_ = 0;
  std::map<std::string, CurrencyTotals> totals_;

 private:
  static constexpr std::size_t kStatuses =
      static_cast<std::size_t>(ReconStatus::kOrderMismatch) + 1;
  ReconSink& inner_;
  std::uint64_t by_status_[kStatuses + 1] = {};
  CurrencyTotals* last_totals_ = nullptr;
  std::string last_currency_;
};

/// Hashing and writing the file on a thread of its own: the matching thread
/// copies the writer's output into chunks and hands full ones over (a
/// bounded channel; the chunks circulate through a free list) and goes on.
/// The first error of `sink` stops the thread; the next hand-over (or
/// finish()) returns it. Without threads (or while the output is smaller
/// than a chunk) `sink` runs on the calling thread.
class WriteBehind {
 public:
  WriteBehind(ByteOut sink, bool threaded, const recon_internal::PipelineOptions& o)
      : sink_(std::move(sink)),
        threaded_(threaded),
        chunk_bytes_(o.chunk_bytes == 0 ? 1 : o.chunk_bytes),
        ready_(o.write_queue) {}
  ~WriteBehind() {
    if (!thread_.joinable()) return;
    ready_.cancel();
    thread_.join();
  }
  WriteBehind(const WriteBehind&) = delete;
  WriteBehind& operator=(const WriteBehind&) = delete;

  Status put(std::string_view bytes) {
    // Single-threaded: the bytes as the writer hands them, no copy (the
    // host's callback sees the same calls as before the pipeline).
    if (!threaded_) return sink_(bytes);
    while (!bytes.empty()) {
      if (chunk_.capacity() < chunk_bytes_) chunk_.reserve(chunk_bytes_);
      const std::size_t n = std::min(bytes.size(), chunk_bytes_ - chunk_.size());
      chunk_.append(bytes.data(), n);
      bytes.remove_prefix(n);
      if (chunk_.size() == chunk_bytes_) USD1PAY_RETURN_IF_ERROR(hand_over());
    }
    return Status();
  }

  /// The last chunk, then waits for the thread: its status.
  Status finish() {
    if (!thread_.joinable()) {
      if (chunk_.empty()) return Status();
      Status s = sink_(chunk_);
      chunk_.clear();
      return s;
    }
    std::string last;
    last.swap(chunk_);
    if (!last.empty() && !ready_.push(std::move(last))) return refused();
    ready_.close();
    thread_.join();
    return failure();
  }

 private:
  Status hand_over() {
    if (threaded_ && !thread_.joinable() &&
        !recon_internal::start_thread(&thread_, [this] { run(); })) {
      threaded_ = false;
    }
    if (!thread_.joinable()) {
      Status s = sink_(chunk_);
      chunk_.clear();
      return s;
    }
    std::string full;
    full.swap(chunk_);
    if (!ready_.push(std::move(full))) return refused();
    chunk_ = take_spare();
    chunk_.clear();
    return Status();
  }

  void run() {
    std::string chunk;
    while (ready_.pop(&chunk)) {
      Status s = sink_(chunk);
      if (!s.ok()) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          error_ = std::move(s);
        }
        ready_.cancel();  // the matching thread's next hand-over fails
        return;
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (spare_.size() < 2) spare_.push_back(std::move(chunk));
      chunk = std::string();
    }
  }

  std::string take_spare() {
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_.empty()) return std::string();
    std::string c = std::move(spare_.back());
    spare_.pop_back();
    return c;
  }

  /// The thread's error (OK when it had none).
  Status failure() {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }
  /// After a hand-over was refused: the thread stopped on an error.
  Status refused() {
    Status e = failure();
    if (!e.ok()) return e;
    return Status(ErrorCode::kInternal, "recon: export: the writing thread stopped");
  }

  ByteOut sink_;  ///< on the thread once it runs
  bool threaded_;
  const std::size_t chunk_bytes_;
  std::string chunk_;  ///< being filled by the calling thread
  recon_internal::Channel<std::string> ready_;
  std::mutex mu_;
  Status error_;                    ///< the thread's first error
  std::vector<std::string> spare_;  ///< written chunks, for reuse
  std::thread thread_;              // last: joined before the members it uses go
};

std::unique_ptr<ReconSink> make_writer(const ExportParams& p, ByteOut out) {
  switch (p.format) {
    case ExportFormat::kCsv: return make_csv_writer(std::move(out));
    case ExportFormat::kJsonl: return make_jsonl_writer(std::move(out));
    case ExportFormat::kJournal: return make_journal_writer(std::move(out), p.accounts);
    case ExportFormat::kSummary: return make_summary_writer(std::move(out));
    case ExportFormat::kHtml: return make_html_report_writer(std::move(out));
  }
  return nullptr;
}

std::string basename_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string now_iso() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return recon_internal::iso_from_ms(ms);
}

}  // namespace

namespace recon_internal {

Result<ExportResult> export_settlement_with(Store& store, const ExportParams& p,
                                            const PipelineOptions& o) {
  if (p.out_path.empty() && !p.out) {
    return Status(ErrorCode::kInvalidArgument, "recon: export: neither out_path nor out is set");
  }
  if (p.manifest && p.out_path.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "recon: export: a manifest needs out_path (it names the file it proves)");
  }
  ExportResult result;
  Sha256Stream sha;
  AtomicFile file;
  if (!p.out_path.empty()) USD1PAY_RETURN_IF_ERROR(file.open(p.out_path));
  // Hash and write: on the writing thread for a file; a host's callback is
  // called on the host's own thread.
  ByteOut emit = [&](std::string_view bytes) -> Status {
    sha.update(bytes);
    result.bytes += bytes.size();
    if (!p.out_path.empty()) return file.write(bytes);
    return p.out(bytes);
  };
  // Declared after what its thread uses: destroyed (joined) before them.
  WriteBehind behind(std::move(emit), o.threads && !p.out_path.empty(), o);
  ByteOut out = [&](std::string_view bytes) { return behind.put(bytes); };
  std::unique_ptr<ReconSink> writer = make_writer(p, out);
  if (!writer) return Status(ErrorCode::kInvalidArgument, "recon: export: unknown format");
  CountingSink counting(*writer);
  USD1PAY_RETURN_IF_ERROR(reconcile_with(store, p.reconcile, counting, o));
  USD1PAY_RETURN_IF_ERROR(behind.finish());
  result.records = counting.records_;
  result.rows = counting.rows();
  result.sha256_hex = sha.hex();
  if (!p.manifest) {
    if (!p.out_path.empty()) USD1PAY_RETURN_IF_ERROR(file.commit());
    return result;
  }

  nlohmann::ordered_json m;
  m["manifest_version"] = 1;
  m["schema_version"] = recon_internal::kSchemaVersion;
  m["file"] = basename_of(p.out_path);
  m["format"] = std::string(export_format_name(p.format));
  m["sha256"] = result.sha256_hex;
  m["bytes"] = result.bytes;
  m["records"] = result.records;
  m["rows"] = result.rows;
  nlohmann::ordered_json filters;
  filters["from"] = p.reconcile.from_ms
                        ? nlohmann::ordered_json(recon_internal::iso_from_ms(*p.reconcile.from_ms))
                        : nlohmann::ordered_json(nullptr);
  filters["to"] = p.reconcile.to_ms
                      ? nlohmann::ordered_json(recon_internal::iso_from_ms(*p.reconcile.to_ms))
                      : nlohmann::ordered_json(nullptr);
  filters["orders_file"] = p.reconcile.orders_file.empty()
                               ? nlohmann::ordered_json(nullptr)
                               : nlohmann::ordered_json(basename_of(p.reconcile.orders_file));
  m["filters"] = filters;
  nlohmann::ordered_json totals = nlohmann::ordered_json::array();
  for (const auto& [currency, t] : counting.totals_) {
    nlohmann::ordered_json one;
    one["currency"] =
        currency.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(currency);
    one["records"] = t.records;
    one["received_final"] = t.received.text();
    totals.push_back(one);
  }
  m["totals"] = totals;
  nlohmann::ordered_json statuses = nlohmann::ordered_json::object();
  for (const auto& [s, n] : counting.by_status()) statuses[s] = n;
  m["records_by_status"] = statuses;
  m["created_at"] = now_iso();  // the only field that differs between runs
  const std::string text = m.dump(2) + "\n";
  const std::string manifest_path = p.out_path + ".manifest.json";
  // Both written before either is renamed: a failure leaves neither.
  AtomicFile mf;
  USD1PAY_RETURN_IF_ERROR(mf.open(manifest_path));
  USD1PAY_RETURN_IF_ERROR(mf.write(text));
  USD1PAY_RETURN_IF_ERROR(file.commit());
  USD1PAY_RETURN_IF_ERROR(mf.commit());
  result.manifest_path = manifest_path;
  return result;
}

}  // namespace recon_internal

Result<ExportResult> export_settlement(Store& store, const ExportParams& p) {
  return recon_internal::export_settlement_with(store, p, recon_internal::PipelineOptions());
}

}  // namespace usd1pay
