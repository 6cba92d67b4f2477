// export_settlement(): reconcile() into a writer, the bytes streamed to a
// temporary file in the target's directory (hashed on the way), fsync'ed and
// renamed into place only when complete; optionally a manifest beside it
// (recon.h, docs/reconciliation.md).
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
    ++by_status_[std::string(recon_status_name(r.status))];
    CurrencyTotals& t = totals_[r.currency];
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

  std::uint64_t records_ = 0;
  std::map<std::string, std::uint64_t> by_status_;
  std::map<std::string, CurrencyTotals> totals_;

 private:
  ReconSink& inner_;
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

Result<ExportResult> export_settlement(Store& store, const ExportParams& p) {
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
  ByteOut out = [&](std::string_view bytes) -> Status {
    sha.update(bytes);
    result.bytes += bytes.size();
    if (!p.out_path.empty()) return file.write(bytes);
    return p.out(bytes);
  };
  std::unique_ptr<ReconSink> writer = make_writer(p, out);
  if (!writer) return Status(ErrorCode::kInvalidArgument, "recon: export: unknown format");
  CountingSink counting(*writer);
  USD1PAY_RETURN_IF_ERROR(reconcile(store, p.reconcile, counting));
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
  for (const auto& [s, n] : counting.by_status_) statuses[s] = n;
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

}  // namespace usd1pay
