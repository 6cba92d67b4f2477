// Settlement exports through the C ABI (recon.h).
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "capi/errors.h"
#include "capi/handle.h"
#include "capi/json_util.h"
#include "capi/replies.h"
#include "usd1pay/clock.h"
#include "usd1pay/config.h"
#include "usd1pay/recon.h"
#include "usd1pay/usd1pay.h"

namespace usd1pay::capi {
namespace {

// "YYYY-MM-DD" (UTC midnight) or a full ISO 8601 UTC time, in Unix ms.
Result<std::int64_t> parse_date(const char* fn, const char* key, const std::string& text) {
  std::string t = text;
  if (t.size() == 10) t += "T00:00:00Z";
  auto tp = parse_iso8601(t);
  if (!tp.ok()) {
    return Status(ErrorCode::kInvalidArgument,
                  std::string(fn) + ": '" + key +
                      "': expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ: " + tp.status().message());
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(tp->time_since_epoch()).count();
}

Result<ExportParams> read_export_params(const char* fn, const char* text) {
  nlohmann::json j;
  USD1PAY_RETURN_IF_ERROR(parse_json_strict(fn, "params_json", text, &j));
  const RequestReader r(fn, j);
  USD1PAY_RETURN_IF_ERROR(r.check({"format", "out", "from", "to", "orders", "manifest"}));
  std::optional<std::string> format;
  std::optional<std::string> out;
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::optional<std::string> orders;
  std::optional<bool> manifest;
  USD1PAY_RETURN_IF_ERROR(r.get_string("format", true, &format));
  USD1PAY_RETURN_IF_ERROR(r.get_string("out", false, &out));
  USD1PAY_RETURN_IF_ERROR(r.get_string("from", false, &from));
  USD1PAY_RETURN_IF_ERROR(r.get_string("to", false, &to));
  USD1PAY_RETURN_IF_ERROR(r.get_string("orders", false, &orders));
  USD1PAY_RETURN_IF_ERROR(r.get_bool("manifest", false, &manifest));
  ExportParams p;
  auto f = parse_export_format(*format);
  if (!f.ok())
    return Status(ErrorCode::kInvalidArgument,
                  std::string(fn) + ": format: " + f.status().message());
  p.format = *f;
  if (out) {
    if (out->empty()) {
      return Status(ErrorCode::kInvalidArgument,
                    std::string(fn) + ": 'out' is empty (leave it out to get the content)");
    }
    p.out_path = *out;
  }
  if (from) {
    auto ms = parse_date(fn, "from", *from);
    if (!ms.ok()) return ms.status();
    p.reconcile.from_ms = *ms;
  }
  if (to) {
    auto ms = parse_date(fn, "to", *to);
    if (!ms.ok()) return ms.status();
    p.reconcile.to_ms = *ms;
  }
  if (orders) p.reconcile.orders_file = *orders;
  if (manifest && *manifest) {
    if (p.out_path.empty()) {
      return Status(ErrorCode::kInvalidArgument,
                    std::string(fn) + ": 'manifest' needs 'out' (a file to describe)");
    }
    p.manifest = true;
  }
  return p;
}

}  // namespace
}  // namespace usd1pay::capi

using usd1pay::capi::fail;
using usd1pay::capi::fail_null;
using usd1pay::capi::guard_open_out;

extern "C" {

int usd1pay_export(char** out_result_json, usd1pay_processor* p, const char* params_json) {
  constexpr const char* kFn = "export";
  return guard_open_out(
      kFn, out_result_json, "out_result_json", p, [&](usd1pay_processor& h) -> int {
        if (params_json == nullptr) return fail_null(kFn, "params_json");
        auto params = usd1pay::capi::read_export_params(kFn, params_json);
        if (!params.ok()) return fail(params.status());
        usd1pay::ExportParams& ep = *params;
        const usd1pay::Config& config = h.config;
        ep.reconcile.token_info =
            [&config](const std::string& chain,
                      const std::string& contract) -> std::optional<usd1pay::ReconTokenInfo> {
          for (const usd1pay::ChainConfig& c : config.chains) {
            if (c.id.to_string() != chain) continue;
            for (const usd1pay::TokenConfig& t : c.tokens) {
              if (t.contract == contract)
                return usd1pay::ReconTokenInfo{t.decimals, t.symbol, "USD"};
            }
          }
          return std::nullopt;
        };
        std::string content;
        const bool to_memory = ep.out_path.empty();
        if (to_memory) {
          ep.out = [&content](std::string_view bytes) -> usd1pay::Status {
            content.append(bytes.data(), bytes.size());
            return usd1pay::Status();
          };
        }
        auto result = usd1pay::export_settlement(*h.store, ep);
        if (!result.ok()) return fail(result.status());
        nlohmann::ordered_json j{{"format", usd1pay::export_format_name(ep.format)},
                                 {"records", result->records},
                                 {"rows", result->rows},
                                 {"bytes", result->bytes},
                                 {"sha256", result->sha256_hex}};
        if (to_memory) {
          j["file"] = nullptr;
          j["manifest"] = nullptr;
          j["content"] = content;
        } else {
          j["file"] = ep.out_path;
          j["manifest"] = result->manifest_path.empty()
                              ? nlohmann::ordered_json(nullptr)
                              : nlohmann::ordered_json(result->manifest_path);
        }
        return usd1pay::capi::reply(out_result_json, j);
      });
}

}  // extern "C"
