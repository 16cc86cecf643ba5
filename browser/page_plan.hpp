#pragma once
// What every browser::session loads from disk before a browser exists (so
// that a bad file fails without starting one): the site file and the auth
// profile, as the chat page's setup. Built in camoufleet_cdp (which links site/).

#include "browser/session.hpp"
#include "site/chat_page.hpp"
#include "site/site_profile.hpp"

namespace camoufleet::browser {

struct page_plan {
  site::site_profile site;
  site::page_setup setup;
};

// Throws driver_error(invalid_profile) for a broken auth file, and what
// load_site_profile throws for a broken site file.
page_plan load_page_plan(const session_options& options);

}  // namespace camoufleet::browser
