// The completion routes of server::impl (POST /v1/chat/completions, POST
// /v1/completions and POST /v1/responses): the body read in its route's
// shape, then one
// completion_request submitted to the gateway (n of them for `n` choices:
// choices.cpp); the answer comes back through on_event (replies.cpp), or
// is kept for a background response (background.cpp).
#include "http/server_impl.hpp"

namespace camoufleet::http {

void server::impl::handle_completion(const ph::Request& req, endpoint route,
                                     ph::ResponseWriter response, header_list cors,
                                     std::string caller, int open_limit) {
  auto p = std::make_shared<pending>();
  p->completion = true;
  p->caller = std::move(caller);
  p->open_limit = open_limit;
  p->cors = std::move(cors);
  p->route = route_label(route);
  const bool responses_api = route == endpoint::responses;
  // A legacy text completion: the same chat request, answered in its shape.
  p->meta.text = route == endpoint::text_completions;
  p->id = new_request_id(responses_api ? "resp_" : p->meta.text ? "cmpl-" : "chatcmpl-");
  p->peer = response.getPeer();
  p->writer.emplace(std::move(response));
  p->received = steady::now();
  p->last_write = p->received;
  p->deadline = p->received + options_.request_timeout;

  const std::string& body = req.body();
  if (body.size() > options_.max_request_bytes) {
    std::lock_guard<std::mutex> lock(p->mu);
    reply_error(*p, map_failure(http_failure::too_large,
                                "The request body is " + std::to_string(body.size()) +
                                    " bytes; the limit is " +
                                    std::to_string(options_.max_request_bytes) + " bytes."));
    return;
  }
  chat_parse_result parsed;
  if (responses_api) {
    auto r = parse_responses_request(body, options_.fetch_image_urls, &answers_);
    parsed = std::move(r.chat);
    p->responses_echo = std::move(r.echo);
    p->record.store = r.store && answers_.enabled();
    if (!answers_.enabled()) (*p->responses_echo)["store"] = false;
    p->record.previous = std::move(r.previous_response_id);
    p->record.input = std::move(r.input_items);
    name_input_items(p->record.input, p->id);
    p->background = r.background;
    if (p->background && !answers_.enabled()) {
      std::lock_guard<std::mutex> lock(p->mu);
      reply_error(*p, bad_request("'background' needs the server to keep responses, and it "
                                  "keeps none (--responses-store-mb 0).",
                                  "background"));
      return;
    }
  } else if (p->meta.text) {
    parsed = parse_text_completion_request(body);
  } else {
    parsed = parse_chat_request(body, options_.fetch_image_urls);
  }
  if (!parsed.ok) {
    std::lock_guard<std::mutex> lock(p->mu);
    reply_error(*p, bad_request(parsed.error.message, parsed.error.param));
    return;
  }
  if (closing_) {
    std::lock_guard<std::mutex> lock(p->mu);
    reply_error(*p, map_error(error_code::shutting_down, {}));
    return;
  }

  if (has_image_urls(parsed.request)) {
    fetch_then_submit(p, std::move(parsed));
    return;
  }
  submit(p, std::move(parsed));
}

void server::impl::submit(const pending_ptr& p, chat_parse_result parsed) {
  // The admission comes first (a request turned away is never accepted as
  // a background one); once tracked, the ticker reads p under p->mu, so
  // what is set up below is set under it.
  if (!track(p)) {  // its key has its open_limit open already
    refuse_busy_key(p);
    return;
  }
  completion_request request = std::move(parsed.request);
  request.id = p->id;
  request.caller = p->caller;
  request.received_ms = unix_ms_now();
  request.params.tool_mode = options_.tool_mode;
  {
    std::lock_guard<std::mutex> lock(p->mu);
    if (const auto* model = aliases_.target(request.params.model)) {
      p->alias = std::move(request.params.model);
      request.params.model = *model;
    }
    p->stream = request.stream;
    p->meta.id = p->id;
    p->meta.created = request.received_ms / 1000;
    p->meta.model = request.params.model.empty() ? options_.default_model : request.params.model;
    p->choices_per_prompt = parsed.choices;
    if (p->stream) {
      if (p->responses_echo)
        p->body = std::make_unique<responses_stream>(response_meta{p->meta, *p->responses_echo});
      else if (parsed.parts() > 1)
        p->body = std::make_unique<choices_stream>(p->meta, parsed.parts(), parsed.include_usage,
                                                   parsed.choices);
      else
        p->body = std::make_unique<completion_stream>(p->meta, parsed.include_usage);
    }
  }

  if (parsed.parts() > 1) {
    submit_choices(p, request, parsed);
    return;
  }
  {
    std::unique_lock<std::mutex> lock(p->mu);
    if (p->done) {  // answered while its images were fetched
      lock.unlock();
      untrack(p);
      return;
    }
    if (p->background) accept_background(*p);
  }
  std::weak_ptr<impl> self = shared_from_this();
  try {
    gw_.submit(std::move(request), [self, p](const request_event& ev) {
      if (auto s = self.lock()) s->on_event(p, ev);
    });
  } catch (const std::exception& e) {
    {
      std::lock_guard<std::mutex> lock(p->mu);
      if (!p->done) reply_error(*p, map_failure(http_failure::internal, e.what()));
    }
    untrack(p);
  }
}

}  // namespace camoufleet::http
