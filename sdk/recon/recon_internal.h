// recon: what the reconciler, the exports and the writers share (private).
#ifndef USD1PAY_SDK_RECON_RECON_INTERNAL_H
#define USD1PAY_SDK_RECON_RECON_INTERNAL_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "usd1pay/recon.h"
#include "usd1pay/status.h"

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

/// A JSON string literal (quotes included), escaping '"', '\\' and control
/// characters; `text` must be valid UTF-8.
void append_json_string(std::string* out, std::string_view text);

/// One order of the shop's orders file.
struct Order {
  std::string order_id;
  std::string amount;  ///< exact decimal as written
  std::string currency;
  std::int64_t created_at_ms = 0;
  std::uint64_t line = 0;  ///< where it starts in the file (1-based)
};

/// Reads the orders file strictly (RFC 4180; CRLF or LF line ends; an
/// optional UTF-8 byte-order mark; UTF-8 only). Every error is
/// kInvalidArgument "<file>:<line>:<column>: <what>" (1-based, the column in
/// bytes). Returns the orders sorted by order id; a repeated order id is an
/// error naming both lines.
Result<std::vector<Order>> read_orders_file(const std::string& path,
                                            const OrdersCsvMapping& mapping);
/// The same over text already in memory; `name` is used in messages.
Result<std::vector<Order>> parse_orders_csv(std::string_view text, const std::string& name,
                                            const OrdersCsvMapping& mapping);

}  // namespace usd1pay::recon_internal

#endif  // USD1PAY_SDK_RECON_RECON_INTERNAL_H
