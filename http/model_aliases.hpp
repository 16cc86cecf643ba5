#pragma once
// Other names clients may ask for a site model by (--model-alias
// gpt-4o=gemini-2.5-pro): some clients offer only OpenAI's model names.
// A request's model is looked up here before it goes to the fleet, and
// /v1/models lists each alias beside the model it stands for. Pure; built
// once at start, read-only after (safe to share between threads).

#include <string>
#include <utility>
#include <vector>

#include "core/chat.hpp"

namespace camoufleet::http {

class model_aliases {
 public:
  model_aliases() = default;
  // (name, model) pairs, names unique (config/ checks them).
  explicit model_aliases(std::vector<std::pair<std::string, std::string>> pairs);

  // The model `name` stands for; nullptr when it is no alias.
  const std::string* target(const std::string& name) const;
  // The fleet's models and, after each model, the aliases that stand for
  // it (display name "<the model's> (as <alias>)"); an alias of a model
  // the fleet does not have is not listed.
  std::vector<core::model_info> listed(const std::vector<core::model_info>& models) const;
  bool empty() const { return pairs_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

}  // namespace camoufleet::http
