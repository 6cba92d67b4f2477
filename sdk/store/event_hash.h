// store: the audit log's hash chain (private to the store module).
//
// Every event stores hash = hex(SHA-256(preimage)) with
//
//   preimage = prev_hash || "\n" || F("usd1pay.event.v1") || F(seq) || F(id)
//              || F(intent_id) || F(intent_seq) || F(type) || F(actor)
//              || F(created_at_ms) || F(data_json)
//   F(x)     = decimal byte length of x || ":" || x || "\n"
//
// prev_hash is the previous event's hash as 64 lowercase hex digits (64 zeros
// for seq 1); integers are written in decimal ASCII without leading zeros
// ('-' first when negative); intent_id is "" for an event not about one
// intent; strings are their stored UTF-8 bytes, unchanged. The length prefix
// makes the encoding injective: no two different events share a preimage,
// whatever bytes their fields hold. docs/store.md spells this out for auditors.
#ifndef USD1PAY_SDK_STORE_EVENT_HASH_H
#define USD1PAY_SDK_STORE_EVENT_HASH_H

#include <string>
#include <string_view>

#include "usd1pay/store.h"

namespace usd1pay::store_internal {

/// prev_hash of the first event.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";
/// The first field of every preimage: names the format, so that a later one
/// can never be confused with it.
inline constexpr std::string_view kEventHashFormat = "usd1pay.event.v1";

/// The bytes that are hashed (see above). Uses e.seq, id, intent_id,
/// intent_seq, type, actor, created_at_ms and data_json; ignores e.prev_hash
/// and e.hash.
std::string event_hash_preimage(std::string_view prev_hash, const EventRow& e);

/// Lowercase hex SHA-256 of event_hash_preimage(prev_hash, e).
std::string event_hash(std::string_view prev_hash, const EventRow& e);

}  // namespace usd1pay::store_internal

#endif  // USD1PAY_SDK_STORE_EVENT_HASH_H
