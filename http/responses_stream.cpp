#include "http/responses_stream.hpp"

#include <utility>

#include "http/sse.hpp"

namespace camoufleet::http {

namespace {

using ojson = nlohmann::ordered_json;

std::string dump(const ojson& j) {
  // Site text may carry broken UTF-8; an answer must still go out.
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

// How the answer ended, in this API's words.
struct outcome {
  const char* status;       // the response's
  const char* item_status;  // its message's
  const char* event;        // the last event
  ojson incomplete_details;
};

outcome outcome_of(std::string_view finish_reason) {
  if (finish_reason == "length")
    return {"incomplete", "incomplete", "response.incomplete",
            ojson{{"reason", "max_output_tokens"}}};
  if (finish_reason == "content_filter")
    return {"incomplete", "incomplete", "response.incomplete", ojson{{"reason", "content_filter"}}};
  return {"completed", "completed", "response.completed", nullptr};
}

ojson usage_json(const request_finished& f) {
  return {{"input_tokens", f.prompt_tokens},
          {"input_tokens_details", {{"cached_tokens", 0}}},
          {"output_tokens", f.completion_tokens},
          {"output_tokens_details", {{"reasoning_tokens", f.reasoning_tokens}}},
          {"total_tokens", f.prompt_tokens + f.completion_tokens}};
}

ojson response_object(const response_meta& m, const char* status, ojson output, ojson usage,
                      ojson error, ojson incomplete) {
  ojson j = {{"id", m.answer.id},
             {"object", "response"},
             {"created_at", m.answer.created},
             {"status", status},
             {"error", std::move(error)},
             {"incomplete_details", std::move(incomplete)},
             {"model", m.answer.model},
             {"output", std::move(output)},
             {"usage", std::move(usage)}};
  for (auto it = m.echo.begin(); it != m.echo.end(); ++it)
    if (!j.contains(it.key())) j[it.key()] = it.value();
  return j;
}

// The response as it stands before any output: its lifecycle events' object.
ojson no_output_yet(const response_meta& m, const char* status) {
  return response_object(m, status, ojson::array(), nullptr, nullptr, nullptr);
}

ojson text_part(const std::string& text) {
  return {{"type", "output_text"},
          {"annotations", ojson::array()},
          {"logprobs", ojson::array()},
          {"text", text}};
}

ojson summary_part(const std::string& text) {
  return {{"type", "summary_text"}, {"text", text}};
}

ojson reasoning_item(const std::string& id, const std::string& text) {
  ojson summary = ojson::array();
  if (!text.empty()) summary.push_back(summary_part(text));
  return {{"id", id}, {"type", "reasoning"}, {"summary", std::move(summary)}};
}

ojson message_item(const std::string& id, const char* status, const std::string* text) {
  ojson content = ojson::array();
  if (text != nullptr) content.push_back(text_part(*text));
  return {{"id", id},
          {"type", "message"},
          {"status", status},
          {"role", "assistant"},
          {"content", std::move(content)}};
}

ojson call_item(const std::string& id, const char* status, const core::tool_call& call,
                const std::string& arguments) {
  return {{"id", id},           {"type", "function_call"}, {"status", status},
          {"call_id", call.id}, {"name", call.name},       {"arguments", arguments}};
}

std::string id_suffix(const std::string& response_id) {
  constexpr std::string_view prefix = "resp_";
  return response_id.compare(0, prefix.size(), prefix) == 0 ? response_id.substr(prefix.size())
                                                            : response_id;
}

std::string call_id(const std::string& response_id, std::size_t i) {
  return item_id_for("fc", response_id) + "_" + std::to_string(i);
}

}  // namespace

std::string item_id_for(const char* kind, const std::string& response_id) {
  return std::string(kind) + "_" + id_suffix(response_id);
}

const char* response_status(const request_finished& f) {
  return outcome_of(f.finish_reason).status;
}

std::string response_status_json(const response_meta& meta, const char* status,
                                 const error_reply* error) {
  ojson err = nullptr;
  if (error != nullptr)
    err = {{"code", error->code.empty() ? error->type : error->code}, {"message", error->message}};
  return dump(response_object(meta, status, ojson::array(), nullptr, std::move(err), nullptr));
}

std::string response_json(const response_meta& meta, const request_finished& f) {
  const auto o = outcome_of(f.finish_reason);
  ojson output = ojson::array();
  if (!f.reasoning.empty())
    output.push_back(reasoning_item(item_id_for("rs", meta.answer.id), f.reasoning));
  if (!f.content.empty() || f.tool_calls.empty())
    output.push_back(message_item(item_id_for("msg", meta.answer.id), o.item_status, &f.content));
  for (std::size_t i = 0; i < f.tool_calls.size(); ++i)
    output.push_back(call_item(call_id(meta.answer.id, i), "completed", f.tool_calls[i],
                               f.tool_calls[i].arguments));
  return dump(response_object(meta, o.status, std::move(output), usage_json(f), nullptr,
                              o.incomplete_details));
}

// ---------------------------------------------------------------------------

responses_stream::responses_stream(response_meta meta) : meta_(std::move(meta)) {}

std::string responses_stream::item_id(const char* kind) const {
  return item_id_for(kind, meta_.answer.id);
}

std::string responses_stream::event(const char* type, ojson fields) {
  ojson j = {{"type", type}, {"sequence_number", sequence_++}};
  for (auto it = fields.begin(); it != fields.end(); ++it) j[it.key()] = std::move(it.value());
  return sse_named_event(type, dump(j));
}

std::string responses_stream::begin() {
  if (begun_) return {};
  begun_ = true;
  std::string out =
      queued_ ? std::string()
              : event("response.created", {{"response", no_output_yet(meta_, "in_progress")}});
  out += event("response.in_progress", {{"response", no_output_yet(meta_, "in_progress")}});
  return out;
}

std::string responses_stream::on_queued() {
  if (queued_ || begun_) return {};
  queued_ = true;
  std::string out = event("response.created", {{"response", no_output_yet(meta_, "queued")}});
  out += event("response.queued", {{"response", no_output_yet(meta_, "queued")}});
  return out;
}

std::string responses_stream::on_started() {
  return ended_ ? std::string() : begin();
}

std::string responses_stream::open_reasoning(std::string id) {
  reasoning_at_ = next_index_++;
  reasoning_open_ = true;
  reasoning_id_ = std::move(id);
  reasoning_text_.clear();
  std::string out =
      event("response.output_item.added",
            {{"output_index", reasoning_at_}, {"item", reasoning_item(reasoning_id_, "")}});
  out += event("response.reasoning_summary_part.added", {{"item_id", reasoning_id_},
                                                         {"output_index", reasoning_at_},
                                                         {"summary_index", 0},
                                                         {"part", summary_part("")}});
  return out;
}

std::string responses_stream::reasoning_delta(const std::string& text) {
  reasoning_text_ += text;
  return event("response.reasoning_summary_text.delta", {{"item_id", reasoning_id_},
                                                         {"output_index", reasoning_at_},
                                                         {"summary_index", 0},
                                                         {"delta", text}});
}

std::string responses_stream::close_reasoning() {
  if (!reasoning_open_) return {};
  reasoning_open_ = false;
  const std::string& id = reasoning_id_;
  const ojson where = {{"item_id", id}, {"output_index", reasoning_at_}, {"summary_index", 0}};
  ojson text_done = where;
  text_done["text"] = reasoning_text_;
  ojson part_done = where;
  part_done["part"] = summary_part(reasoning_text_);
  output_.push_back(reasoning_item(id, reasoning_text_));
  // One event after another: each takes the next sequence number.
  std::string out = event("response.reasoning_summary_text.done", std::move(text_done));
  out += event("response.reasoning_summary_part.done", std::move(part_done));
  out += event("response.output_item.done",
               {{"output_index", reasoning_at_}, {"item", output_.back()}});
  return out;
}

std::string responses_stream::open_message() {
  std::string out = close_reasoning();
  message_at_ = next_index_++;
  message_open_ = true;
  const std::string id = item_id("msg");
  out += event("response.output_item.added",
               {{"output_index", message_at_}, {"item", message_item(id, "in_progress", nullptr)}});
  out += event("response.content_part.added", {{"item_id", id},
                                               {"output_index", message_at_},
                                               {"content_index", 0},
                                               {"part", text_part("")}});
  return out;
}

std::string responses_stream::close_message(const char* status) {
  if (!message_open_) return {};
  message_open_ = false;
  const std::string id = item_id("msg");
  const ojson where = {{"item_id", id}, {"output_index", message_at_}, {"content_index", 0}};
  ojson text_done = where;
  text_done["text"] = sent_content_;
  text_done["logprobs"] = ojson::array();
  ojson part_done = where;
  part_done["part"] = text_part(sent_content_);
  output_.push_back(message_item(id, status, &sent_content_));
  std::string out = event("response.output_text.done", std::move(text_done));
  out += event("response.content_part.done", std::move(part_done));
  out +=
      event("response.output_item.done", {{"output_index", message_at_}, {"item", output_.back()}});
  return out;
}

std::string responses_stream::on_delta(const request_delta& d) {
  if (ended_) return {};
  std::string out = begin();
  // Thoughts come before the answer; any that come after it has begun
  // wait for the message to be done, then go out as an item of their own.
  if (!d.reasoning.empty()) {
    if (message_at_ >= 0) {
      late_reasoning_ += d.reasoning;
    } else {
      if (!reasoning_open_) out += open_reasoning(item_id("rs"));
      out += reasoning_delta(d.reasoning);
    }
    sent_reasoning_ += d.reasoning;
  }
  if (!d.content.empty()) {
    if (!message_open_) out += open_message();
    out += event("response.output_text.delta", {{"item_id", item_id("msg")},
                                                {"output_index", message_at_},
                                                {"content_index", 0},
                                                {"delta", d.content},
                                                {"logprobs", ojson::array()}});
    sent_content_ += d.content;
  }
  return out;
}

std::string responses_stream::on_finished(const request_finished& f) {
  if (ended_) return {};
  // The model the page answered with, as a reply names it.
  if (!f.model.empty()) meta_.answer.model = f.model;
  request_delta rest;
  rest.reasoning = std::string(unsent_tail(f.reasoning, sent_reasoning_));
  rest.content = std::string(unsent_tail(f.content, sent_content_));
  std::string out = on_delta(rest);
  // An answer with neither text nor calls is still an (empty) message.
  if (message_at_ < 0 && f.tool_calls.empty()) out += open_message();
  out += close_reasoning();
  const auto o = outcome_of(f.finish_reason);
  out += close_message(o.item_status);
  if (!late_reasoning_.empty()) {
    out += open_reasoning(item_id("rs") + "_late");
    out += reasoning_delta(late_reasoning_);
    out += close_reasoning();
  }
  // The page gives a call only once it is complete: each goes out whole.
  for (std::size_t i = 0; i < f.tool_calls.size(); ++i) {
    const auto& call = f.tool_calls[i];
    const int at = next_index_++;
    const std::string id = call_id(meta_.answer.id, i);
    out += event("response.output_item.added",
                 {{"output_index", at}, {"item", call_item(id, "in_progress", call, "")}});
    out += event("response.function_call_arguments.delta",
                 {{"item_id", id}, {"output_index", at}, {"delta", call.arguments}});
    out += event("response.function_call_arguments.done", {{"item_id", id},
                                                           {"output_index", at},
                                                           {"name", call.name},
                                                           {"arguments", call.arguments}});
    output_.push_back(call_item(id, "completed", call, call.arguments));
    out += event("response.output_item.done", {{"output_index", at}, {"item", output_.back()}});
  }
  const ojson object =
      response_object(meta_, o.status, output_, usage_json(f), nullptr, o.incomplete_details);
  answered_ = dump(object);
  out += event(o.event, {{"response", object}});
  ended_ = true;
  return out;
}

std::string responses_stream::on_failed(const error_reply& e) {
  if (ended_) return {};
  ended_ = true;
  // A queued background response that fails never started.
  std::string out = queued_ ? std::string() : begin();
  const ojson code = e.code.empty() ? ojson(e.type) : ojson(e.code);
  out += event("error", {{"code", code},
                         {"message", e.message},
                         {"param", e.param.empty() ? ojson(nullptr) : ojson(e.param)}});
  out += event(
      "response.failed",
      {{"response", response_object(meta_, "failed", output_, nullptr,
                                    ojson{{"code", code}, {"message", e.message}}, nullptr)}});
  return out;
}

}  // namespace camoufleet::http
