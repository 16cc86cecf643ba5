#include "sim/sim_state.hpp"

#include <chrono>

#include "sim/stream_format.hpp"

namespace camoufleet::sim {

using nlohmann::json;

const char* to_string(request_status s) {
  switch (s) {
    case request_status::streaming: return "streaming";
    case request_status::done: return "done";
    case request_status::aborted: return "aborted";
    case request_status::rate_limited: return "rate_limited";
    case request_status::dropped: return "dropped";
    case request_status::error: return "error";
  }
  return "?";
}

namespace {

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json faults_to_json(const fault_set& f) {
  json j = json::object();
  if (f.rate_limit_after) j["rate_limit_after"] = *f.rate_limit_after;
  if (f.login_expired) j["login_expired"] = *f.login_expired;
  if (f.hang) j["hang"] = *f.hang;
  if (f.slow_first_token_ms) j["slow_first_token_ms"] = *f.slow_first_token_ms;
  if (f.error) j["error"] = *f.error;
  if (f.drop_after_tokens) j["drop_after_tokens"] = *f.drop_after_tokens;
  return j;
}

template <class T>
void pick(std::optional<T>& out, const std::optional<T>& specific, const std::optional<T>& global) {
  out = specific ? specific : global;
}

}  // namespace

sim_state::sim_state(int extra_accounts, pacing initial, std::vector<json> startup_faults,
                     clock_fn now)
    : now_(now ? std::move(now) : clock_fn(system_now_ms)),
      initial_pacing_(initial),
      pacing_(initial),
      startup_faults_(std::move(startup_faults)) {
  for (const auto& name : sim::account_names(extra_accounts)) {
    account_state st;
    st.acct = make_account(name);
    by_sid_[st.acct.sid()] = name;
    order_.push_back(name);
    accounts_.emplace(name, std::move(st));
  }
  for (const auto& f : startup_faults_) {
    int status = 0;
    apply_faults_locked(f, &status);
  }
}

fault_set sim_state::effective_faults(const std::string& name) const {
  fault_set g, s, out;
  if (auto it = faults_.find("*"); it != faults_.end()) g = it->second;
  if (auto it = faults_.find(name); it != faults_.end()) s = it->second;
  pick(out.rate_limit_after, s.rate_limit_after, g.rate_limit_after);
  pick(out.login_expired, s.login_expired, g.login_expired);
  pick(out.hang, s.hang, g.hang);
  pick(out.slow_first_token_ms, s.slow_first_token_ms, g.slow_first_token_ms);
  pick(out.error, s.error, g.error);
  pick(out.drop_after_tokens, s.drop_after_tokens, g.drop_after_tokens);
  return out;
}

std::optional<std::string> sim_state::authenticate(const std::string& cookie_header) const {
  auto sid = find_cookie(cookie_header, "SID");
  if (sid.empty()) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_sid_.find(sid);
  if (it == by_sid_.end()) return std::nullopt;
  if (effective_faults(it->second).login_expired.value_or(false)) return std::nullopt;
  return it->second;
}

std::optional<account> sim_state::sign_in(const std::string& identifier,
                                          const std::string& password) {
  std::string name = identifier;
  auto at = name.find('@');
  if (at != std::string::npos) {
    if (name.substr(at) != "@example.com") return std::nullopt;
    name = name.substr(0, at);
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = accounts_.find(name);
  if (it == accounts_.end() || it->second.acct.password != password) return std::nullopt;
  // Signing in again is how a lost session comes back.
  faults_[name].login_expired = false;
  return it->second.acct;
}

admission sim_state::begin_generate(const std::string& name, const generate_params& p) {
  std::lock_guard<std::mutex> lock(mu_);
  admission a;
  auto& acc = accounts_.at(name);
  auto f = effective_faults(name);
  request_record rec;
  rec.id = next_id_++;
  rec.account = name;
  rec.params = p;
  rec.started_ms = now_();
  a.id = rec.id;
  ++acc.requests;
  if (f.rate_limit_after && *f.rate_limit_after >= 0 && acc.rate_count >= *f.rate_limit_after) {
    a.kind = admission::rate_limited;
    rec.status = request_status::rate_limited;
    rec.ended_ms = rec.started_ms;
  } else if (f.error.value_or(false)) {
    ++acc.rate_count;
    a.kind = admission::error;
    rec.status = request_status::error;
    rec.ended_ms = rec.started_ms;
  } else {
    ++acc.rate_count;
    ++acc.active;
    a.kind = admission::stream;
    a.pace = pacing_;
    a.ans = compute_answer(to_answer_input(p, pacing_.tokens));
    const std::string trace = "v1_sim" + std::to_string(rec.id);
    const auto calls = find_call_phrases(p.prompt, p.tools);
    if (p.tools.empty()) {  // no native declarations: tools described in the prompt?
      const auto emulated = find_call_phrases(p.prompt, prompt_functions(p.prompt));
      if (!emulated.empty()) answer_with_text(a.ans, emulated_call_text(emulated));
    }
    a.pieces = !replay_bodies_.empty() ? replay_bodies_[replays_++ % replay_bodies_.size()]
               : calls.empty()         ? encode_answer(a.ans, trace)
                                       : encode_calls(calls, a.ans.prompt_tokens, trace);
    a.hang = f.hang.value_or(false);
    a.slow_first_token_ms = f.slow_first_token_ms.value_or(0);
    a.drop_after_tokens = f.drop_after_tokens.value_or(-1);
  }
  requests_.push_back(std::move(rec));
  return a;
}

const std::vector<std::string>& ui_variants() {
  static const std::vector<std::string> names = {"2025", "2026"};
  return names;
}

void sim_state::set_page_options(page_options p) {
  std::lock_guard<std::mutex> lock(mu_);
  page_ = std::move(p);
}

page_options sim_state::page() const {
  std::lock_guard<std::mutex> lock(mu_);
  return page_;
}

void sim_state::add_generate_body(const std::string& body) {
  if (body.empty()) return;  // no answer in it: answers are computed as before
  std::lock_guard<std::mutex> lock(mu_);
  replay_bodies_.push_back(split_body(body));
}

sim_state::request_record* sim_state::find_request(int id) {
  // Recent requests are the ones still streaming: search from the back.
  for (auto it = requests_.rbegin(); it != requests_.rend(); ++it)
    if (it->id == id) return &*it;
  return nullptr;
}

void sim_state::progress(int id, int tokens_sent) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto* r = find_request(id)) r->tokens_sent = tokens_sent;
}

