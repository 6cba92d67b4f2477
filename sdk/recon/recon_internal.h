// recon: what the reconciler, the exports and the writers share (private).
#ifndef USD1PAY_SDK_RECON_RECON_INTERNAL_H
#define USD1PAY_SDK_RECON_RECON_INTERNAL_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "usd1pay/amount.h"
#include "usd1pay/recon.h"
#include "usd1pay/status.h"
#include "usd1pay/store.h"

namespace usd1pay::recon_internal {

/// The schema version written in every CSV / JSON Lines row.
inline constexpr int kSchemaVersion = 1;

/// "YYYY-MM-DDTHH:MM:SSZ" of Unix milliseconds, truncated to the second.
std::string iso_from_ms(std::int64_t ms);
/// "YYYY-MM-DDTHH:MM:SSZ" of Unix seconds.
std::string iso_from_seconds(std::int64_t s);

/// One column of a record, as text; std::nullopt when absent (empty in CSV,
/// null in JSON).
enum class FieldKind { kString, kInteger, kBool };
struct FieldValue {
  std::string_view name;
  FieldKind kind = FieldKind::kString;
  std::optional<std::string> text;
};

/// Number of columns (schema_version included).
inline constexpr std::size_t kColumnCount = 24;
extern const std::string_view kColumnNames[kColumnCount];

/// The record's columns in schema order. kInvalidArgument naming the column
/// and the byte position when a text field is not valid UTF-8.
Status record_fields(const ReconRecord& r, FieldValue (&out)[kColumnCount]);

/// RFC 4180: the field as is, or in double quotes (quotes doubled) when it
/// holds ',', '"', CR or LF, or starts or ends with a space (which importers
/// that trim fields would otherwise lose). Every CSV writer of the module
/// (records, journal, summary) uses this one.
void append_csv_field(std::string* out, std::string_view field);

/// Amount::from_base_units(units, decimals)->to_string_fixed(2) ("25.00",
/// "24.989999"), after a '-' when `negative`, written into *out (its buffer
/// reused: no string per record). The errors of from_base_units.
Status put_token_text(Uint128 units, unsigned decimals, bool negative, std::string* out);

/// Whether `field` is ASCII without ',', '"', CR or LF and without a space
/// at either end: valid UTF-8 that append_csv_field() writes as is.
bool plain_csv_ascii(std::string_view field);

/// A JSON string literal (quotes included), escaping '"', '\\' and control
/// characters; `text` must be valid UTF-8.
void append_json_string(std::string* out, std::string_view text);

struct PipelineOptions;  // recon/pipeline.h

/// reconcile() with the pipeline's options (reconcile() uses the defaults).
Status reconcile_with(Store& store, const ReconcileParams& p, ReconSink& sink,
                      const PipelineOptions& o);

/// export_settlement() with the pipeline's options.
Result<ExportResult> export_settlement_with(Store& store, const ExportParams& p,
                                            const PipelineOptions& o);

/// One order of the shop's orders file: views into its OrdersIndex's text.
struct Order {
  std::string_view order_id;
  std::string_view amount;  ///< exact decimal as written
  std::string_view currency;
  std::int64_t created_at_ms = 0;
  std::uint64_t line = 0;      ///< where it starts in the file (1-based)
  std::uint64_t sort_key = 0;  ///< the reader's sort: a number that orders ids (orders_csv.cpp)
};

/// The orders of a file, sorted by order id. It owns the file's text; the
/// orders' views point into it (stable when the index is moved).
class OrdersIndex {
 public:
  std::size_t size() const { return orders_.size(); }
  bool empty() const { return orders_.empty(); }
  const Order& operator[](std::size_t i) const { return orders_[i]; }
  std::vector<Order>::const_iterator begin() const { return orders_.begin(); }
  std::vector<Order>::const_iterator end() const { return orders_.end(); }

 private:
  friend Result<OrdersIndex> parse_orders_csv(std::string_view, const std::string&,
                                              const OrdersCsvMapping&);
  friend Result<OrdersIndex> read_orders_file(const std::string&, const OrdersCsvMapping&);
  Status parse(const std::string& name, const OrdersCsvMapping& mapping);

  std::unique_ptr<char[]> text_;  ///< the file (quoted fields unescaped in place)
  std::size_t size_ = 0;
  std::vector<Order> orders_;
};

/// Reads the orders file strictly (RFC 4180; CRLF or LF line ends; an
/// optional UTF-8 byte-order mark; UTF-8 only). Every error is
/// kInvalidArgument "<file>:<line>:<column>: <what>" (1-based, the column in
/// bytes). Returns the orders sorted by order id (sorted only when the file
/// is not already in order); a repeated order id is an error naming both
/// lines.
Result<OrdersIndex> read_orders_file(const std::string& path, const OrdersCsvMapping& mapping);
/// The same over text in memory (copied); `name` is used in messages.
Result<OrdersIndex> parse_orders_csv(std::string_view text, const std::string& name,
                                     const OrdersCsvMapping& mapping);

}  // namespace usd1pay::recon_internal

#endif  // USD1PAY_SDK_RECON_RECON_INTERNAL_H
