// browser::cdp::connection against a real headless Chromium (/usr/bin/chromium).
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/filesystem.hpp>

#include "browser/browser_process.hpp"
#include "browser/cdp/connection.hpp"
#include "tests/browser/cdp/connection_fixture.hpp"
#include "tests/browser/scratch_dir.hpp"

using namespace camoufleet::browser;
using namespace camoufleet::browser::cdp;
using nlohmann::json;
using namespace std::chrono_literals;

using namespace conn_test;

TEST_CASE("connection: Browser.getVersion on a real Chromium") {
  browser_fixture f;
  CHECK(f.conn->is_open());
  json v = f.conn->call("Browser.getVersion");
  CHECK(v["product"].get<std::string>().find("Chrome") != std::string::npos);
  CHECK(v.contains("protocolVersion"));
}

TEST_CASE("connection: flattened target session runs Runtime.evaluate") {
  browser_fixture f;
  std::string session = f.new_page_session();
  CHECK_FALSE(session.empty());
  json r = f.conn->call("Runtime.evaluate", {{"expression", "6 * 7"}, {"returnByValue", true}}, session);
  CHECK(r["result"]["value"] == 42);
  json s = f.conn->call("Runtime.evaluate",
                        {{"expression", "Promise.resolve('async ok')"}, {"awaitPromise", true}}, session);
  CHECK(s["result"]["value"] == "async ok");
}

TEST_CASE("connection: event subscription, routing by session, RAII unsubscribe") {
  browser_fixture f;
  std::atomic<int> created_seen{0};
  std::atomic<int> phase{1};
  latch_flag first, witness_after_reset;
  auto sub = f.conn->subscribe("Target.targetCreated", [&](const json& params, const std::string&) {
    if (params["targetInfo"]["type"] == "page") {
      ++created_seen;
      first.set();
    }
  });
  auto witness = f.conn->subscribe("Target.targetCreated", [&](const json& params, const std::string&) {
    if (params["targetInfo"]["type"] == "page" && phase.load() == 2) witness_after_reset.set();
  });
  f.conn->call("Target.setDiscoverTargets", {{"discover", true}});
  f.conn->call("Target.createTarget", {{"url", "about:blank"}});
  REQUIRE(first.wait(10s));
  int before = created_seen.load();
  CHECK(before >= 1);

  sub.reset();
  CHECK_FALSE(sub.active());
  phase = 2;
  f.conn->call("Target.createTarget", {{"url", "about:blank"}});
  // The same frame feeds both handlers: once the witness saw it, the reset
  // one would have too.
  REQUIRE(witness_after_reset.wait(10s));
  CHECK(created_seen.load() == before);

  // Page events come with the session id of their flattened session.
  std::string session = f.new_page_session();
  std::string event_session;
  latch_flag loaded;
  std::mutex m;
  auto load_sub = f.conn->subscribe("Page.loadEventFired", [&](const json&, const std::string& sid) {
    std::lock_guard<std::mutex> lock(m);
    event_session = sid;
    loaded.set();
  });
  f.conn->call("Page.enable", json::object(), session);
  f.conn->call("Page.navigate", {{"url", "data:text/html,<p>hello</p>"}}, session);
  REQUIRE(loaded.wait(10s));
  std::lock_guard<std::mutex> lock(m);
  CHECK(event_session == session);
}

TEST_CASE("connection: a command that never answers times out on its deadline") {
  browser_fixture f;
  std::string session = f.new_page_session();
  auto start = std::chrono::steady_clock::now();
  try {
    f.conn->call("Runtime.evaluate", {{"expression", "new Promise(() => {})"}, {"awaitPromise", true}}, session,
                 300ms);
    FAIL("expected a timeout");
  } catch (const driver_error& e) {
    CHECK(e.kind() == failure_kind::timeout);
    CHECK(std::string(e.what()).find("Runtime.evaluate") != std::string::npos);
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed >= 300ms);
  CHECK(elapsed < 5s);
  // The connection is still fine afterwards.
  CHECK(f.conn->call("Runtime.evaluate", {{"expression", "1"}, {"returnByValue", true}}, session)["result"]["value"] == 1);
}

TEST_CASE("connection: CDP errors become site_error naming the method") {
  browser_fixture f;
  try {
    f.conn->call("Nonexistent.method");
    FAIL("expected an error");
  } catch (const driver_error& e) {
    CHECK(e.kind() == failure_kind::site_error);
    CHECK(std::string(e.what()).rfind("Nonexistent.method: ", 0) == 0);
  }
}

TEST_CASE("connection: call_async completes on the io thread, where call() is refused") {
  browser_fixture f;
  std::promise<std::pair<std::string, bool>> got;
  auto fut = got.get_future();
  auto conn = f.conn;
  f.conn->call_async("Browser.getVersion", json::object(), "", 5s,
                     [&got, conn](const json* result, const std::string& error) {
                       bool refused = false;
                       try {
                         conn->call("Browser.getVersion");
                       } catch (const std::logic_error&) {
                         refused = true;
                       }
                       got.set_value({result ? (*result)["product"].get<std::string>() : "error: " + error, refused});
                     });
  REQUIRE(fut.wait_for(10s) == std::future_status::ready);
  auto [product, refused] = fut.get();
  CHECK(product.find("Chrome") != std::string::npos);
  CHECK(refused);

  std::promise<std::string> err;
  auto err_fut = err.get_future();
  f.conn->call_async("No.such", json::object(), "", 5s, [&err](const json* result, const std::string& error) {
    err.set_value(result ? "unexpected result" : error);
  });
  REQUIRE(err_fut.wait_for(10s) == std::future_status::ready);
  CHECK(err_fut.get().rfind("No.such: ", 0) == 0);
}

