#pragma once
// The body of one streamed chat completion with `n` choices: each choice is
// a page of its own, answering side by side (http/choices.cpp), and its
// chunks go out as they come, tagged with the choice's index — the role
// chunk, deltas, calls and finish chunk of each choice as a one-choice
// stream sends them (completion_stream), interleaved. Once every choice
// has finished: one usage chunk (stream_options.include_usage; each prompt
// counted once, every choice's answer) and data: [DONE]. A failure ends
// the whole stream (an error event, then [DONE]). Pure.

#include <cstddef>
#include <string>
#include <vector>

#include "http/completion_stream.hpp"

namespace camoufleet::http {

class choices_stream : public answer_stream {
 public:
  // per_prompt: choices in a row that answer one prompt (several prompts on
  // /v1/completions); 0 = all n answer the one prompt.
  choices_stream(const completion_meta& meta, int n, bool include_usage, int per_prompt = 0);

  std::string on_choice_delta(std::size_t choice, const request_delta& d);
  // The last choice to finish also ends the stream.
  std::string on_choice_finished(std::size_t choice, const request_finished& f);
  std::string on_failed(const error_reply& e) override;
  bool ended() const { return ended_; }

  // As answer_stream: one answer is choice 0's.
  std::string on_delta(const request_delta& d) override { return on_choice_delta(0, d); }
  std::string on_finished(const request_finished& f) override { return on_choice_finished(0, f); }

 private:
  completion_meta meta_;
  bool include_usage_;
  std::vector<completion_stream> choices_;
  std::size_t per_prompt_;
  std::size_t left_;  // choices not finished yet
  token_usage usage_;
  bool ended_ = false;
};

}  // namespace camoufleet::http
