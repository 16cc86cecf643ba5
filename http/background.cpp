// Background responses of server::impl (POST /v1/responses with
// `background: true`, as the openai SDKs send it for long answers): the
// request is answered at once with the response "queued", the answer goes
// on without the client, and the response kept in answers_ moves to
// "in_progress" and then to "completed" (with its output), "incomplete",
// "failed" (with the error) or "cancelled". GET /v1/responses/{id} reads it;
// POST /v1/responses/{id}/cancel or a DELETE stops it. A client that goes
// away cancels nothing; the request's own timeout still holds.
#include "http/server_impl.hpp"

namespace camoufleet::http {

namespace {

response_meta meta_of(const pending& p) {
  return {p.meta, *p.responses_echo};
}

}  // namespace

void server::impl::accept_background(pending& p) {
  p.background_status = "queued";
  const std::string object = response_status_json(meta_of(p), "queued");
  // Kept before the client can ask for it; the input is kept again, with
  // the answer, at the end.
  answers_.save(p.id, p.record.previous, p.record.input, object);
  write_reply(p, 200, object, completion_headers(p), nullptr);
  if (!p.route.empty()) stats_.http_answered(p.route, 200);
  p.route.clear();  // counted once, here
  p.writer.reset();
}

void server::impl::note_background_start(pending& p) {
  if (p.background_status != "queued") return;
  p.background_status = "in_progress";
  answers_.refresh(p.id, response_status_json(meta_of(p), "in_progress"));
}

void server::impl::settle_background(pending& p, const request_finished& f) {
  if (p.done) return;
  response_meta meta = meta_of(p);
  if (!f.model.empty()) meta.answer.model = f.model;
  const std::string object = response_json(meta, f);
  p.background_status = response_status(f);
  if (!answers_.save(p.id, p.record.previous, std::move(p.record.input), object, true))
    spdlog::warn(
        "http: background response {} ended but is no longer kept (deleted, or "
        "too big for --responses-store-mb)",
        p.id);
  finish(p);
}

void server::impl::fail_background(pending& p, const char* status, const error_reply* e) {
  if (p.done) return;
  p.background_status = status;
  answers_.refresh(p.id, response_status_json(meta_of(p), status, e));
  finish(p);
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
