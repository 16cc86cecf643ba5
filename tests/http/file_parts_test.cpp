// `file` and `input_audio` content parts (http/file_parts.*), through the
// whole request parser: what becomes an attachment, and the 400s.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "http/chat_request.hpp"
#include "http/file_parts.hpp"

using namespace camoufleet;
using namespace camoufleet::http;
using nlohmann::json;

namespace {

const std::string pdf = "%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n";
const std::string wav = std::string("RIFF\x24\0\0\0WAVEfmt ", 16);

std::string b64(const std::string& bytes) {
  static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 2]);
    out += abc[v >> 18 & 63];
    out += abc[v >> 12 & 63];
    out += i + 1 < bytes.size() ? abc[v >> 6 & 63] : '=';
    out += i + 2 < bytes.size() ? abc[v & 63] : '=';
  }
  return out;
}

// One user turn: a text part, then `part`.
chat_parse_result parse_with(const json& part) {
  const json body = {
      {"messages", {{{"role", "user"}, {"content", {{{"type", "text"}, {"text", "read it"}}, part}}}}}};
  return parse_chat_request(body.dump());
}

json file_part(const std::string& data_url, const json& filename = nullptr) {
  json file = {{"file_data", data_url}};
  if (!filename.is_null()) file["filename"] = filename;
  return {{"type", "file"}, {"file", file}};
}

json audio_part(const std::string& data, const std::string& format) {
  return {{"type", "input_audio"}, {"input_audio", {{"data", data}, {"format", format}}}};
}

}  // namespace

TEST_CASE("files: PDF, text and audio parts become attachments, a client's name without its directories") {
  auto r = parse_with(file_part("data:application/pdf;base64," + b64(pdf), "../../etc/report.pdf"));
  REQUIRE(r.ok);
  REQUIRE(r.request.messages[0].attachments.size() == 1);
  const auto& a = r.request.messages[0].attachments[0];
  CHECK(a.mime_type == "application/pdf");
  CHECK(a.data == pdf);
  CHECK(a.filename == "report.pdf");
  CHECK(r.request.messages[0].content == "read it");

  // Parameters of the type (a charset) and its case do not matter.
  auto md = parse_with(
      file_part("data:Text/Markdown;charset=utf-8;base64," + b64("# Notes\n\xC3\xA9t\xC3\xA9\n")));
  REQUIRE(md.ok);
  CHECK(md.request.messages[0].attachments[0].mime_type == "text/markdown");
  CHECK(md.request.messages[0].attachments[0].filename.empty());

  auto w = parse_with(audio_part(b64(wav), "wav"));
  REQUIRE(w.ok);
  CHECK(w.request.messages[0].attachments[0].mime_type == "audio/wav");
  CHECK(w.request.messages[0].attachments[0].data == wav);
  auto m = parse_with(audio_part(b64("ID3\x04\0\0\0\0\0\0"), "mp3"));
  REQUIRE(m.ok);
  CHECK(m.request.messages[0].attachments[0].mime_type == "audio/mpeg");
}

TEST_CASE("files: ids, other types, lies, bad base64 and unknown audio formats are clear 400s") {
  struct bad_case {
    json part;
    const char* param;
    const char* message_has;
  };
  const bad_case cases[] = {
      {{{"type", "file"}, {"file", {{"file_id", "file-abc"}}}}, "messages[0].content[1].file.file_id",
       "no Files API"},
      {{{"type", "file"}}, "messages[0].content[1].file", "Missing"},
      {{{"type", "file"}, {"file", "x"}}, "messages[0].content[1].file", "expected an object"},
      {file_part("data:application/zip;base64,UEsDBA=="), "messages[0].content[1].file.file_data",
       "PDF, text, Markdown, CSV, WAV, MP3 or image"},
      {file_part("data:application/pdf," + pdf), "messages[0].content[1].file.file_data", "base64 data URL"},
      {file_part("data:application/pdf;base64,!!!!"), "messages[0].content[1].file.file_data",
       "not valid base64"},
      {file_part("data:application/pdf;base64," + b64("<html>")), "messages[0].content[1].file.file_data",
       "not a PDF"},
      {file_part("data:text/plain;base64," + b64(std::string("a\0b", 3))),
       "messages[0].content[1].file.file_data", "UTF-8 without NUL"},
      {file_part("data:text/plain;base64," + b64("\xC3(")), "messages[0].content[1].file.file_data",
       "UTF-8"},
      {file_part("data:application/pdf;base64," + b64(pdf), 7), "messages[0].content[1].file.filename",
       "expected a string"},
      {audio_part(b64(wav), "flac"), "messages[0].content[1].input_audio.format", "'wav' or 'mp3'"},
      {audio_part(b64(pdf), "wav"), "messages[0].content[1].input_audio.data", "not WAV audio"},
      {{{"type", "input_audio"}, {"input_audio", {{"format", "mp3"}}}},
       "messages[0].content[1].input_audio.data", "Missing"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.part.dump());
    auto r = parse_with(c.part);
    REQUIRE_FALSE(r.ok);
    CHECK(r.error.status == 400);
    CHECK(r.error.param == c.param);
    CHECK(r.error.message.find(c.message_has) != std::string::npos);
  }
  // Files count with images against the limit of one request.
  json body = {{"messages", {{{"role", "user"}, {"content", json::array()}}}}};
  for (std::size_t i = 0; i <= 10; ++i)
    body["messages"][0]["content"].push_back(file_part("data:application/pdf;base64," + b64(pdf)));
  auto many = parse_chat_request(body.dump());
  REQUIRE_FALSE(many.ok);
  CHECK(many.error.message.find("more than 10 images and files") != std::string::npos);
  // Only a user turn carries files.
  json assistant = {{"messages",
                     {{{"role", "user"}, {"content", "x"}},
                      {{"role", "assistant"},
                       {"content", {file_part("data:application/pdf;base64," + b64(pdf))}}}}}};
  auto refused = parse_chat_request(assistant.dump());
  REQUIRE_FALSE(refused.ok);
  CHECK(refused.error.param == "messages[1].content[0].type");
}

TEST_CASE("files: the bytes must be what the type says") {
  CHECK(file_bytes_match("application/pdf", pdf));
  CHECK_FALSE(file_bytes_match("application/pdf", "PDF-1.4"));
  CHECK(file_bytes_match("audio/wav", wav));
  CHECK_FALSE(file_bytes_match("audio/wav", "RIFF\x24\0\0\0WEBPVP8 "));
  CHECK(file_bytes_match("audio/mpeg", "\xFF\xFB\x90\x64"));
  CHECK_FALSE(file_bytes_match("audio/mpeg", "\xFF\x00"));
  CHECK(file_bytes_match("text/csv", "a,b\n1,2\n"));
  CHECK(file_bytes_match("image/png", std::string("\x89PNG\r\n\x1a\n", 8)));
  CHECK_FALSE(file_bytes_match("image/png", "GIF89a"));
  CHECK_FALSE(file_type_supported("application/zip"));
  CHECK(file_type_supported("text/markdown"));
}
