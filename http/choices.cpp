// `n` above 1 on POST /v1/chat/completions (server::impl): one page gives
// one answer, so n choices are n requests to the fleet, side by side, each
// with an id of its own (<id>-<i>), answered on whichever instances are
// free; choice i is the answer to part i. A reply goes out once every
// choice is in; a stream sends each choice's chunks as they come, tagged
// with its index (choices_stream), and ends when the last one finished.
// The first part that fails fails the request (its error: an HTTP status,
// or an error event once the stream began), and the other parts are
// cancelled; a cancel of the request's id, its client going away or its
// timeout cancel every part.
#include "http/server_impl.hpp"

namespace camoufleet::http {

std::vector<std::string> gateway_ids(const pending& p) {
  if (!p.parts.empty()) return p.parts;
  return {p.id};
}

void server::impl::submit_choices(const pending_ptr& p, const completion_request& request,
                                  const chat_parse_result& parsed) {
  const int n = parsed.parts();
  std::vector<completion_request> parts;
  {
    std::unique_lock<std::mutex> lock(p->mu);
    if (p->done) {  // answered while its images were fetched
      lock.unlock();
      untrack(p);
      return;
    }
    for (int i = 0; i < n; ++i) {
      completion_request part = request;
      part.id = p->id + "-" + std::to_string(i);
      if (!parsed.prompts.empty())
        part.messages.back().content = parsed.prompts[static_cast<std::size_t>(i / parsed.choices)];
      p->parts.push_back(part.id);
      parts.push_back(std::move(part));
    }
    p->answers.resize(static_cast<std::size_t>(n));
    p->choices_left = n;
  }
  std::weak_ptr<impl> self = shared_from_this();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    {
      // A part that failed at once (a full queue) ended the request: the
      // parts after it are not asked for at all.
      std::lock_guard<std::mutex> lock(p->mu);
      if (p->done) break;
    }
    try {
      gw_.submit(std::move(parts[i]), [self, p, i](const request_event& ev) {
        if (auto s = self.lock()) s->on_choice_event(p, i, ev);
      });
    } catch (const std::exception& e) {
      request_failed f;
      f.code = error_code::site_error;
      f.message = e.what();
      on_choice_event(p, i, f);
    }
  }
}

bool server::impl::cancel_choices(const std::string& id) {
  const auto p = open_completion(id);
  if (!p) return false;
  std::vector<std::string> parts;
  {
    std::lock_guard<std::mutex> lock(p->mu);
    parts = p->parts;
  }
  for (const auto& part : parts) gw_.cancel(part, [](bool) {});
  return !parts.empty();
}

void server::impl::on_choice_event(const pending_ptr& p, std::size_t i, const request_event& ev) {
  bool ended = false;
  std::vector<std::string> others;
  {
    std::lock_guard<std::mutex> lock(p->mu);
    if (p->done) return;
    // Assignments change nothing here: the instances are named as their
    // answers come. A reply is built from the ends alone.
    if (auto d = std::get_if<request_delta>(&ev); d && p->stream) {
      if (!p->head_sent) start_stream(*p);
      write_stream(*p, static_cast<choices_stream&>(*p->body).on_choice_delta(i, *d), false);
    } else if (auto f = std::get_if<request_finished>(&ev)) {
      p->answers[i] = *f;
      if (!f->instance_id.empty())
        p->instance_id += (p->instance_id.empty() ? "" : ",") + f->instance_id;
      --p->choices_left;
      if (p->stream) {
        if (!p->head_sent) start_stream(*p);
        auto& body = static_cast<choices_stream&>(*p->body);
        const std::string chunks = body.on_choice_finished(i, *f);
        ended = body.ended();
        write_stream(*p, chunks, ended);
      } else if (p->choices_left == 0) {
        completion_meta meta = p->meta;
        if (!p->answers.front().model.empty()) meta.model = p->answers.front().model;
        reply_json(*p, 200, completion_json(meta, p->answers, p->choices_per_prompt),
                   completion_headers(*p));
        ended = true;
      }
    } else if (auto e = std::get_if<request_failed>(&ev)) {
      auto reply = map_error(e->code, e->message, e->retry_after_s);
      reply.message = "Choice " + std::to_string(i) + " of " + std::to_string(p->parts.size()) +
                      " failed: " + reply.message;
      reply_error(*p, reply);
      for (std::size_t k = 0; k < p->parts.size(); ++k)
        if (k != i) others.push_back(p->parts[k]);
      ended = true;
    }
  }
  // Outside the lock: a gateway may answer synchronously into this.
  for (const auto& id : others) gw_.cancel(id, [](bool) {});
  if (ended) untrack(p);
}

}  // namespace camoufleet::http