void sim_state::finish(int id, request_status s) {
  std::lock_guard<std::mutex> lock(mu_);
  auto* r = find_request(id);
  if (!r || r->status != request_status::streaming) return;
  r->status = s;
  r->ended_ms = now_();
  auto it = accounts_.find(r->account);
  if (it == accounts_.end()) return;
  if (it->second.active > 0) --it->second.active;
  if (s == request_status::aborted) ++it->second.aborts;
}

std::string sim_state::apply_faults(const json& body, int* status) {
  std::lock_guard<std::mutex> lock(mu_);
  return apply_faults_locked(body, status);
}

std::string sim_state::apply_faults_locked(const json& body, int* status) {
  *status = 400;
  if (!body.is_object()) return "faults body must be a JSON object";
  std::string target = "*";
  if (body.contains("account")) {
    if (!body["account"].is_string()) return "account must be a string";
    target = body["account"].get<std::string>();
  }
  if (target != "*" && !accounts_.count(target)) {
    *status = 404;
    return "unknown account " + target;
  }
  auto get_int = [&](const char* key, std::optional<int>& out) -> std::string {
    if (!body.contains(key)) return "";
    if (body[key].is_null()) {
      out.reset();
      return "";
    }
    if (!body[key].is_number()) return std::string(key) + " must be a number";
    out = static_cast<int>(body[key].get<double>());
    return "";
  };
  auto get_bool = [&](const char* key, std::optional<bool>& out) -> std::string {
    if (!body.contains(key)) return "";
    if (body[key].is_null()) {
      out.reset();
      return "";
    }
    if (!body[key].is_boolean()) return std::string(key) + " must be a boolean";
    out = body[key].get<bool>();
    return "";
  };
  // Validate into a copy first so a bad body changes nothing.
  bool clear = body.contains("clear") && body["clear"].is_boolean() && body["clear"].get<bool>();
  fault_set f;
  if (auto it = faults_.find(target); it != faults_.end() && !clear) f = it->second;
  std::string err;
  if (!(err = get_int("rate_limit_after", f.rate_limit_after)).empty()) return err;
  if (!(err = get_bool("login_expired", f.login_expired)).empty()) return err;
  if (!(err = get_bool("hang", f.hang)).empty()) return err;
  if (!(err = get_int("slow_first_token_ms", f.slow_first_token_ms)).empty()) return err;
  if (!(err = get_bool("error", f.error)).empty()) return err;
  if (!(err = get_int("drop_after_tokens", f.drop_after_tokens)).empty()) return err;

  if (clear && target == "*") faults_.clear();
  faults_[target] = f;
  if (body.contains("rate_limit_after")) {
    for (auto& [name, st] : accounts_)
      if (target == "*" || name == target) st.rate_count = 0;
  }
  *status = 200;
  return "";
}