TEST_CASE("connection: large replies above Beast's default limit arrive whole") {
  browser_fixture f;
  std::string session = f.new_page_session();
  json r = f.conn->call("Runtime.evaluate",
                        {{"expression", "'x'.repeat(20 * 1024 * 1024)"}, {"returnByValue", true}}, session, 30s);
  CHECK(r["result"]["value"].get<std::string>().size() == 20u * 1024u * 1024u);
}

TEST_CASE("connection: SIGKILLed browser fails pending commands, fires on_close, exit seen at once") {
  std::mutex m;
  exit_info exit;
  latch_flag exited, closed;
  browser_fixture f([&](const exit_info& info) {
    std::lock_guard<std::mutex> lock(m);
    exit = info;
    exited.set();
  });
  std::string close_reason;
  f.conn->on_close([&](const std::string& reason) {
    {
      std::lock_guard<std::mutex> lock(m);
      close_reason = reason;
    }
    closed.set();
  });
  std::string session = f.new_page_session();

  auto pending = std::async(std::launch::async, [&] {
    try {
      f.conn->call("Runtime.evaluate", {{"expression", "new Promise(() => {})"}, {"awaitPromise", true}}, session,
                   60s);
      return std::string("no error");
    } catch (const driver_error& e) {
      return std::string(to_string(e.kind())) + " " + e.what();
    }
  });
  // Give the command time to be on the wire; the outcome is the same either way.
  std::this_thread::sleep_for(200ms);
  auto killed_at = std::chrono::steady_clock::now();
  REQUIRE(::kill(f.browser->pid(), SIGKILL) == 0);

  REQUIRE(pending.wait_for(10s) == std::future_status::ready);
  std::string outcome = pending.get();
  CHECK(outcome.rfind("browser_gone Runtime.evaluate: ", 0) == 0);
  REQUIRE(closed.wait(10s));
  REQUIRE(exited.wait(10s));
  CHECK(std::chrono::steady_clock::now() - killed_at < 5s);
  {
    std::lock_guard<std::mutex> lock(m);
    CHECK(exit.signal == SIGKILL);
    CHECK(exit.text.find("signal 9") != std::string::npos);
    CHECK_FALSE(close_reason.empty());
  }
  CHECK_FALSE(f.conn->is_open());
  CHECK_FALSE(f.browser->running());

  // After the end every call fails at once, and late on_close handlers still run.
  try {
    f.conn->call("Browser.getVersion", json::object(), "", 5s);
    FAIL("expected browser_gone");
  } catch (const driver_error& e) {
    CHECK(e.kind() == failure_kind::browser_gone);
  }
  latch_flag late;
  f.conn->on_close([&](const std::string&) { late.set(); });
  CHECK(late.wait(5s));
}

TEST_CASE("connection: close() fails pending commands and does not fire on_close") {
  browser_fixture f;
  std::atomic<bool> fired{false};
  f.conn->on_close([&](const std::string&) { fired = true; });
  std::string session = f.new_page_session();
  std::promise<std::string> err;
  auto fut = err.get_future();
  f.conn->call_async("Runtime.evaluate", {{"expression", "new Promise(() => {})"}, {"awaitPromise", true}}, session,
                     60s, [&err](const json*, const std::string& error) { err.set_value(error); });
  // Round trip on the same socket: the async command was written before it.
  f.conn->call("Browser.getVersion");
  f.conn->close();
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  CHECK(fut.get().find("connection closed") != std::string::npos);
  CHECK_FALSE(f.conn->is_open());
  CHECK_FALSE(fired.load());
  CHECK(f.browser->running());  // closing the socket leaves the browser alone
}

TEST_CASE("connection: connect errors are classified (refused, silent server)") {
  io_thread io;
  // A port nobody listens on: bind one, note it, close it.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);

  SUBCASE("refused") {
    ::close(fd);
    try {
      connection::connect(io, "ws://127.0.0.1:" + std::to_string(port) + "/devtools/browser/x", 5s);
      FAIL("expected failure");
    } catch (const driver_error& e) {
      CHECK(e.kind() == failure_kind::browser_gone);
    }
  }
  SUBCASE("accepts TCP but never answers the handshake") {
    REQUIRE(::listen(fd, 4) == 0);  // the kernel completes TCP; nobody speaks HTTP
    auto start = std::chrono::steady_clock::now();
    try {
      connection::connect(io, "ws://127.0.0.1:" + std::to_string(port) + "/devtools/browser/x", 300ms);
      FAIL("expected timeout");
    } catch (const driver_error& e) {
      CHECK(e.kind() == failure_kind::timeout);
    }
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    ::close(fd);
  }
  io.stop();
}

TEST_CASE("connection: many threads calling at once each get their own reply") {
  browser_fixture f;
  std::string session = f.new_page_session();
  constexpr int threads = 4, per_thread = 50;
  std::atomic<int> right{0}, wrong{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        int want = t * 1000 + i;
        try {
          json r = f.conn->call("Runtime.evaluate", {{"expression", std::to_string(want)}, {"returnByValue", true}},
                                session, 20s);
          (r["result"]["value"] == want ? right : wrong)++;
        } catch (const std::exception&) {
          wrong++;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  CHECK(wrong.load() == 0);
  CHECK(right.load() == threads * per_thread);
}

TEST_CASE("io_thread: knows its own thread, stops idempotently") {
  io_thread io;
  CHECK_FALSE(io.in_this_thread());
  std::promise<bool> inside;
  auto fut = inside.get_future();
  boost::asio::post(io.context(), [&] { inside.set_value(io.in_this_thread()); });
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  CHECK(fut.get());
  io.stop();
  io.stop();
  CHECK(io.context().stopped());
}
