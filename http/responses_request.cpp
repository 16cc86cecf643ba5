#include "http/responses_request.hpp"

#include <utility>
#include <vector>

#include "http/request_parts.hpp"

namespace camoufleet::http {

namespace {

using json = nlohmann::json;

// The chat request being written, and where each of its messages came from
// (so that a refusal of messages[i] names the input item instead).
struct chat_draft {
  json doc = json::object();
  std::vector<std::string> origin;  // per chat message: "instructions", "input", "input[3]"

  void add(json message, std::string from) {
    doc["messages"].push_back(std::move(message));
    origin.push_back(std::move(from));
  }
};

request_error not_stored(const std::string& field) {
  return bad_field("'" + field +
                       "' is not supported: camoufleet keeps no conversations. Send the whole "
                       "conversation in 'input', or continue one with 'previous_response_id'.",
                   field);
}

request_error unknown(const std::string& what, const std::string& id, const std::string& field) {
  return bad_field(what + " with id '" + id +
                       "' not found: camoufleet remembers answers in memory only "
                       "(--responses-store-mb, oldest forgotten first, none across restarts). "
                       "Send the whole conversation in 'input'.",
                   field);
}

// A content part of the Responses shape as the chat shape's part.
std::optional<request_error> chat_part(const json& part, const std::string& where, json& out) {
  if (!part.is_object()) return wrong_type(where, "an object", part);
  const auto type = part.find("type");
  if (type == part.end() || !type->is_string())
    return bad_field("Missing required parameter: '" + where + ".type'.", where + ".type");
  const std::string t = type->get<std::string>();
  const auto text_of = [&](const char* key) -> std::optional<request_error> {
    const auto it = part.find(key);
    if (it == part.end() || !it->is_string())
      return bad_field("Missing required parameter: '" + where + "." + key + "'.",
                       where + "." + key);
    out = {{"type", "text"}, {"text", *it}};
    return std::nullopt;
  };
  if (t == "input_text" || t == "output_text" || t == "text") return text_of("text");
  if (t == "refusal") return text_of("refusal");
  if (t == "input_image") {
    if (part.contains("file_id"))
      return bad_field("'" + where +
                           ".file_id' is not supported: there is no Files API here. Send the "
                           "image as a data: URL in 'image_url'.",
                       where + ".file_id");
    const auto url = part.find("image_url");
    if (url == part.end() || url->is_null())
      return bad_field("Missing required parameter: '" + where + ".image_url'.",
                       where + ".image_url");
    if (!url->is_string()) return wrong_type(where + ".image_url", "a string", *url);
    out = {{"type", "image_url"}, {"image_url", {{"url", *url}}}};
    return std::nullopt;
  }
  if (t == "input_file") {
    for (const char* unsupported : {"file_id", "file_url"})
      if (part.contains(unsupported))
        return bad_field("'" + where + "." + unsupported +
                             "' is not supported: send the file's bytes as a data: URL in "
                             "'file_data'.",
                         where + "." + unsupported);
    json file = json::object();
    for (const char* key : {"file_data", "filename"})
      if (part.contains(key)) file[key] = part[key];
    out = {{"type", "file"}, {"file", std::move(file)}};
    return std::nullopt;
  }
  if (t == "input_audio") {
    out = part;
    return std::nullopt;
  }
  return bad_field("Invalid value for '" + where + ".type': '" + t +
                       "'. Supported values are: 'input_text', 'input_image', 'input_file', "
                       "'input_audio' and, in assistant turns, 'output_text' and 'refusal'.",
                   where + ".type");
}

// A string stays a string; an array of parts becomes chat parts.
std::optional<request_error> chat_content(const json& content, const std::string& where,
                                          json& out) {
  if (content.is_string() || content.is_null()) {
    out = content;
    return std::nullopt;
  }
  if (!content.is_array()) return wrong_type(where, "a string or an array", content);
  out = json::array();
  for (std::size_t i = 0; i < content.size(); ++i) {
    json part;
    if (auto e = chat_part(content[i], where + "[" + std::to_string(i) + "]", part)) return e;
    out.push_back(std::move(part));
  }
  return std::nullopt;
}

std::optional<request_error> add_item(const json& item, const std::string& where,
                                      chat_draft& draft) {
  if (!item.is_object()) return wrong_type(where, "an object", item);
  std::string type = "message";
  if (const auto t = item.find("type"); t != item.end() && !t->is_null()) {
    if (!t->is_string()) return wrong_type(where + ".type", "a string", *t);
    type = t->get<std::string>();
  }
  if (type == "message") {
    json message = {{"role", item.contains("role") ? item["role"] : json()}};
    if (const auto c = item.find("content"); c != item.end()) {
      if (auto e = chat_content(*c, where + ".content", message["content"])) return e;
    }
    draft.add(std::move(message), where);
    return std::nullopt;
  }
  if (type == "function_call") {
    std::string call_id, name;
    if (auto e = read_string_field(item, "call_id", where, call_id)) return e;
    if (auto e = read_string_field(item, "name", where, name)) return e;
    json arguments = item.contains("arguments") ? item["arguments"] : json("{}");
    json call = {{"id", call_id},
                 {"type", "function"},
                 {"function", {{"name", name}, {"arguments", arguments}}}};
    // Calls that follow an assistant turn belong to it (parallel calls
    // arrive as one item each).
    auto& messages = draft.doc["messages"];
    if (!messages.empty() && messages.back().value("role", json()) == "assistant") {
      messages.back()["tool_calls"].push_back(std::move(call));
    } else {
      draft.add({{"role", "assistant"}, {"content", nullptr}, {"tool_calls", {call}}}, where);
    }
    return std::nullopt;
  }
  if (type == "function_call_output") {
    std::string call_id;
    if (auto e = read_string_field(item, "call_id", where, call_id)) return e;
    json message = {{"role", "tool"}, {"tool_call_id", call_id}};
    const auto output = item.find("output");
    if (output == item.end())
      return bad_field("Missing required parameter: '" + where + ".output'.", where + ".output");
    if (auto e = chat_content(*output, where + ".output", message["content"])) return e;
    draft.add(std::move(message), where);
    return std::nullopt;
  }
  // The model's own reasoning from an earlier answer: the page cannot be
  // given it back, and the answer does not depend on it.
  if (type == "reasoning") return std::nullopt;
  return bad_field("Invalid value for '" + where + ".type': '" + type +
                       "'. Supported values are: 'message', 'function_call', "
                       "'function_call_output' and 'reasoning'.",
                   where + ".type");
}

// instructions, the conversation of previous_response_id, then `input`
// (its item references resolved into `own`: what is remembered of it).
std::optional<request_error> add_input(const json& doc, const response_store* memory,
                                       chat_draft& draft, std::string& previous, json& own) {
  draft.doc["messages"] = json::array();
  if (const auto it = doc.find("instructions"); it != doc.end() && !it->is_null()) {
    if (!it->is_string()) return wrong_type("instructions", "a string", *it);
    draft.add({{"role", "system"}, {"content", *it}}, "instructions");
  }
  if (const auto it = doc.find("previous_response_id"); it != doc.end() && !it->is_null()) {
    if (!it->is_string()) return wrong_type("previous_response_id", "a string", *it);
    previous = it->get<std::string>();
    if (const auto status = memory ? memory->status(previous) : std::nullopt;
        status && (*status == "queued" || *status == "in_progress" || *status == "failed" ||
                   *status == "cancelled"))
      return bad_field("Previous response with id '" + previous +
                           "' has no answer to continue "
                           "from: its status is '" +
                           *status + "'" +
                           (*status == "queued" || *status == "in_progress"
                                ? "; continue from it once it has completed."
                                : "."),
                       "previous_response_id");
    const auto earlier = memory ? memory->conversation(previous) : std::nullopt;
    if (!earlier) return unknown("Previous response", previous, "previous_response_id");
    for (const auto& item : *earlier)
      if (auto e = add_item(item, "previous_response_id", draft)) return e;
  }
  const auto input = doc.find("input");
  if (input == doc.end() || input->is_null())
    return bad_field("Missing required parameter: 'input'.", "input");
  if (input->is_string()) {
    own.push_back({{"type", "message"}, {"role", "user"}, {"content", *input}});
    draft.add({{"role", "user"}, {"content", *input}}, "input");
    return std::nullopt;
  }
  if (!input->is_array()) return wrong_type("input", "a string or an array", *input);
  if (input->empty())
    return bad_field("Invalid 'input': empty array. Expected an array with minimum length 1.",
                     "input");
  for (std::size_t i = 0; i < input->size(); ++i) {
    const std::string where = "input[" + std::to_string(i) + "]";
    json item = (*input)[i];
    if (item.is_object() && item.value("type", json()) == "item_reference") {
      std::string id;
      if (auto e = read_string_field(item, "id", where, id)) return e;
      auto found = memory ? memory->item(id) : std::nullopt;
      if (!found) return unknown("Item", id, where + ".id");
      item = std::move(*found);
    }
    if (auto e = add_item(item, where, draft)) return e;
    own.push_back(std::move(item));
  }
  return std::nullopt;
}

// Function tools lose their "function" wrapper in this API; web search is
// the page's grounding switch; other hosted tools (file search, computer
// use, ...) have no place on the page.
std::optional<request_error> add_tools(const json& doc, chat_draft& draft) {
  if (const auto it = doc.find("tools"); it != doc.end() && !it->is_null()) {
    if (!it->is_array()) return wrong_type("tools", "an array", *it);
    json tools = json::array();
    for (std::size_t i = 0; i < it->size(); ++i) {
      const auto& tool = (*it)[i];
      const std::string where = "tools[" + std::to_string(i) + "]";
      if (!tool.is_object()) return wrong_type(where, "an object", tool);
      const std::string type = tool.value("type", json("function")).is_string()
                                   ? tool.value("type", std::string("function"))
                                   : std::string();
      // Web search is the page's Google Search grounding.
      if (type == "web_search" || type.rfind("web_search_", 0) == 0) {  // _preview, dated
        draft.doc["web_search_options"] = json::object();
        continue;
      }
      if (type != "function")
        return bad_field("Invalid value for '" + where + ".type': '" + type +
                             "'. Supported are function tools and web_search (the page's Google "
                             "Search grounding); the page cannot run OpenAI's other hosted "
                             "tools.",
                         where + ".type");
      json function = tool;
      function.erase("type");
      tools.push_back({{"type", "function"}, {"function", std::move(function)}});
    }
    draft.doc["tools"] = std::move(tools);
  }
  if (const auto it = doc.find("tool_choice"); it != doc.end() && !it->is_null()) {
    if (it->is_object() && it->value("type", json()) == "function") {
      draft.doc["tool_choice"] = {{"type", "function"},
                                  {"function", {{"name", it->value("name", json())}}}};
    } else if (it->is_object()) {
      return bad_field(
          "Invalid value for 'tool_choice': only 'none', 'auto', 'required' or "
          "{\"type\": \"function\", \"name\": ...} are supported.",
          "tool_choice");
    } else {
      draft.doc["tool_choice"] = *it;
    }
  }
  return std::nullopt;
}

// text.format -> response_format; reasoning.effort -> reasoning_effort.
std::optional<request_error> add_settings(const json& doc, chat_draft& draft) {
  for (const char* key : {"model", "stream", "temperature", "top_p", "max_output_tokens"})
    if (const auto it = doc.find(key); it != doc.end()) draft.doc[key] = *it;
  if (const auto it = doc.find("text"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) return wrong_type("text", "an object", *it);
    if (const auto f = it->find("format"); f != it->end() && !f->is_null()) {
      if (!f->is_object()) return wrong_type("text.format", "an object", *f);
      json format = {{"type", f->value("type", json())}};
      if (format["type"] == "json_schema") {
        json schema = *f;
        schema.erase("type");
        format["json_schema"] = std::move(schema);
      }
      draft.doc["response_format"] = std::move(format);
    }
  }
  if (const auto it = doc.find("reasoning"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) return wrong_type("reasoning", "an object", *it);
    if (const auto e = it->find("effort"); e != it->end()) draft.doc["reasoning_effort"] = *e;
  }
  for (const char* key : {"conversation", "prompt"})
    if (const auto it = doc.find(key); it != doc.end() && !it->is_null()) return not_stored(key);
  if (const auto it = doc.find("background"); it != doc.end() && !it->is_null()) {
    if (!it->is_boolean()) return wrong_type("background", "a boolean", *it);
    if (it->get<bool>() && doc.value("store", json(true)) == json(false))
      return bad_field(
          "'background' needs 'store': a background response is read back by "
          "GET /v1/responses/{id}, so it has to be stored.",
          "store");
  }
  return std::nullopt;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

// The chat reader names chat fields; the caller sent Responses fields.
void rename_fields(request_error& e, const chat_draft& draft) {
  std::vector<std::pair<std::string, std::string>> names;
  // Longest first, so that messages[1] does not rewrite messages[10].
  for (std::size_t i = draft.origin.size(); i-- > 0;)
    names.emplace_back("messages[" + std::to_string(i) + "]", draft.origin[i]);
  names.emplace_back("messages", "input");
  names.emplace_back("'web_search_options' cannot be combined",
                     "A web_search tool cannot be combined");
  names.emplace_back("web_search_options", "tools");
  names.emplace_back("response_format.json_schema.", "text.format.");
  names.emplace_back("response_format.json_schema", "text.format");
  names.emplace_back("response_format", "text.format");
  names.emplace_back("reasoning_effort", "reasoning.effort");
  names.emplace_back("tool_choice.function.", "tool_choice.");
  names.emplace_back("].function.", "].");
  names.emplace_back("'function.parameters", "'parameters");  // a schema key's path
  for (const auto& [from, to] : names) {
    replace_all(e.param, from, to);
    replace_all(e.message, from, to);
  }
}

}  // namespace

responses_parse_result parse_responses_request(std::string_view body, bool fetch_image_urls,
                                               const response_store* memory) {
  responses_parse_result r;
  const auto refuse = [&](request_error e) {
    r.chat.ok = false;
    r.chat.error = std::move(e);
    return r;
  };
  json doc;
  if (auto e = read_json_body(body, doc)) return refuse(*e);
  chat_draft draft;
  if (auto e = add_input(doc, memory, draft, r.previous_response_id, r.input_items))
    return refuse(*e);
  if (const auto it = doc.find("store"); it != doc.end() && it->is_boolean())
    r.store = it->get<bool>();
  if (auto e = add_tools(doc, draft)) return refuse(*e);
  if (auto e = add_settings(doc, draft)) return refuse(*e);
  r.chat = parse_chat_document(draft.doc, fetch_image_urls);
  if (!r.chat.ok) {
    rename_fields(r.chat.error, draft);
    return r;
  }
  r.chat.message_names = std::move(draft.origin);
  if (const auto it = doc.find("background"); it != doc.end() && it->is_boolean())
    r.background = it->get<bool>();
  r.echo = responses_echo(doc);
  return r;
}

}  // namespace camoufleet::http
