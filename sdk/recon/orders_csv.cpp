// The strict reader of the shop's orders file (recon_internal.h): RFC 4180,
// errors naming file, line and column.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "recon/recon_internal.h"
#include "usd1pay/amount.h"
#include "usd1pay/clock.h"
#include "usd1pay/encoding.h"

namespace usd1pay::recon_internal {
namespace {

constexpr std::size_t kMaxOrderIdBytes = 200;

struct Field {
  std::string text;
  std::uint64_t line = 0;
  std::uint64_t column = 0;
};

class Reader {
 public:
  Reader(std::string_view text, const std::string& name) : text_(text), name_(name) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") {
      pos_ = 3;
      line_start_ = 3;
    }
  }

  bool at_end() const { return pos_ >= text_.size(); }

  Status error(std::uint64_t line, std::uint64_t column, const std::string& what) const {
    return Status(ErrorCode::kInvalidArgument,
                  name_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + what);
  }

  /// One record (a row of fields); at_end() must be false.
  Status record(std::vector<Field>* out) {
    out->clear();
    for (;;) {
      Field f;
      f.line = line_;
      f.column = pos_ - line_start_ + 1;
      if (pos_ < text_.size() && text_[pos_] == '"') {
        ++pos_;
        for (;;) {
          if (pos_ >= text_.size()) {
            return error(f.line, f.column, "quoted field is not closed before the end of the file");
          }
          const char c = text_[pos_];
          if (c == '"') {
            if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
              f.text.push_back('"');
              pos_ += 2;
              continue;
            }
            ++pos_;
            break;
          }
          if (c == '\n') {
            ++line_;
            line_start_ = pos_ + 1;
          }
          f.text.push_back(c);
          ++pos_;
        }
        if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\r' &&
            text_[pos_] != '\n') {
          return error(line_, pos_ - line_start_ + 1,
                       "unexpected " + quote_char(text_[pos_]) +
                           " after a closing quote (expected ',' or the end of the line)");
        }
      } else {
        const std::size_t begin = pos_;
        while (pos_ < text_.size()) {
          const char c = text_[pos_];
          if (c == ',' || c == '\n' || c == '\r') break;
          if (c == '"') {
            return error(line_, pos_ - line_start_ + 1,
                         "a quote inside an unquoted field (quote the whole field and double "
                         "the quote)");
          }
          ++pos_;
        }
        f.text.assign(text_.data() + begin, pos_ - begin);
      }
      const std::size_t bad = find_invalid_utf8(f.text);
      if (bad != std::string_view::npos) {
        return error(f.line, f.column, "field is not valid UTF-8 at byte " + std::to_string(bad));
      }
      out->push_back(std::move(f));
      if (pos_ >= text_.size()) return Status();
      const char c = text_[pos_];
      if (c == ',') {
        ++pos_;
        continue;
      }
      if (c == '\r') {
        if (pos_ + 1 >= text_.size() || text_[pos_ + 1] != '\n') {
          return error(line_, pos_ - line_start_ + 1, "a CR not followed by LF outside quotes");
        }
        ++pos_;
      }
      ++pos_;  // the LF
      ++line_;
      line_start_ = pos_;
      return Status();
    }
  }

  std::uint64_t line() const { return line_; }

 private:
  std::string_view text_;
  const std::string& name_;
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;
  std::uint64_t line_ = 1;
};

}  // namespace

