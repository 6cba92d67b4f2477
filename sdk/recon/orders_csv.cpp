// The strict reader of the shop's orders file (recon_internal.h): RFC 4180,
// errors naming file, line and column.
//
// The index keeps the file's text and points into it: an order is three
// views and two numbers, no string of its own (a quoted field is unescaped
// in place: its text only shrinks). Files whose order ids already come in
// order (checked while reading) are not sorted.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
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
  std::string_view text;  ///< into the reader's buffer (unescaped)
  std::uint64_t line = 0;
  std::uint64_t column = 0;
};

class Reader {
 public:
  /// Reads `text` (size bytes), unescaping quoted fields in place.
  Reader(char* text, std::size_t size, const std::string& name)
      : buf_(text), text_(text, size), name_(name) {
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
        // The unescaped text is written over the field's own bytes (behind
        // the read position: a doubled quote becomes one).
        const std::size_t begin = pos_;
        std::size_t w = pos_;
        for (;;) {
          if (pos_ >= text_.size()) {
            return error(f.line, f.column, "quoted field is not closed before the end of the file");
          }
          const char c = text_[pos_];
          if (c == '"') {
            if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
              buf_[w++] = '"';
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
          buf_[w++] = c;
          ++pos_;
        }
        f.text = std::string_view(buf_ + begin, w - begin);
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
        f.text = text_.substr(begin, pos_ - begin);
      }
      const std::size_t bad = find_invalid_utf8(f.text);
      if (bad != std::string_view::npos) {
        return error(f.line, f.column, "field is not valid UTF-8 at byte " + std::to_string(bad));
      }
      out->push_back(f);
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
  char* buf_;
  std::string_view text_;  ///< buf_: bytes before pos_ may have been rewritten
  const std::string& name_;
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;
  std::uint64_t line_ = 1;
};

}  // namespace

/// Parses `text` (size bytes, owned by the index being built) into `out`.
Status OrdersIndex::parse(const std::string& name, const OrdersCsvMapping& mapping) {
  Reader reader(text_.get(), size_, name);
  const std::string_view text(text_.get(), size_);
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
        return reader.error(
            header[i].line, header[i].column,
            "column '" + std::string(header[i].text) + "' appears twice in the header");
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
  // At most one order per remaining line: reserved once, so that a large file
  // never holds a vector mid-growth (twice its size) beside the text.
  orders_.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  bool in_order = true;  // every order id above the one before: no sort needed
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
      return reader.error(amount.line, amount.column,
                          "amount '" + std::string(amount.text) +
                              "' is not an exact decimal: " + a.status().message());
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
      return reader.error(created.line, created.column,
                          "created time '" + std::string(created.text) +
                              "' is not ISO 8601 UTC: " + t.status().message());
    }
    o.created_at_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
    if (in_order && !orders_.empty() && !(orders_.back().order_id < o.order_id)) in_order = false;
    orders_.push_back(o);
  }
  if (in_order) return Status();  // strictly increasing: sorted, no repeat
  // Sorted by a number first: the 8 bytes after the prefix every id shares
  // (big-endian, zero-padded), which orders ids as their bytes do whenever
  // two numbers differ (equal numbers fall back to the ids, then the lines).
  // Most comparisons of ids like "ord-000123" or UUIDs are then one integer
  // comparison instead of a memcmp.
  std::size_t common = orders_.front().order_id.size();
  for (const Order& o : orders_) {
    const std::string_view first = orders_.front().order_id;
    std::size_t k = 0;
    while (k < common && k < o.order_id.size() && o.order_id[k] == first[k]) ++k;
    common = k;
  }
  for (Order& o : orders_) {
    std::uint64_t key = 0;
    for (std::size_t k = common; k < common + 8; ++k) {
      const auto b = k < o.order_id.size() ? static_cast<unsigned char>(o.order_id[k]) : 0U;
      key = key << 8 | b;
    }
    o.sort_key = key;
  }
  std::sort(orders_.begin(), orders_.end(), [](const Order& a, const Order& b) {
    if (a.sort_key != b.sort_key) return a.sort_key < b.sort_key;
    return a.order_id != b.order_id ? a.order_id < b.order_id : a.line < b.line;
  });
  for (std::size_t i = 1; i < orders_.size(); ++i) {
    if (orders_[i].order_id == orders_[i - 1].order_id) {
      return reader.error(orders_[i].line, 1,
                          "order id '" + std::string(orders_[i].order_id) +
                              "' repeats the order of line " + std::to_string(orders_[i - 1].line));
    }
  }
  return Status();
}

Result<OrdersIndex> parse_orders_csv(std::string_view text, const std::string& name,
                                     const OrdersCsvMapping& mapping) {
  OrdersIndex index;
  index.size_ = text.size();
  index.text_ = std::make_unique<char[]>(text.size() + 1);
  text.copy(index.text_.get(), text.size());
  USD1PAY_RETURN_IF_ERROR(index.parse(name, mapping));
  return index;
}

Result<OrdersIndex> read_orders_file(const std::string& path, const OrdersCsvMapping& mapping) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return Status(ErrorCode::kIo,
                  "recon: cannot open orders file " + path + ": " + std::strerror(errno));
  }
  // Read into a buffer of the file's size: no regrowth (a copy, twice the
  // memory) while reading; the buffer then becomes the index's text.
  OrdersIndex index;
  std::size_t capacity = 0;
  if (std::fseek(f, 0, SEEK_END) == 0) {
    const long size = std::ftell(f);
    if (size > 0) capacity = static_cast<std::size_t>(size);
    std::rewind(f);
  }
  std::unique_ptr<char[]> text = std::make_unique<char[]>(capacity + 1);
  std::size_t n = 0;
  bool failed = false;
  for (;;) {
    if (n == capacity) {
      // Full: the end of the file, or it grew (or its size was unknown).
      char probe = 0;
      if (std::fread(&probe, 1, 1, f) == 0) {
        failed = std::ferror(f) != 0;
        break;
      }
      const std::size_t bigger = capacity < 65536 ? 65536 : capacity * 2;
      std::unique_ptr<char[]> more = std::make_unique<char[]>(bigger + 1);
      std::memcpy(more.get(), text.get(), n);
      text = std::move(more);
      capacity = bigger;
      text[n++] = probe;
      continue;
    }
    const std::size_t got = std::fread(text.get() + n, 1, capacity - n, f);
    n += got;
    if (got == 0) {
      failed = std::ferror(f) != 0;
      break;
    }
  }
  std::fclose(f);
  if (failed) return Status(ErrorCode::kIo, "recon: cannot read orders file " + path);
  index.text_ = std::move(text);
  index.size_ = n;
  USD1PAY_RETURN_IF_ERROR(index.parse(path, mapping));
  return index;
}

}  // namespace usd1pay::recon_internal
