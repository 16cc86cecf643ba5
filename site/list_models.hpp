#pragma once
// Reading the page's own ListModels answer, and naming the model the page
// shows. Pure logic.

#include <string>
#include <vector>

#include "core/chat.hpp"

namespace camoufleet::site {

// Models out of a ListModels body: the first array of arrays whose entries
// start with "<prefix><id>". Throws driver_error(site_error) when none.
std::vector<core::model_info> parse_list_models(const std::string& body,
                                                const std::string& prefix);

// The id a model-name text stands for: a display name or an id of `known`,
// else the text itself without `prefix`.
std::string model_id_for(const std::string& shown, const std::vector<core::model_info>& known,
                         const std::string& prefix);

// Every text of the page (model name or stored preference) that
// model_id_for maps to `id`: the id, prefix + id, and its display name.
std::vector<std::string> texts_for_model(const std::string& id,
                                         const std::vector<core::model_info>& known,
                                         const std::string& prefix);

}  // namespace camoufleet::site
