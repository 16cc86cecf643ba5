#include <doctest/doctest.h>

#include "actors/request_queue.hpp"

using camoufleet::request_queue;
using pr = request_queue::push_result;

TEST_CASE("request_queue: FIFO with a limit") {
  request_queue q(2);
  CHECK(q.push("a", 0) == pr::ok);
  CHECK(q.push("b", 1) == pr::ok);
  CHECK(q.push("c", 2) == pr::full);
  CHECK(q.push("a", 2) == pr::duplicate);
  CHECK(q.size() == 2);
  CHECK(*q.pop() == "a");
  CHECK(q.push("c", 3) == pr::ok);
  CHECK(*q.pop() == "b");
  CHECK(*q.pop() == "c");
  CHECK_FALSE(q.pop().has_value());
}

TEST_CASE("request_queue: zero limit refuses everything") {
  request_queue q(0);
  CHECK(q.push("a", 0) == pr::full);
  CHECK(q.empty());
}

TEST_CASE("request_queue: failover entries go first and ignore the limit") {
  request_queue q(1);
  CHECK(q.push("a", 0) == pr::ok);
  CHECK(q.push_front("r", 5) == pr::ok);
  CHECK(q.size() == 2);
  CHECK(*q.pop() == "r");
  CHECK(*q.pop() == "a");
}

TEST_CASE("request_queue: cancel removes by id") {
  request_queue q(3);
  q.push("a", 0);
  q.push("b", 0);
  q.push("c", 0);
  CHECK(q.remove("b"));
  CHECK_FALSE(q.remove("b"));
  CHECK_FALSE(q.contains("b"));
  CHECK(*q.pop() == "a");
  CHECK(*q.pop() == "c");
}

TEST_CASE("request_queue: expiry by the given now") {
  request_queue q(5);
  q.push("old", 0);
  q.push("mid", 50);
  q.push("new", 100);
  CHECK(*q.next_expiry(100) == 100);
  CHECK(q.expire(99, 100).empty());
  auto gone = q.expire(150, 100);
  REQUIRE(gone.size() == 2);
  CHECK(gone[0] == "old");
  CHECK(gone[1] == "mid");
  CHECK(q.size() == 1);
  CHECK(*q.next_expiry(100) == 200);
  q.push_front("retry", 180);  // younger than the one behind it
  gone = q.expire(200, 100);
  REQUIRE(gone.size() == 1);
  CHECK(gone[0] == "new");
  CHECK(q.contains("retry"));
}

TEST_CASE("request_queue: snapshot reports waiting times in order") {
  request_queue q(5);
  q.push("a", 1000);
  q.push("b", 1500);
  auto s = q.snapshot(2000);
  REQUIRE(s.size() == 2);
  CHECK(s[0].request_id == "a");
  CHECK(s[0].waiting_ms == 1000);
  CHECK(s[1].request_id == "b");
  CHECK(s[1].waiting_ms == 500);
  CHECK(q.size() == 2);  // a snapshot does not consume
}
