#pragma once
// Content parts that carry a file other than through `image_url`: OpenAI's
// `{"type":"file","file":{"file_data":"data:<mime>;base64,...",
// "filename":"report.pdf"}}` and `{"type":"input_audio","input_audio":
// {"data":"<base64>","format":"wav"|"mp3"}}`. They go to the page's upload
// like images (FACTS 5: "Upload a file"). Pure, never throws: each reader
// returns the 400 to send or nullopt.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/chat.hpp"
#include "http/chat_request.hpp"

namespace camoufleet::http {

// Bytes per file (decoded); images keep max_image_bytes. The request body
// limit (--max-request-bytes, 4 MiB by default) bounds both.
constexpr std::size_t max_file_bytes = 20 * 1024 * 1024;

// The types a file part may carry, checked against the bytes: PDF, plain
// text / Markdown / CSV (UTF-8, no NUL), WAV, MP3 and the four image types.
bool file_type_supported(const std::string& mime);
// Whether `bytes` are plausibly of that type.
bool file_bytes_match(const std::string& mime, const std::string& bytes);

// base64 bytes said to be of type `mime` (where = the field; `source` names
// it in the message: "data URL" or "data") -> out, or the 400: within the
// size limit of its kind (max_image_bytes for an image, max_file_bytes
// otherwise), valid base64, and bytes of that type (file_bytes_match). Every
// reader of a file, image_url's data URLs included, goes through it.
std::optional<request_error> decode_payload(std::string_view base64, const std::string& mime,
                                            const std::string& where, const char* source,
                                            core::attachment& out);

// A `file` part (where = its path): file_data as a base64 data URL; a
// filename is kept (as its last path component). A `file_id` is refused:
// there is no Files API here.
std::optional<request_error> read_file_part(const nlohmann::json& part, const std::string& where,
                                            core::attachment& out);

// An `input_audio` part: base64 data and format "wav" or "mp3".
std::optional<request_error> read_audio_part(const nlohmann::json& part, const std::string& where,
                                             core::attachment& out);

}  // namespace camoufleet::http
