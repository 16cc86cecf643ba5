// Background responses of server::impl (POST /v1/responses with
// `background: true`, as the openai SDKs send it for long answers): the
// request is answered at once with the response "queued", the answer goes
// on without the client, and the response kept in answers_ moves to
// "in_progress" and then to "completed" (with its output), "incomplete",
// "failed" (with the error) or "cancelled". GET /v1/responses/{id} reads it;
// POST /v1/responses/{id}/cancel or a DELETE stops it. A client that goes
// away cancels nothing; the request's own timeout still holds.
//
// With `stream` too the request is answered with the stream instead
// (response.created and response.queued at once, then the usual events),
// and every event is kept (kept_stream): a client whose connection broke
// reads it again by GET /v1/responses/{id}?stream=true&starting_after=N,
// the kept events at once and the rest as they come. A cancelled one's
// stream ends with no further event.
#include <algorithm>
#include <tuple>

#include "http/server_impl.hpp"

namespace camoufleet::http {

namespace {

response_meta meta_of(const pending& p) {
  return {p.meta, *p.responses_echo};
}

// A /v1/responses stream's body (submit() makes one for every stream there).
responses_stream& events_of(pending& p) {
  return static_cast<responses_stream&>(*p.body);
}

}  // namespace

void server::impl::accept_background(pending& p) {
  p.background_status = "queued";
  const std::string object = response_status_json(meta_of(p), "queued");
  // Kept before the client can ask for it; the input is kept again, with
  // the answer, at the end.
  answers_.save(p.id, p.record.previous, p.record.input, object);
  if (p.stream) {
    p.replay = std::make_shared<kept_stream>();
    {
      std::lock_guard<std::mutex> lock(streams_mu_);
      streams_[p.id] = p.replay;
    }
    start_stream(p);
    emit(p, events_of(p).on_queued(), false);
  } else {
    write_reply(p, 200, object, completion_headers(p), nullptr);
    p.writer.reset();
  }
  if (!p.route.empty()) stats_->http_answered(p.route, 200);
  p.route.clear();  // counted once, here
}

void server::impl::note_background_start(pending& p) {
  if (p.background_status != "queued") return;
  p.background_status = "in_progress";
  answers_.refresh(p.id, response_status_json(meta_of(p), "in_progress"));
  if (p.replay) emit(p, events_of(p).on_started(), false);
}

void server::impl::settle_background(pending& p, const request_finished& f) {
  if (p.done) return;
  response_meta meta = meta_of(p);
  if (!f.model.empty()) meta.answer.model = f.model;
  // A stream's last event carries the object: the same one is kept.
  const std::string end = p.replay ? events_of(p).on_finished(f) : std::string();
  const std::string object = p.replay ? p.body->answered_object() : response_json(meta, f);
  p.background_status = response_status(f);
  if (!answers_.save(p.id, p.record.previous, std::move(p.record.input), object, true))
    spdlog::warn(
        "http: background response {} ended but is no longer kept (deleted, or "
        "too big for --responses-store-mb)",
        p.id);
  if (p.replay) return emit(p, end, true);  // and finish()
  finish(p);
}

void server::impl::fail_background(pending& p, const char* status, const error_reply* e) {
  if (p.done) return;
  p.background_status = status;
  answers_.refresh(p.id, response_status_json(meta_of(p), status, e));
  if (p.replay) return emit(p, e != nullptr ? p.body->on_failed(*e) : std::string(), true);
  finish(p);
}

void server::impl::emit(pending& p, std::string sse_text, bool last) {
  if (p.replay) {
    kept_stream& k = *p.replay;
    std::lock_guard<std::mutex> lock(k.mu);
    const auto before = static_cast<long long>(k.log.size()) - 1;  // the last one readers had
    k.log.append(sse_text);
    if (last) {
      k.log.end();
      k.ended_at = steady::now();
    }
    for (const auto& r : k.readers)
      if (const auto reader = r.p.lock()) {
        std::lock_guard<std::mutex> reader_lock(reader->mu);
        if (!reader->done) write_stream(*reader, k.log.after(std::max(r.after, before)), last);
      }
    k.readers.erase(
        std::remove_if(k.readers.begin(), k.readers.end(),
                       [last](const kept_stream::reader& r) { return last || r.p.expired(); }),
        k.readers.end());
  }
  write_stream(p, std::move(sse_text), last);
}

bool server::impl::follow_response(const pending_ptr& p, const std::string& id,
                                   const std::map<std::string, std::string>& params) {
  const auto refuse = [&](const std::string& message, const char* param) {
    std::lock_guard<std::mutex> lock(p->mu);
    reply_error(*p, bad_request(message, param));
    return true;
  };
  long long after = -1;
  if (const auto it = params.find("starting_after");
      it != params.end() && !parse_starting_after(it->second, after))
    return refuse(
        "'starting_after' must be an event's sequence_number (a whole number from -1 up), "
        "not '" +
            it->second + "'.",
        "starting_after");
  std::shared_ptr<kept_stream> kept;
  {
    std::lock_guard<std::mutex> lock(streams_mu_);
    if (const auto it = streams_.find(id); it != streams_.end()) kept = it->second;
  }
  if (!kept) {
    if (!answers_.status(id)) return false;  // kept at all? (without copying its object)
    return refuse("The response '" + id +
                      "' cannot be streamed: only one created with both "
                      "'background' and 'stream' can, while it runs and for " +
                      std::to_string(options_.stream_kept_for.count() / 60000) +
                      " minutes after it ends. Read it without 'stream'.",
                  "stream");
  }
  std::lock_guard<std::mutex> kept_lock(kept->mu);
  std::lock_guard<std::mutex> lock(p->mu);
  if (p->done) return true;
  p->stream = true;
  p->deadline = steady::time_point::max();  // it ends with the response
  start_stream(*p);
  write_stream(*p, kept->log.after(after), kept->log.ended());
  if (!kept->log.ended()) kept->readers.push_back({p, after});
  return true;
}

responses_memory server::impl::responses_figures() {
  responses_memory m;
  m.kept = answers_.size();
  m.bytes = answers_.bytes();
  m.limit_bytes = options_.responses_store_bytes;
  std::lock_guard<std::mutex> lock(streams_mu_);
  m.streams = streams_.size();
  for (const auto& [id, kept] : streams_) {
    std::lock_guard<std::mutex> kept_lock(kept->mu);
    m.stream_bytes += kept->log.bytes();
  }
  return m;
}

void server::impl::prune_streams() {
  const auto now = steady::now();
  std::lock_guard<std::mutex> lock(streams_mu_);
  if (streams_.empty()) return;
  std::size_t bytes = 0;
  // Ended ones still kept (when, id, bytes), oldest first once sorted.
  std::vector<std::tuple<steady::time_point, std::string, std::size_t>> ended;
  std::vector<std::string> expired;
  for (const auto& [id, kept] : streams_) {
    std::lock_guard<std::mutex> kept_lock(kept->mu);
    if (kept->log.ended() && now - kept->ended_at >= options_.stream_kept_for) {
      expired.push_back(id);
      continue;
    }
    bytes += kept->log.bytes();
    if (kept->log.ended()) ended.emplace_back(kept->ended_at, id, kept->log.bytes());
  }
  for (const auto& id : expired) streams_.erase(id);
  std::sort(ended.begin(), ended.end());
  for (const auto& [at, id, size] : ended) {
    if (bytes <= options_.responses_store_bytes) break;
    bytes -= size;
    streams_.erase(id);
  }
}

bool server::impl::cancel_background(const std::string& id) {
  const auto p = open_completion(id);
  if (!p || !p->background) return false;
  {
    std::lock_guard<std::mutex> lock(p->mu);
    if (p->done) return false;
    fail_background(*p, "cancelled", nullptr);
  }
  untrack(p);
  gw_.cancel(id, [](bool) {});
  return true;
}

std::pair<int, std::string> server::impl::cancel_response(const std::string& id) {
  cancel_background(id);
  const auto text = answers_.response(id);
  if (!text) return {404, {}};
  const auto object = nlohmann::json::parse(*text, nullptr, false);
  const auto status = object.value("status", std::string());
  const auto refuse = [](const std::string& message) {
    return std::pair<int, std::string>{400, error_body(bad_request(message, "response_id"))};
  };
  if (!object.value("background", false))
    return refuse("Only a response created with 'background': true can be cancelled; '" + id +
                  "' was answered while its request was open.");
  if (status != "cancelled")
    return refuse("The response '" + id + "' cannot be cancelled: it has already ended with " +
                  "status '" + status + "'.");
  return {200, *text};  // cancelled now, or before (cancelling twice is no error)
}

}  // namespace camoufleet::http
