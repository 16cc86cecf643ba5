#pragma once
// The wire format of the MakerSuite RPCs as docs/aistudio-site.md describes
// it: GenerateContent streams one JSON array growing chunk by chunk.

#include <string>
#include <vector>

#include "sim/answer.hpp"

namespace camoufleet::sim {

// One chunk (an element of the outer array), no separators.
std::string text_chunk(const std::string& text);
std::string thought_chunk(const std::string& text);
std::string final_chunk(int finish, int prompt_tokens, int candidates_tokens, int total_tokens);

// Every piece written for an answer, in order: "[" + first chunk, then
// "," + chunk for each next one, the last one followed by "]". Joined, they
// form the full body. One piece = one HTTP chunk on the wire.
std::vector<std::string> encode_answer(const answer& a);

// What a reader of the stream gets out of a complete body: concatenated
// text parts, concatenated reasoning parts, finish code and usage.
struct decoded_stream {
  std::string text;
  std::string reasoning;
  int finish = 0;  // 0: no finish seen
  int prompt_tokens = 0;
  int candidates_tokens = 0;
  int total_tokens = 0;
  int chunks = 0;
};
// Throws nlohmann::json::exception on malformed input.
decoded_stream decode_stream(const std::string& body);

// ListModels response body.
struct model_entry {
  std::string id;  // without "models/"
  std::string version;
  std::string display_name;
  std::string description;
  int max_output_tokens = 65536;
  bool thinking = false;
};
const std::vector<model_entry>& known_models();
const model_entry* find_model(const std::string& id_or_name);
std::string list_models_body();

std::string rate_limit_body();
std::string internal_error_body();
std::string unauthenticated_body();

}  // namespace camoufleet::sim
