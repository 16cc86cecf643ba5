#pragma once
// Fetching an image named by an http:// or https:// URL (`--image-urls
// fetch`), for an OpenAI `image_url` part that is not a data: URL.
// Blocking; no Boost in this header.
//
// https is checked as a browser does: SNI, the certificate chain against the
// system's trust store (plus `fetch_limits::ca_file` when set), and the
// certificate's names against the host (DNS name or IP address). Redirects
// (301, 302, 303, 307, 308) are followed, http and https alike, at most
// `max_redirects` times; every hop has the whole size limit and timeout to
// itself. The last answer must be 200 with a Content-Type of image/png,
// image/jpeg, image/webp or image/gif, and the bytes must be that type.
// Every failure is a sentence naming the URL (and, after a redirect, how
// many hops and where), ready for a 400.

#include <chrono>
#include <cstddef>
#include <string>

#include "fetch/url.hpp"

namespace camoufleet::fetch {

// The media type of a Content-Type value ("image/PNG; q=1" -> "image/png"),
// or "" when it is not one of the four image types.
std::string image_content_type(const std::string& content_type);

struct fetched_image {
  std::string mime_type;  // "" = failed
  std::string data;
  std::string error;  // "the image URL 'http://...' ...": set when mime_type is ""
};

struct fetch_limits {
  std::size_t max_bytes = 8 * 1024 * 1024;  // per hop
  std::chrono::milliseconds timeout{10000};  // per hop: resolve, connect, TLS, send, read
  int max_redirects = 5;
  std::string ca_file;  // PEM certificates trusted besides the system's ("" = none)
};

fetched_image fetch_image(const std::string& url, const fetch_limits& limits);

}  // namespace camoufleet::fetch
