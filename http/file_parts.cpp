#include "http/file_parts.hpp"

#include <cctype>

#include "core/base64.hpp"
#include "core/image_type.hpp"
#include "http/request_parts.hpp"

namespace camoufleet::http {

namespace {

using json = nlohmann::json;

struct file_type {
  const char* mime;
  const char* what;  // for messages
};

const file_type types[] = {
    {"application/pdf", "PDF"},   {"text/plain", "text"},    {"text/markdown", "Markdown"},
    {"text/csv", "CSV"},          {"audio/wav", "WAV audio"}, {"audio/mpeg", "MP3 audio"},
    {"image/png", "png image"},   {"image/jpeg", "jpeg image"}, {"image/webp", "webp image"},
    {"image/gif", "gif image"},
};

const char* what_of(const std::string& mime) {
  for (const auto& t : types)
    if (mime == t.mime) return t.what;
  return "file";
}

request_error bad(std::string message, std::string param) {
  return request_error{400, std::move(message), std::move(param)};
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

// base64 (already without its data: head) -> bytes of a supported type.
std::optional<request_error> decode_into(std::string_view b64, const std::string& mime,
                                         const std::string& where, core::attachment& out) {
  const std::size_t limit =
      starts_with(mime, "image/") ? max_image_bytes : max_file_bytes;
  const std::string too_big = "Invalid value for '" + where + "': the file is larger than " +
                              std::to_string(limit / (1024 * 1024)) + " MiB.";
  if (b64.size() / 4 * 3 > limit + 3) return bad(too_big, where);
  auto bytes = core::base64_decode(b64);
  if (!bytes || bytes->empty())
    return bad("Invalid value for '" + where + "': the data is not valid base64.", where);
  if (bytes->size() > limit) return bad(too_big, where);
  if (!file_bytes_match(mime, *bytes))
    return bad("Invalid value for '" + where + "': the data is not " +
                   (mime == "audio/wav" || mime == "audio/mpeg" ? "" : "a ") + what_of(mime) +
                   (starts_with(mime, "text/") ? " (UTF-8 without NUL bytes)" : "") + ".",
               where);
  out.mime_type = mime;
  out.data = std::move(*bytes);
  return std::nullopt;
}

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

}  // namespace

bool file_type_supported(const std::string& mime) {
  for (const auto& t : types)
    if (mime == t.mime) return true;
  return false;
}

bool file_bytes_match(const std::string& mime, const std::string& b) {
  if (starts_with(mime, "image/")) return core::sniff_image_type(b) == mime;
  if (mime == "application/pdf") return starts_with(b, "%PDF-");
  if (mime == "audio/wav") return b.size() >= 12 && starts_with(b, "RIFF") && b.substr(8, 4) == "WAVE";
  if (mime == "audio/mpeg")
    return starts_with(b, "ID3") ||
           (b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0xFF &&
            (static_cast<unsigned char>(b[1]) & 0xE0) == 0xE0);
  if (starts_with(mime, "text/")) return valid_utf8(b);
  return false;
}

std::optional<request_error> read_file_part(const json& part, const std::string& where,
                                            core::attachment& out) {
  const std::string obj_where = where + ".file";
  auto it = part.find("file");
  if (it == part.end() || it->is_null())
    return bad("Missing required parameter: '" + obj_where + "'.", obj_where);
  if (!it->is_object())
    return bad("Invalid type for '" + obj_where + "': expected an object, but got " +
                   json_type_name(*it) + ".",
               obj_where);
  const std::string data_where = obj_where + ".file_data";
  auto data = it->find("file_data");
  if (data == it->end() || data->is_null()) {
    if (it->contains("file_id"))
      return bad("Invalid value for '" + obj_where + ".file_id': file ids are not supported "
                     "(there is no Files API here); send the file inline as file_data "
                     "(data:application/pdf;base64,...).",
                 obj_where + ".file_id");
    return bad("Missing required parameter: '" + data_where + "'.", data_where);
  }
  if (!data->is_string())
    return bad("Invalid type for '" + data_where + "': expected a string, but got " +
                   json_type_name(*data) + ".",
               data_where);
  const std::string& url = data->get_ref<const std::string&>();
  const auto comma = url.find(',');
  const std::string head = url.substr(0, comma);
  // data:<type>[;param=value...];base64 — the type alone counts, in lower case.
  std::string mime;
  if (starts_with(head, "data:") && head.size() > 12 &&
      head.compare(head.size() - 7, 7, ";base64") == 0)
    for (char c : head.substr(5, head.find(';', 5) - 5))
      mime += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (comma == std::string::npos || !file_type_supported(mime))
    return bad("Invalid value for '" + data_where +
                   "': expected a base64 data URL of a PDF, text, Markdown, CSV, WAV, MP3 or "
                   "image file (data:application/pdf;base64,...).",
               data_where);
  if (auto e = decode_into(std::string_view(url).substr(comma + 1), mime, data_where, out))
    return e;
  if (auto name = it->find("filename"); name != it->end() && name->is_string())
    out.filename = base_name(name->get<std::string>());
  else if (name != it->end() && !name->is_null())
    return bad("Invalid type for '" + obj_where + ".filename': expected a string, but got " +
                   json_type_name(*name) + ".",
               obj_where + ".filename");
  return std::nullopt;
}

std::optional<request_error> read_audio_part(const json& part, const std::string& where,
                                             core::attachment& out) {
  const std::string obj_where = where + ".input_audio";
  auto it = part.find("input_audio");
  if (it == part.end() || !it->is_object())
    return bad("Missing required parameter: '" + obj_where + "'.", obj_where);
  auto format = it->find("format");
  const std::string f = format != it->end() && format->is_string() ? format->get<std::string>() : "";
  if (f != "wav" && f != "mp3")
    return bad("Invalid value for '" + obj_where + ".format': expected 'wav' or 'mp3'.",
               obj_where + ".format");
  auto data = it->find("data");
  if (data == it->end() || !data->is_string())
    return bad("Missing required parameter: '" + obj_where + ".data'.", obj_where + ".data");
  return decode_into(data->get_ref<const std::string&>(), f == "wav" ? "audio/wav" : "audio/mpeg",
                     obj_where + ".data", out);
}

}  // namespace camoufleet::http
