#include "app/login.hpp"

#include <iostream>

namespace camoufleet::app {

int run_login(const config::settings&, const std::string&) {
  std::cerr << "error: login: not implemented yet\n";
  return 2;
}

}  // namespace camoufleet::app
