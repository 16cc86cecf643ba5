// Every field of every message crosses the wire: each inspect() in
// actors/messages.hpp must visit all of its type's fields. A field added to
// a struct and not to its inspect() compiles, runs in one process, and is
// silently lost on a remote node (it happened: generation_params'
// response_format, response_schema and web_search, attachment's filename).
// So each type's fields are counted two ways, without naming them:
//  - an aggregate's field count is the most values brace-initialization
//    takes; it must equal what inspect() visits;
//  - the visited fields' bytes must cover the object but for padding (no
//    gap a field could sit in), which also holds for the one type with a
//    constructor (chat_message).
#include <doctest/doctest.h>

#include <algorithm>
#include <caf/meta/annotation.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "actors/messages.hpp"

using namespace camoufleet;

namespace {

// Converts to any field's type (by reference, so that class types with
// templated constructors are not ambiguous).
struct any_field {
  template <class T>
  operator T&() const;
  template <class T>
  operator T&&() const;
};

template <class T, class... A>
constexpr auto braces(int) -> decltype(T{std::declval<A>()...}, true) {
  return true;
}
template <class T, class... A>
constexpr bool braces(...) {
  return false;
}

template <class T, class... A>
constexpr std::size_t field_count() {
  if constexpr (sizeof...(A) > 64) {
    return 0;  // not countable this way
  } else if constexpr (braces<T, A..., any_field>(0)) {
    return field_count<T, A..., any_field>();
  } else {
    return sizeof...(A);
  }
}

// An inspector that only notes where each visited field lies.
struct field_spans {
  using result_type = void;
  static constexpr bool reads_state = true;
  static constexpr bool writes_state = false;
  const void* base = nullptr;
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // offset, size

  template <class... Ts>
  void operator()(Ts&&... xs) {
    (note(xs), ...);
  }
  template <class T>
  void note(const T& x) {
    if constexpr (!caf::meta::is_annotation<T>::value) {
      const auto at = reinterpret_cast<std::uintptr_t>(&x) - reinterpret_cast<std::uintptr_t>(base);
      spans.emplace_back(static_cast<std::size_t>(at), sizeof(T));
    }
  }
};

template <class T>
void check_every_field_visited(const std::string& name) {
  CAPTURE(name);
  T x{};
  field_spans f;
  f.base = &x;
  inspect(f, x);
  REQUIRE_FALSE(f.spans.empty());
  if constexpr (std::is_aggregate_v<T>) {
    CHECK_MESSAGE(f.spans.size() == field_count<T>(),
                  name << " has " << field_count<T>() << " fields and inspect() visits "
                       << f.spans.size() << ": add the new field to inspect() in "
                       << "actors/messages.hpp (and to messages_test.cpp's round trip)");
  }
  auto spans = f.spans;
  std::sort(spans.begin(), spans.end());
  std::size_t end = 0;
  for (const auto& [at, size] : spans) {
    CHECK_MESSAGE(at >= end, name << ": a field visited twice, or overlapping");
    // Padding is shorter than the alignment of what follows (at most 8 here);
    // a gap as long as a pointer holds a field inspect() skips.
    CHECK_MESSAGE(at - std::min(at, end) < alignof(std::max_align_t) / 2,
                  name << ": bytes " << end << ".." << at
                       << " are visited by no inspect() field: a field is missing");
    end = at + size;
  }
  CHECK_MESSAGE(sizeof(T) - end < alignof(T),
                name << ": the last " << sizeof(T) - end
                     << " bytes are visited by no inspect() field: a field is missing");
}

}  // namespace

#define CHECK_VISITED(T) check_every_field_visited<T>(#T)

TEST_CASE("messages: every inspect() visits every field of its type") {
  CHECK_VISITED(completion_request);
  CHECK_VISITED(request_assigned);
  CHECK_VISITED(request_delta);
  CHECK_VISITED(request_finished);
  CHECK_VISITED(request_failed);
  CHECK_VISITED(instance_view);
  CHECK_VISITED(queue_entry);
  CHECK_VISITED(spare_view);
  CHECK_VISITED(fleet_view);
  CHECK_VISITED(screenshot_reply);
  CHECK_VISITED(run_job);
  CHECK_VISITED(job_outcome);
  CHECK_VISITED(instance_update);
  CHECK_VISITED(instance_models);
  CHECK_VISITED(first_delta);
  CHECK_VISITED(node_member);
  CHECK_VISITED(node_hello);
  CHECK_VISITED(session_started);
  CHECK_VISITED(session_failed);
  CHECK_VISITED(generation_done);
  CHECK_VISITED(generation_failed);
  CHECK_VISITED(ping_done);
  CHECK_VISITED(page_reloaded);
  CHECK_VISITED(core::tool_call);
  CHECK_VISITED(core::attachment);
  CHECK_VISITED(core::chat_message);
  CHECK_VISITED(core::generation_params);
  CHECK_VISITED(core::delta);
  CHECK_VISITED(core::generation_result);
  CHECK_VISITED(core::model_info);
}

TEST_CASE("messages: the field counter itself sees a field that inspect() would skip") {
  struct three {
    std::string a;
    bool b = false;
    std::vector<int> c;
  };
  struct two_ints {
    int a = 0;
    double b = 0;
  };
  CHECK(field_count<three>() == 3);
  CHECK(field_count<two_ints>() == 2);
  CHECK(field_count<core::generation_params>() == 14);
}
