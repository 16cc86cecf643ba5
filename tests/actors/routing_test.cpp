#include <doctest/doctest.h>

#include "actors/routing.hpp"

using camoufleet::routing::candidate;
using camoufleet::routing::id_less;
using camoufleet::routing::pick_lru;

TEST_CASE("routing: ids compare numerically") {
  CHECK(id_less("instance_2", "instance_10"));
  CHECK_FALSE(id_less("instance_10", "instance_2"));
  CHECK(id_less("instance_1", "instance_2"));
  CHECK_FALSE(id_less("instance_3", "instance_3"));
  CHECK(id_less("a", "b"));
}

TEST_CASE("routing: nothing free gives nothing") {
  CHECK_FALSE(pick_lru({}).has_value());
  CHECK_FALSE(pick_lru({{"instance_1", false, 0, false}}).has_value());
  CHECK_FALSE(pick_lru({{"instance_1", true, 0, true}}).has_value());
}

TEST_CASE("routing: least recently used wins, ties by numeric id") {
  std::vector<candidate> c{{"instance_10", true, 0, false},
                           {"instance_2", true, 0, false},
                           {"instance_3", true, 5, false}};
  CHECK(*pick_lru(c) == "instance_2");
  c[1].last_used = 7;
  CHECK(*pick_lru(c) == "instance_10");
  c[0].excluded = true;
  CHECK(*pick_lru(c) == "instance_3");
  c[2].free = false;
  CHECK(*pick_lru(c) == "instance_2");
}

TEST_CASE("routing: 9 requests over 3 instances go round in LRU order") {
  std::vector<candidate> c{{"instance_3", true, 0, false},
                           {"instance_1", true, 0, false},
                           {"instance_2", true, 0, false}};
  std::uint64_t stamp = 0;
  std::vector<std::string> order;
  for (int i = 0; i < 9; ++i) {
    auto pick = pick_lru(c);
    REQUIRE(pick);
    order.push_back(*pick);
    for (auto& x : c)
      if (x.id == *pick) x.last_used = ++stamp;
  }
  std::vector<std::string> expected;
  for (int r = 0; r < 3; ++r)
    for (const char* id : {"instance_1", "instance_2", "instance_3"}) expected.push_back(id);
  CHECK(order == expected);
}
