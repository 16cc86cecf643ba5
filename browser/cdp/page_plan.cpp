#include "browser/page_plan.hpp"

#include <spdlog/spdlog.h>

#include "browser/storage_state.hpp"

namespace camoufleet::browser {

page_plan load_page_plan(const session_options& options) {
  page_plan plan{site::load_site_profile(options.site_file), {}};
  plan.setup.instance_id = options.instance_id;
  plan.setup.site_url = options.site_url;
  plan.setup.page_hook = options.page_hook;
  if (!options.auth_file.empty()) {
    auto loaded = load_storage_state(options.auth_file);
    if (loaded.too_open)
      spdlog::warn("instance={} auth profile {} is readable by group/others; chmod 600 it",
                   options.instance_id, options.auth_file);
    plan.setup.auth = std::move(loaded.state);
  }
  return plan;
}

}  // namespace camoufleet::browser
