#pragma once
// Choosing a DevTools port: the first one at or above a base that nothing
// listens on right now. Another process can still take it before the browser
// binds it; browser_process retries with the next port when that happens.

namespace camoufleet::browser {

// True when a TCP socket can bind 127.0.0.1:port at this moment.
bool port_is_free(int port);

// First free port in [base, base + attempts), skipping busy ones; 0 when none.
int find_free_port(int base, int attempts = 200);

}  // namespace camoufleet::browser
