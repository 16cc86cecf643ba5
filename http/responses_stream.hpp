#pragma once
// Answers in the shape of OpenAI's Responses API: the response object of a
// finished answer, and the named SSE events of a streamed one. Pure, so the
// event order is unit tested without sockets:
//   response.created, (response.queued, for a background response,)
//   response.in_progress; per output item
//   response.output_item.added, its part / text events, response.output_item.done
//   (a reasoning item with the thoughts as summary text, then the message,
//   a second reasoning item with thoughts that came after the message
//   began, then one function_call item per call); response.completed (or
//   response.incomplete when the answer was cut off). A failure after the
//   start is an `error` event, then response.failed. No `data: [DONE]`:
//   this API does not send one.

#include <nlohmann/json.hpp>
#include <string>

#include "actors/types.hpp"
#include "http/completion_stream.hpp"
#include "http/errors.hpp"

namespace camoufleet::http {

struct response_meta {
  // The same id, time and model a chat answer has; the id is "resp_...",
  // also the request id (X-Request-Id, cancel).
  completion_meta answer;
  // The request's settings the response object repeats
  // (responses_parse_result::echo).
  nlohmann::json echo = nlohmann::json::object();
};

// An item's id: its kind ("rs", "msg", "fc", ...) and the response's own
// random part — the same in a reply, a stream and the input items.
std::string item_id_for(const char* kind, const std::string& response_id);

// The status a finished answer gives its response: "completed", or
// "incomplete" when it was cut off (max tokens, content filter).
const char* response_status(const request_finished& f);

// The response object of a finished answer (a non-stream reply).
std::string response_json(const response_meta& meta, const request_finished& f);

// A response with no answer in it: a background response still "queued"
// or "in_progress", or one "cancelled" or "failed" (error: why; its code
// and message become the object's `error`). No output, usage null.
std::string response_status_json(const response_meta& meta, const char* status,
                                 const error_reply* error = nullptr);

class responses_stream : public answer_stream {
 public:
  explicit responses_stream(response_meta meta);

  // A background response (`background` with `stream`): response.created
  // and response.queued, both "queued", before a page has it; then
  // on_started, response.in_progress, once one has. Without them the first
  // delta sends response.created and response.in_progress together.
  std::string on_queued();
  std::string on_started();

  std::string on_delta(const request_delta& d) override;
  std::string on_finished(const request_finished& f) override;
  std::string on_failed(const error_reply& e) override;
  std::string answered_object() const override { return answered_; }

 private:
  std::string event(const char* type, nlohmann::ordered_json fields);
  std::string begin();
  std::string open_reasoning(std::string id);
  std::string reasoning_delta(const std::string& text);
  std::string close_reasoning();
  std::string open_message();
  std::string close_message(const char* status);
  std::string item_id(const char* prefix) const;

  response_meta meta_;
  int sequence_ = 0;
  bool begun_ = false;
  bool queued_ = false;
  bool ended_ = false;
  int next_index_ = 0;     // output_index of the next item
  int reasoning_at_ = -1;  // output_index of the open reasoning item
  bool reasoning_open_ = false;
  std::string reasoning_id_;
  std::string reasoning_text_;  // the open reasoning item's
  // Thoughts after the message began: their own item once it is done.
  std::string late_reasoning_;
  int message_at_ = -1;
  bool message_open_ = false;
  std::string sent_content_;
  std::string sent_reasoning_;  // every thought passed on, late ones too
  nlohmann::ordered_json output_ = nlohmann::ordered_json::array();  // items done
  std::string answered_;
};

}  // namespace camoufleet::http