std::string sim_state::apply_pacing(const json& body, int* status) {
  *status = 400;
  if (!body.is_object()) return "pacing body must be a JSON object";
  std::lock_guard<std::mutex> lock(mu_);
  pacing p = pacing_;
  for (auto [key, field] : {std::pair<const char*, int*>{"first_token_ms", &p.first_token_ms},
                            {"token_ms", &p.token_ms},
                            {"tokens", &p.tokens}}) {
    if (!body.contains(key)) continue;
    if (!body[key].is_number() || body[key].get<double>() < 0)
      return std::string(key) + " must be a non-negative number";
    *field = static_cast<int>(body[key].get<double>());
  }
  if (p.tokens < 1) return "tokens must be at least 1";
  pacing_ = p;
  *status = 200;
  return "";
}

void sim_state::page_loaded(const std::string& account) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = accounts_.find(account); it != accounts_.end()) ++it->second.page_loads;
}

void sim_state::reset() {
  std::lock_guard<std::mutex> lock(mu_);
  pacing_ = initial_pacing_;
  faults_.clear();
  requests_.clear();
  for (auto& [name, st] : accounts_) {
    // A stream still running keeps its slot; its finish() finds no record.
    st.requests = 0;
    st.aborts = 0;
    st.active = 0;
    st.page_loads = 0;
    st.rate_count = 0;
  }
  for (const auto& f : startup_faults_) {
    int status = 0;
    apply_faults_locked(f, &status);
  }
}

namespace {

json files_json(const std::vector<uploaded_file>& files) {
  json out = json::array();
  for (const auto& f : files) out.push_back({{"name", f.name}, {"type", f.mime_type}, {"size", f.size}});
  return out;
}

}  // namespace

json sim_state::to_json() const {
  std::lock_guard<std::mutex> lock(mu_);
  json accounts = json::object();
  for (const auto& name : order_) {
    const auto& st = accounts_.at(name);
    accounts[name] = {{"requests", st.requests},
                      {"aborts", st.aborts},
                      {"active", st.active},
                      {"page_loads", st.page_loads}};
  }
  json reqs = json::array();
  for (const auto& r : requests_) {
    reqs.push_back({{"id", r.id},
                    {"account", r.account},
                    {"prompt", r.params.prompt},
                    {"model", r.params.model},
                    {"temperature", r.params.temperature},
                    {"top_p", r.params.top_p},
                    {"max_output_tokens", r.params.max_output_tokens},
                    {"stop", r.params.stop},
                    {"thinking", r.params.thinking},
                    {"thinking_budget", r.params.thinking_budget},
                    {"thinking_level", r.params.thinking_level},
                    {"tools", r.params.tools},
                    {"grounding", r.params.grounding},
                    {"url_context", r.params.url_context},
                    {"files", files_json(r.params.files)},
                    {"status", to_string(r.status)},
                    {"tokens_sent", r.tokens_sent},
                    {"started_ms", r.started_ms},
                    {"ended_ms", r.ended_ms}});
  }
  json faults = json::object();
  for (const auto& [k, f] : faults_) faults[k] = faults_to_json(f);
  return {{"accounts", accounts},
          {"requests", reqs},
          {"page",
           {{"ui_variant", page_.ui_variant}, {"preference_vote_every", page_.preference_vote_every}}},
          {"pacing",
           {{"first_token_ms", pacing_.first_token_ms},
            {"token_ms", pacing_.token_ms},
            {"tokens", pacing_.tokens}}},
          {"faults", faults}};
}

pacing sim_state::current_pacing() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pacing_;
}

std::vector<std::string> sim_state::account_names() const { return order_; }

}  // namespace camoufleet::sim
