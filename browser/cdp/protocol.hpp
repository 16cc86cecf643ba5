#pragma once
// CDP framing without I/O: encoding commands, decoding what the browser
// sends, and the pair as the framing of the shared channel
// (browser/channel.hpp). The channel's pure half (pending commands with
// deadlines, ws:// URLs) is browser/channel_framing.hpp; its names are
// brought in here for the CDP code. Unit tested without sockets.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "browser/channel_framing.hpp"
#include "core/chat.hpp"

namespace camoufleet::browser::cdp {

using core::driver_error;
using core::failure_kind;
using browser::command_outcome;
using browser::framing;
using browser::incoming_message;
using browser::parse_frame_object;
using browser::parse_ws_url;
using browser::pending_table;
using browser::to_driver_error;
using browser::ws_url_parts;

// `{"id","method","params","sessionId"?}`; sessionId only when non-empty
// (flattened target sessions share the browser's websocket).
std::string encode_command(std::int64_t id, const std::string& method,
                           const nlohmann::json& params, const std::string& session_id = "");

// Never throws: malformed JSON or an unknown shape yields kind::invalid.
incoming_message decode_message(const std::string& text);

// encode_command + decode_message, for the channel.
framing cdp_framing();

}  // namespace camoufleet::browser::cdp
