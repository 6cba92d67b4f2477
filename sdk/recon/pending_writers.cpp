// PLACEHOLDERS until the journal, summary and HTML report writers land
// (sdk/recon/journal.cpp, summary.cpp, html_report.cpp, written on another
// branch). Each returns a sink that refuses with kUnsupported, so that the
// library links and export_settlement() says clearly what is missing.
// DELETE THIS FILE when those files are merged (the linker reports duplicate
// definitions otherwise).
#include <memory>
#include <string>
#include <utility>

#include "usd1pay/recon.h"

namespace usd1pay {
namespace {

class Unsupported final : public ReconSink {
 public:
  explicit Unsupported(std::string what) : what_(std::move(what)) {}
  Status on_record(const ReconRecord& /*r*/) override { return error(); }
  Status finish() override { return error(); }

 private:
  Status error() const {
    return Status(ErrorCode::kUnsupported, "recon: the " + what_ + " writer is not built yet");
  }
  std::string what_;
};

}  // namespace

// NOLINTNEXTLINE(performance-unnecessary-value-param): the signature is recon.h's
std::unique_ptr<ReconSink> make_journal_writer(ByteOut /*out*/, JournalAccounts /*accounts*/) {
  return std::make_unique<Unsupported>("journal");
}
// NOLINTNEXTLINE(performance-unnecessary-value-param): the signature is recon.h's
std::unique_ptr<ReconSink> make_summary_writer(ByteOut /*out*/) {
  return std::make_unique<Unsupported>("summary");
}
// NOLINTNEXTLINE(performance-unnecessary-value-param): the signature is recon.h's
std::unique_ptr<ReconSink> make_html_report_writer(ByteOut /*out*/) {
  return std::make_unique<Unsupported>("html report");
}

}  // namespace usd1pay
