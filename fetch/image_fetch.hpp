#pragma once
// Fetching an image named by an http:// URL (`--image-urls fetch`), for an
// OpenAI `image_url` part that is not a data: URL. Blocking, bounded by a
// size limit and a timeout; no Boost in this header.
//
// Only plain http: https URLs are refused (no TLS client here). Redirects
// are not followed. The answer must be 200 with a Content-Type of
// image/png, image/jpeg, image/webp or image/gif, and the bytes must be that
// type. Every failure is a sentence naming the URL, ready for a 400.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace camoufleet::fetch {

struct http_url {
  std::string host;
  std::string port = "80";
  std::string target = "/";  // path and query
};

// "http://host[:port][/path?query]" -> parts; nullopt + `error` (a reason
// without the URL) for anything else, https included.
std::optional<http_url> parse_http_url(const std::string& url, std::string& error);

// The media type of a Content-Type value ("image/PNG; q=1" -> "image/png"),
// or "" when it is not one of the four image types.
std::string image_content_type(const std::string& content_type);

struct fetched_image {
  std::string mime_type;  // "" = failed
  std::string data;
  std::string error;  // "the image URL 'http://...' ...": set when mime_type is ""
};

struct fetch_limits {
  std::size_t max_bytes = 8 * 1024 * 1024;
  std::chrono::milliseconds timeout{10000};  // the whole fetch: resolve, connect, send, read
};

fetched_image fetch_image(const std::string& url, const fetch_limits& limits);

}  // namespace camoufleet::fetch
