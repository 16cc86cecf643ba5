// The CDP and WebDriver BiDi frame decoders (browser/cdp/protocol.*,
// browser/bidi/codec.*) over any text a browser could send. Invariants: they
// never throw; a decoded frame has the shape its kind promises; the BiDi
// reply path (result_or_throw) returns an object or throws bidi::error.
#include <string>

#include "browser/bidi/codec.hpp"
#include "browser/cdp/protocol.hpp"
#include "tests/fuzz/fuzz_entry.hpp"

namespace cdp = camoufleet::browser::cdp;
namespace bidi = camoufleet::bidi;

extern "C" int CAMOUFLEET_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  const auto c = cdp::decode_message(text);
  switch (c.type) {
    case cdp::incoming_message::kind::event:
      FUZZ_CHECK(!c.method.empty());
      FUZZ_CHECK(c.params.is_object());
      break;
    case cdp::incoming_message::kind::reply:
      FUZZ_CHECK(c.is_error || c.result.is_object());
      break;
    case cdp::incoming_message::kind::invalid:
      FUZZ_CHECK(!c.invalid_reason.empty());
      break;
  }

  const auto b = bidi::decode(text);
  switch (b.type) {
    case bidi::message::kind::event:
      FUZZ_CHECK(!b.method.empty());
      FUZZ_CHECK(b.params.is_object());
      break;
    case bidi::message::kind::success:
      FUZZ_CHECK(b.has_id && b.result.is_object());
      break;
    case bidi::message::kind::error:
      FUZZ_CHECK(!b.error_code.empty());
      break;
    case bidi::message::kind::invalid:
      FUZZ_CHECK(!b.invalid_reason.empty());
      break;
  }
  // The same text through the BiDi framing of the channel: a reply carries the
  // whole frame, an event its params.
  const auto via = bidi::bidi_framing().decode(text);
  if (via.type == cdp::incoming_message::kind::event) FUZZ_CHECK(via.params.is_object());
  if (via.type == cdp::incoming_message::kind::reply) FUZZ_CHECK(via.result.is_object());
  if (via.type == cdp::incoming_message::kind::invalid) FUZZ_CHECK(!via.invalid_reason.empty());

  // What the BiDi connection hands result_or_throw: the whole reply frame.
  const auto frame = nlohmann::json::parse(text, nullptr, false);
  if (!frame.is_discarded()) {
    try {
      FUZZ_CHECK(bidi::result_or_throw("fuzz.method", frame).is_object());
    } catch (const bidi::error&) {
    }
  }
  return 0;
}
