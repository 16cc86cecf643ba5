// The channel's pure half: frames as JSON objects, the pending-command table
// (ids, replies, deadlines, failing all), ws:// URLs.
#include "browser/channel_framing.hpp"

#include <vector>

namespace camoufleet::browser {

using nlohmann::json;

json parse_frame_object(const std::string& text, std::string& invalid_reason) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    invalid_reason = "not JSON";
  } else if (!j.is_object()) {
    invalid_reason = "not a JSON object";
    j = json(json::value_t::discarded);
  }
  return j;
}


driver_error to_driver_error(const command_outcome& outcome) {
  return driver_error(outcome.kind, outcome.message);
}

std::int64_t pending_table::add(const std::string& method, clock::time_point deadline,
                                completion done, const std::string& session) {
  std::int64_t id = next_id_++;
  entries_.emplace(id, entry{method, deadline, std::move(done), session});
  return id;
}

bool pending_table::complete(const incoming_message& reply) {
  auto it = entries_.find(reply.id);
  if (it == entries_.end()) return false;
  entry e = std::move(it->second);
  entries_.erase(it);

  command_outcome out;
  if (reply.is_error) {
    out.ok = false;
    out.kind = failure_kind::site_error;
    out.message = e.method + ": " + reply.error_message;
  } else {
    out.ok = true;
    out.result = reply.result.is_null() ? json::object() : reply.result;
  }
  if (e.done) e.done(std::move(out));
  return true;
}

std::size_t pending_table::fail_where(const std::function<bool(const entry&)>& which, failure_kind kind,
                                      const std::string& reason) {
  std::vector<entry> failed;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (which(it->second)) {
      failed.push_back(std::move(it->second));
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& e : failed) {
    command_outcome out;
    out.kind = kind;
    out.message = e.method + ": " + reason;
    if (e.done) e.done(std::move(out));
  }
  return failed.size();
}

std::size_t pending_table::expire(clock::time_point now) {
  return fail_where([now](const entry& e) { return e.deadline <= now; }, failure_kind::timeout,
                    "no reply in time");
}

std::size_t pending_table::fail_all(const std::string& reason) {
  return fail_where([](const entry&) { return true; }, failure_kind::browser_gone, reason);
}

std::size_t pending_table::fail_session(const std::string& session, const std::string& reason) {
  return fail_where([&session](const entry& e) { return e.session == session; },
                    failure_kind::browser_gone, reason);
}

std::optional<pending_table::clock::time_point> pending_table::next_deadline() const {
  std::optional<clock::time_point> best;
  for (const auto& [id, e] : entries_) {
    if (!best || e.deadline < *best) best = e.deadline;
  }
  return best;
}

ws_url_parts parse_ws_url(const std::string& url) {
  const std::string scheme = "ws://";
  if (url.compare(0, scheme.size(), scheme) != 0) {
    throw driver_error(failure_kind::browser_gone, "not a ws:// endpoint: " + url);
  }
  std::string rest = url.substr(scheme.size());
  ws_url_parts parts;
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  parts.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (!authority.empty() && authority.front() == '[') {  // [v6]:port
    auto close = authority.find(']');
    if (close == std::string::npos) throw driver_error(failure_kind::browser_gone, "bad ws:// host: " + url);
    parts.host = authority.substr(1, close - 1);
    std::string tail = authority.substr(close + 1);
    parts.port = tail.size() > 1 && tail[0] == ':' ? tail.substr(1) : "80";
  } else {
    auto colon = authority.rfind(':');
    parts.host = authority.substr(0, colon);
    parts.port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  }
  if (parts.host.empty() || parts.port.empty() ||
      parts.port.find_first_not_of("0123456789") != std::string::npos) {
    throw driver_error(failure_kind::browser_gone, "bad ws:// endpoint: " + url);
  }
  return parts;
}


}  // namespace camoufleet::browser