Result<std::vector<Order>> parse_orders_csv(std::string_view text, const std::string& name,
                                            const OrdersCsvMapping& mapping) {
  Reader reader(text, name);
  if (reader.at_end()) {
    return reader.error(1, 1, "the file is empty (expected a header row)");
  }
  std::vector<Field> header;
  USD1PAY_RETURN_IF_ERROR(reader.record(&header));
  const std::pair<const std::string*, const char*> wanted[] = {
      {&mapping.order_id, "order id"},
      {&mapping.amount, "amount"},
      {&mapping.currency, "currency"},
      {&mapping.created_at, "created time"}};
  std::size_t index[4] = {};
  for (std::size_t w = 0; w < 4; ++w) {
    bool found = false;
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i].text != *wanted[w].first) continue;
      if (found) {
        return reader.error(header[i].line, header[i].column,
                            "column '" + header[i].text + "' appears twice in the header");
      }
      found = true;
      index[w] = i;
    }
    if (!found) {
      return reader.error(1, 1,
                          std::string("the header has no column '") + *wanted[w].first + "' (the " +
                              wanted[w].second + " column)");
    }
  }
  std::vector<Order> orders;
  // At most one order per remaining line: reserved once, so that a large file
  // never holds a vector mid-growth (twice its size) beside the text.
  orders.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  std::vector<Field> row;
  while (!reader.at_end()) {
    const std::uint64_t line = reader.line();
    USD1PAY_RETURN_IF_ERROR(reader.record(&row));
    if (row.size() == 1 && row[0].text.empty()) {
      // A blank line: allowed only as the very end of the file.
      if (reader.at_end()) break;
      return reader.error(
          line, 1, "blank line (every row needs " + std::to_string(header.size()) + " fields)");
    }
    if (row.size() != header.size()) {
      const Field& at = row.size() > header.size() ? row[header.size()] : row.back();
      return reader.error(at.line, at.column,
                          "row has " + std::to_string(row.size()) + " fields, the header has " +
                              std::to_string(header.size()));
    }
    Order o;
    o.line = line;
    const Field& id = row[index[0]];
    if (id.text.empty()) return reader.error(id.line, id.column, "order id is empty");
    if (id.text.size() > kMaxOrderIdBytes) {
      return reader.error(
          id.line, id.column,
          "order id is " + std::to_string(id.text.size()) + " bytes, more than 200");
    }
    o.order_id = id.text;
    const Field& amount = row[index[1]];
    // Parsed at its own number of fraction digits: exact, whatever the scale.
    const std::size_t dot = amount.text.find('.');
    const std::size_t fraction = dot == std::string::npos ? 0 : amount.text.size() - dot - 1;
    auto a = Amount::parse(
        amount.text, static_cast<unsigned>(std::min<std::size_t>(fraction, Amount::kMaxDecimals)));
    if (!a.ok()) {
      return reader.error(
          amount.line, amount.column,
          "amount '" + amount.text + "' is not an exact decimal: " + a.status().message());
    }
    o.amount = amount.text;
    const Field& currency = row[index[2]];
    if (currency.text.empty()) {
      return reader.error(currency.line, currency.column, "currency is empty");
    }
    o.currency = currency.text;
    const Field& created = row[index[3]];
    auto t = parse_iso8601(created.text);
    if (!t.ok()) {
      return reader.error(
          created.line, created.column,
          "created time '" + created.text + "' is not ISO 8601 UTC: " + t.status().message());
    }
    o.created_at_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
    orders.push_back(std::move(o));
  }
  std::sort(orders.begin(), orders.end(), [](const Order& a, const Order& b) {
    return a.order_id != b.order_id ? a.order_id < b.order_id : a.line < b.line;
  });
  for (std::size_t i = 1; i < orders.size(); ++i) {
    if (orders[i].order_id == orders[i - 1].order_id) {
      return reader.error(orders[i].line, 1,
                          "order id '" + orders[i].order_id + "' repeats the order of line " +
                              std::to_string(orders[i - 1].line));
    }
  }
  return orders;
}

Result<std::vector<Order>> read_orders_file(const std::string& path,
                                            const OrdersCsvMapping& mapping) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return Status(ErrorCode::kIo,
                  "recon: cannot open orders file " + path + ": " + std::strerror(errno));
  }
  std::string text;
  // Read into a buffer of the file's size: no regrowth (a copy, twice the
  // memory) while reading.
  if (std::fseek(f, 0, SEEK_END) == 0) {
    const long size = std::ftell(f);
    if (size > 0) text.reserve(static_cast<std::size_t>(size));
    std::rewind(f);
  }
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return Status(ErrorCode::kIo, "recon: cannot read orders file " + path);
  return parse_orders_csv(text, path, mapping);
}

}  // namespace usd1pay::recon_internal
