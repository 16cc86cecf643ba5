#include <doctest/doctest.h>

#include "actors/node_link.hpp"

using namespace camoufleet::node_link;
using std::chrono::milliseconds;

TEST_CASE("node link: node ids are short and plain") {
  CHECK(valid_node_id("node-a"));
  CHECK(valid_node_id("host1.example_2"));
  CHECK_FALSE(valid_node_id(""));
  CHECK_FALSE(valid_node_id("a/b"));
  CHECK_FALSE(valid_node_id("a b"));
  CHECK_FALSE(valid_node_id(std::string(65, 'x')));
}

TEST_CASE("node link: without a secret only loopback nodes join") {
  CHECK(check_hello("", "", "n1", "127.0.0.1").accepted);
  CHECK(check_hello("", "", "n1", "::ffff:127.0.0.5").accepted);
  CHECK(check_hello("", "anything", "n1", "::1").accepted);
  auto v = check_hello("", "", "n1", "10.0.0.7");
  CHECK_FALSE(v.accepted);
  CHECK(v.why.find("loopback") != std::string::npos);
}

TEST_CASE("node link: with a secret it must match, from anywhere") {
  CHECK(check_hello("s3cret", "s3cret", "n1", "10.0.0.7").accepted);
  auto wrong = check_hello("s3cret", "s3creT", "n1", "127.0.0.1");
  CHECK_FALSE(wrong.accepted);
  CHECK(wrong.why == "wrong node secret");
  CHECK(wrong.why.find("s3cre") == std::string::npos);
  CHECK_FALSE(check_hello("s3cret", "", "n1", "127.0.0.1").accepted);
  CHECK_FALSE(check_hello("s3cret", "s3cret-longer", "n1", "127.0.0.1").accepted);
  CHECK_FALSE(check_hello("s3cret", "s3cret", "bad id", "127.0.0.1").accepted);
}

TEST_CASE("node link: secrets compare whole") {
  CHECK(same_secret("", ""));
  CHECK(same_secret("abc", "abc"));
  CHECK_FALSE(same_secret("abc", "abd"));
  CHECK_FALSE(same_secret("abc", "ab"));
  CHECK_FALSE(same_secret("ab", "abc"));
}

TEST_CASE("node link: loopback addresses") {
  CHECK(is_loopback("127.0.0.1"));
  CHECK(is_loopback("localhost"));
  CHECK(is_loopback("::1"));
  CHECK_FALSE(is_loopback("192.168.1.2"));
  CHECK_FALSE(is_loopback("::ffff:10.1.1.1"));
  CHECK_FALSE(is_loopback("1270.0.0.1"));
}

TEST_CASE("node link: reconnect backoff doubles up to its cap") {
  CHECK(reconnect_delay(0) == milliseconds(0));
  CHECK(reconnect_delay(1) == milliseconds(250));
  CHECK(reconnect_delay(2) == milliseconds(500));
  CHECK(reconnect_delay(3) == milliseconds(1000));
  CHECK(reconnect_delay(5) == milliseconds(4000));
  CHECK(reconnect_delay(6) == milliseconds(5000));
  CHECK(reconnect_delay(1000) == milliseconds(5000));
  CHECK(reconnect_delay(4, milliseconds(600)) == milliseconds(600));
}

TEST_CASE("node link: member ids carry the node") {
  CHECK(member_id("n1", "instance_2") == "n1.instance_2");
  CHECK(is_member_of("n1", "n1.instance_2"));
  CHECK_FALSE(is_member_of("n1", "n10.instance_2"));
  CHECK_FALSE(is_member_of("n1", "instance_2"));
  CHECK_FALSE(is_member_of("n1", "n1."));
}
