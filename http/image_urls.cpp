// --image-urls fetch: a request whose image_url parts name http(s):// URLs
// (placeholders from read_image_part: mime_type "", data = the URL) has
// them fetched by fetch/ on a thread of its own — the reactor never waits —
// and then goes on like a request with data: URLs, or gets the 400 naming
// the URL that failed.
#include <thread>

#include "fetch/image_fetch.hpp"
#include "http/server_impl.hpp"

namespace camoufleet::http {

bool has_image_urls(const completion_request& r) {
  for (const auto& m : r.messages)
    for (const auto& a : m.attachments)
      if (a.mime_type.empty()) return true;
  return false;
}

void server::impl::fetch_then_submit(const pending_ptr& p, chat_parse_result parsed) {
  // The ticker's request_timeout and gone-client checks apply meanwhile.
  if (!track(p)) {  // its key has its open_limit open already: nothing fetched
    refuse_busy_key(p);
    return;
  }
  std::weak_ptr<impl> weak = shared_from_this();
  fetch::fetch_limits limits;
  limits.max_bytes = options_.image_fetch_max_bytes;
  limits.timeout = options_.image_fetch_timeout;
  limits.ca_file = options_.image_fetch_ca_file;
  std::thread([weak, p, limits, parsed = std::move(parsed)]() mutable {
    for (std::size_t i = 0; i < parsed.request.messages.size(); ++i) {
      for (auto& a : parsed.request.messages[i].attachments) {
        if (!a.mime_type.empty()) continue;
        auto got = fetch::fetch_image(a.data, limits);
        auto self = weak.lock();
        if (!self) return;
        if (got.mime_type.empty()) {
          {
            std::lock_guard<std::mutex> lock(p->mu);
            const std::string where =
                (i < parsed.message_names.size() ? parsed.message_names[i]
                                                 : "messages[" + std::to_string(i) + "]") +
                ".content";
            if (!p->done) self->reply_error(*p, bad_request("Invalid value for '" + where + "': " +
                                                                got.error + ".", where));
          }
          self->untrack(p);
          return;
        }
        a.mime_type = std::move(got.mime_type);
        a.data = std::move(got.data);
      }
    }
    if (auto self = weak.lock()) self->submit(p, std::move(parsed));
  }).detach();
}

}  // namespace camoufleet::http
