#include "http/file_parts.hpp"

#include "core/base64.hpp"
#include "core/image_type.hpp"
#include "core/text.hpp"
#include "http/request_parts.hpp"

namespace camoufleet::http {

namespace {

using json = nlohmann::json;

struct file_type {
  const char* mime;
  const char* what;  // for messages: "the data is not <what>"
};

const file_type types[] = {
    {"application/pdf", "a PDF"}, {"text/plain", "a text"},       {"text/markdown", "a Markdown"},
    {"text/csv", "a CSV"},        {"audio/wav", "WAV audio"},     {"audio/mpeg", "MP3 audio"},
    {"image/png", "a png image"}, {"image/jpeg", "a jpeg image"}, {"image/webp", "a webp image"},
    {"image/gif", "a gif image"},
};

const file_type* type_of(const std::string& mime) {
  for (const auto& t : types)
    if (mime == t.mime) return &t;
  return nullptr;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The last path component, without control characters; "" if none is left.
std::string base_name(const std::string& name) {
  const auto slash = name.find_last_of("/\\");
  std::string out;
  for (char c : slash == std::string::npos ? name : name.substr(slash + 1))
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
  if (out == "." || out == "..") out.clear();
  return out.size() > 200 ? out.substr(out.size() - 200) : out;
}

}  // namespace

std::optional<request_error> decode_payload(std::string_view b64, const std::string& mime,
                                            const std::string& where, const char* source,
                                            core::attachment& out) {
  const bool image = starts_with(mime, "image/");
  const std::size_t limit = image ? max_image_bytes : max_file_bytes;
  const std::string too_big = "Invalid value for '" + where + "': the " +
                              (image ? "image" : "file") + " is larger than " +
                              std::to_string(limit / (1024 * 1024)) + " MiB.";
  // Decoded size from the encoded length, before decoding anything big.
  if (b64.size() / 4 * 3 > limit + 3) return bad_field(too_big, where);
  auto bytes = core::base64_decode(b64);
  if (!bytes || bytes->empty())
    return bad_field("Invalid value for '" + where + "': the " + source + " is not valid base64.",
                     where);
  if (bytes->size() > limit) return bad_field(too_big, where);
  if (!file_bytes_match(mime, *bytes)) {
    const file_type* t = type_of(mime);
    return bad_field("Invalid value for '" + where + "': the data is not " +
                         (t ? t->what : "a file of that type") +
                         (starts_with(mime, "text/") ? " file (UTF-8 without NUL bytes)" : "") +
                         ".",
                     where);
  }
  out.mime_type = mime;
  out.data = std::move(*bytes);
  return std::nullopt;
}

bool file_type_supported(const std::string& mime) {
  return type_of(mime) != nullptr;
}

bool file_bytes_match(const std::string& mime, const std::string& b) {
  if (starts_with(mime, "image/")) return core::sniff_image_type(b) == mime;
  if (mime == "application/pdf") return starts_with(b, "%PDF-");
  if (mime == "audio/wav") return b.size() >= 12 && starts_with(b, "RIFF") && b.substr(8, 4) == "WAVE";
  if (mime == "audio/mpeg")
    return starts_with(b, "ID3") ||
           (b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0xFF &&
            (static_cast<unsigned char>(b[1]) & 0xE0) == 0xE0);
  if (starts_with(mime, "text/")) return b.find('\0') == std::string::npos && is_valid_utf8(b);
  return false;
}

std::optional<request_error> read_file_part(const json& part, const std::string& where,
                                            core::attachment& out) {
  const std::string obj_where = where + ".file";
  auto it = part.find("file");
  if (it == part.end() || it->is_null())
    return bad_field("Missing required parameter: '" + obj_where + "'.", obj_where);
  if (!it->is_object()) return wrong_type(obj_where, "an object", *it);
  const std::string data_where = obj_where + ".file_data";
  auto data = it->find("file_data");
  if (data == it->end() || data->is_null()) {
    if (it->contains("file_id"))
      return bad_field("Invalid value for '" + obj_where +
                           ".file_id': file ids are not supported "
                           "(there is no Files API here); send the file inline as file_data "
                           "(data:application/pdf;base64,...).",
                       obj_where + ".file_id");
    return bad_field("Missing required parameter: '" + data_where + "'.", data_where);
  }
  if (!data->is_string()) return wrong_type(data_where, "a string", *data);
  const std::string& url = data->get_ref<const std::string&>();
  const auto comma = url.find(',');
  const std::string head = url.substr(0, comma);
  // data:<type>[;param=value...];base64 — the type alone counts, in lower case.
  const std::string mime = starts_with(head, "data:") && head.size() > 12 &&
                                   head.compare(head.size() - 7, 7, ";base64") == 0
                               ? core::to_lower(head.substr(5, head.find(';', 5) - 5))
                               : "";
  if (comma == std::string::npos || !file_type_supported(mime))
    return bad_field("Invalid value for '" + data_where +
                         "': expected a base64 data URL of a PDF, text, Markdown, CSV, WAV, MP3 or "
                         "image file (data:application/pdf;base64,...).",
                     data_where);
  if (auto e = decode_payload(std::string_view(url).substr(comma + 1), mime, data_where, "data URL",
                              out))
    return e;
  if (auto name = it->find("filename"); name != it->end() && name->is_string())
    out.filename = base_name(name->get<std::string>());
  else if (name != it->end() && !name->is_null())
    return wrong_type(obj_where + ".filename", "a string", *name);
  return std::nullopt;
}

std::optional<request_error> read_audio_part(const json& part, const std::string& where,
                                             core::attachment& out) {
  const std::string obj_where = where + ".input_audio";
  auto it = part.find("input_audio");
  if (it == part.end() || !it->is_object())
    return bad_field("Missing required parameter: '" + obj_where + "'.", obj_where);
  auto format = it->find("format");
  const std::string f = format != it->end() && format->is_string() ? format->get<std::string>() : "";
  if (f != "wav" && f != "mp3")
    return bad_field("Invalid value for '" + obj_where + ".format': expected 'wav' or 'mp3'.",
                     obj_where + ".format");
  auto data = it->find("data");
  if (data == it->end() || !data->is_string())
    return bad_field("Missing required parameter: '" + obj_where + ".data'.", obj_where + ".data");
  return decode_payload(data->get_ref<const std::string&>(),
                        f == "wav" ? "audio/wav" : "audio/mpeg", obj_where + ".data", "data", out);
}

}  // namespace camoufleet::http
