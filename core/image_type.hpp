#pragma once
// The image types the page takes, told by their first bytes. Plain: no I/O.

#include <string>
#include <string_view>

namespace camoufleet::core {

// "image/png" | "image/jpeg" | "image/webp" | "image/gif", or "" for bytes
// that are none of them.
std::string sniff_image_type(std::string_view bytes);

}  // namespace camoufleet::core
