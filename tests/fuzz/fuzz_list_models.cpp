// The ListModels parser (site/list_models.*) over any bytes. Invariants: it
// returns models or throws driver_error(site_error), nothing else; every
// model it returns has an id and a display name, and no id twice.
#include <set>
#include <string>

#include "core/chat.hpp"
#include "site/list_models.hpp"
#include "tests/fuzz/fuzz_entry.hpp"

extern "C" int CAMOUFLEET_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  try {
    const auto models = camoufleet::site::parse_list_models(body, "models/");
    std::set<std::string> ids;
    for (const auto& m : models) {
      FUZZ_CHECK(!m.id.empty());
      FUZZ_CHECK(!m.display_name.empty());
      FUZZ_CHECK(ids.insert(m.id).second);
    }
  } catch (const camoufleet::core::driver_error& e) {
    FUZZ_CHECK(e.kind() == camoufleet::core::failure_kind::site_error);
  }
  return 0;
}
