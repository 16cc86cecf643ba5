#pragma once
// Everything the simulator remembers: accounts and their counters, faults,
// pacing and the log of GenerateContent requests. No sockets here: the
// server asks this object what to do and reports what happened, so the
// decisions (auth, rate limit, faults) are unit tested without a network.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/accounts.hpp"
#include "sim/answer.hpp"
#include "sim/function_calling.hpp"
#include "sim/generate_body.hpp"

namespace camoufleet::sim {

// The page the simulator serves: which of the site's UI variants, and how
// often the 2026 variant interrupts with an A/B preference vote.
struct page_options {
  std::string ui_variant = "2025";  // one of ui_variants()
  int preference_vote_every = 0;    // after every Nth answer of a tab; 0 = never
  // Models whose page has no function-calling tool box (comma-separated
  // ids, "*" = all): FACTS section 5, "absent = model without function calling".
  std::string no_function_calling;
  // Models whose Google Search grounding / URL context switch starts on
  // (comma-separated, "*" = all; FACTS section 5: they exclude function calling).
  std::string grounding_on = "gemini-2.5-pro,gemini-3-pro-preview";
  std::string url_context_on = "gemini-3-pro-preview";
  // How long the ListModels answer takes: the page is usable before its
  // model list arrives, and shows its model (and that model's run
  // settings) only then.
  int list_models_ms = 0;
};
const std::vector<std::string>& ui_variants();

struct pacing {
  int first_token_ms = 50;
  int token_ms = 20;
  int tokens = 24;
};

// Unset fields fall through to the "*" entry.
struct fault_set {
  std::optional<int> rate_limit_after;
  std::optional<bool> login_expired;
  std::optional<bool> hang;
  std::optional<int> slow_first_token_ms;
  std::optional<bool> error;
  std::optional<int> drop_after_tokens;
};

enum class request_status { streaming, done, aborted, rate_limited, dropped, error };
const char* to_string(request_status s);

// What the server must do with one GenerateContent request.
struct admission {
  enum kind_t { stream, rate_limited, error } kind = stream;
  int id = 0;
  answer ans;
  std::vector<std::string> pieces;  // the body as written: one piece per HTTP chunk
  pacing pace;
  bool hang = false;
  int slow_first_token_ms = 0;
  int drop_after_tokens = -1;  // < 0: never
};

class sim_state {
 public:
  using clock_fn = std::function<std::int64_t()>;  // unix ms

  sim_state(int extra_accounts, pacing initial, std::vector<nlohmann::json> startup_faults = {},
            clock_fn now = {});

  // The account named by the SID cookie in a Cookie header, if it is known
  // and its login has not expired.
  std::optional<std::string> authenticate(const std::string& cookie_header) const;
  // A signed-in account was sent the chat page (a document load, as the
  // real server sees it).
  void page_loaded(const std::string& account);
  // identifier: NAME or NAME@example.com. Clears the account's login_expired.
  std::optional<account> sign_in(const std::string& identifier, const std::string& password);

  admission begin_generate(const std::string& account_name, const generate_params& p);
  void progress(int id, int tokens_sent);
  void finish(int id, request_status s);

  // Admin API. Return "" on success, else an error; *status gets the HTTP status.
  std::string apply_faults(const nlohmann::json& body, int* status);
  std::string apply_pacing(const nlohmann::json& body, int* status);
  void reset();
  nlohmann::json to_json() const;

  // Later GenerateContent requests answer with these bytes (a capture of
  // the real site), split after each chunk-list element; bodies added one
  // after another answer in turn. "" is not added (with none added,
  // answers are computed).
  void add_generate_body(const std::string& body);

  void set_page_options(page_options p);
  page_options page() const;

  pacing current_pacing() const;
  std::vector<std::string> account_names() const;

 private:
  struct account_state {
    account acct;
    int requests = 0;
    int aborts = 0;
    int active = 0;
    int page_loads = 0;  // chat page documents sent
    int rate_count = 0;  // requests since rate_limit_after was last set
  };
  struct request_record {
    int id = 0;
    std::string account;
    generate_params params;
    request_status status = request_status::streaming;
    int tokens_sent = 0;
    std::int64_t started_ms = 0;
    std::int64_t ended_ms = 0;
  };

  fault_set effective_faults(const std::string& account_name) const;  // needs mu_
  std::string apply_faults_locked(const nlohmann::json& body, int* status);
  request_record* find_request(int id);

  mutable std::mutex mu_;
  clock_fn now_;
  pacing initial_pacing_;
  pacing pacing_;
  std::vector<nlohmann::json> startup_faults_;
  std::vector<std::string> order_;  // account names in creation order
  std::map<std::string, account_state> accounts_;
  std::map<std::string, std::string> by_sid_;  // SID value -> account name
  std::map<std::string, fault_set> faults_;    // "*" or account name
  std::vector<request_record> requests_;
  // --generate-body FILE...: one body's pieces per file, answered in turn.
  std::vector<std::vector<std::string>> replay_bodies_;
  std::size_t replays_ = 0;
  page_options page_;
  int next_id_ = 1;  // never reset: a stream outliving a reset must not hit a new record
};

}  // namespace camoufleet::sim
