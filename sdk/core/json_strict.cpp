// Duplicate keys and nesting of a JSON parse (json_strict.h).
#include "usd1pay/json_strict.h"

#include <string>
#include <string_view>

namespace usd1pay {

void JsonKeyPaths::open(bool array) {
  frames_.push_back(Frame{array, 0, {}, {}});
}

void JsonKeyPaths::close() {
  if (!frames_.empty()) frames_.pop_back();
  value();  // the container was an element of its parent
}

void JsonKeyPaths::value() {
  if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
}

bool JsonKeyPaths::key(const std::string& key) {
  if (frames_.empty()) return true;
  Frame& top = frames_.back();
  top.key = key;
  return top.keys.insert(key).second;
}

std::string JsonKeyPaths::path() const {
  std::string out;
  // frames_[0] is the document itself; each later frame is named by its parent.
  for (std::size_t i = 1; i < frames_.size(); ++i) {
    const Frame& parent = frames_[i - 1];
    if (parent.array) {
      out += "[" + std::to_string(parent.index) + "]";
    } else {
      if (!out.empty()) out += '.';
      out += parent.key;
    }
  }
  return out;
}

std::string JsonKeyPaths::key_path() const {
  std::string out = path();
  if (frames_.empty() || frames_.back().array) return out;
  if (!out.empty()) out += '.';
  out += frames_.back().key;
  return out;
}

std::string json_syntax_reason(std::string_view what) {
  std::string reason(what);
  const std::size_t column = reason.find("column ");
  const std::size_t colon = reason.find(": ", column == std::string::npos ? 0 : column);
  if (colon != std::string::npos) reason = reason.substr(colon + 2);
  const std::size_t last_read = reason.find("; last read");
  if (last_read != std::string::npos) reason.resize(last_read);
  for (char& c : reason) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return reason;
}

}  // namespace usd1pay
