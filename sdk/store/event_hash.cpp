// store: the audit log's hash chain; the format is described in event_hash.h.
#include "store/event_hash.h"

#include <cstdint>

#include "usd1pay/encoding.h"
#include "usd1pay/hash.h"

namespace usd1pay::store_internal {
namespace {

void append_field(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += '\n';
}

}  // namespace

std::string event_hash_preimage(std::string_view prev_hash, const EventRow& e) {
  std::string out;
  out.reserve(prev_hash.size() + e.data_json.size() + e.id.size() + e.intent_id.size() +
              e.type.size() + e.actor.size() + 128);
  out += prev_hash;
  out += '\n';
  append_field(out, kEventHashFormat);
  append_field(out, std::to_string(e.seq));
  append_field(out, e.id);
  append_field(out, e.intent_id);
  append_field(out, std::to_string(e.intent_seq));
  append_field(out, e.type);
  append_field(out, e.actor);
  append_field(out, std::to_string(e.created_at_ms));
  append_field(out, e.data_json);
  return out;
}

std::string event_hash(std::string_view prev_hash, const EventRow& e) {
  return hex_encode(sha256(event_hash_preimage(prev_hash, e)));
}

}  // namespace usd1pay::store_internal
