#include "http/choices_stream.hpp"

namespace camoufleet::http {

choices_stream::choices_stream(const completion_meta& meta, int n, bool include_usage,
                               int per_prompt)
    : meta_(meta),
      include_usage_(include_usage),
      per_prompt_(per_prompt > 0 ? static_cast<std::size_t>(per_prompt)
                                 : static_cast<std::size_t>(n > 0 ? n : 1)),
      left_(n > 0 ? static_cast<std::size_t>(n) : 0) {
  for (int i = 0; i < n; ++i) {
    completion_meta m = meta;
    m.choice = i;
    // Each choice's own chunks only: the usage and [DONE] are the stream's.
    choices_.emplace_back(m, false, false);
  }
}

std::string choices_stream::on_choice_delta(std::size_t choice, const request_delta& d) {
  if (ended_ || choice >= choices_.size()) return {};
  return choices_[choice].on_delta(d);
}

std::string choices_stream::on_choice_finished(std::size_t choice, const request_finished& f) {
  if (ended_ || choice >= choices_.size() || choices_[choice].ended()) return {};
  // Each prompt counted once, with its first choice (as completion_json).
  if (choice % per_prompt_ == 0) usage_.prompt_tokens += f.prompt_tokens;
  std::string out = choices_[choice].on_finished(f);
  usage_.completion_tokens += f.completion_tokens;
  usage_.reasoning_tokens += f.reasoning_tokens;
  if (--left_ > 0) return out;
  if (include_usage_) out += sse_event(usage_chunk_json(meta_, usage_));
  out += sse_done();
  ended_ = true;
  return out;
}

std::string choices_stream::on_failed(const error_reply& e) {
  if (ended_) return {};
  ended_ = true;
  return failed_stream_end(e);
}

}  // namespace camoufleet::http
