#include "span_generator.h"

#include <random>
#include <string>

#include "common/json_writer.h"

namespace sluice::bench {
namespace {

constexpr const char* kWords[] = {
    "the", "customer", "asked", "about", "refund", "policy", "for", "order", "shipping",
    "delayed", "please", "summarize", "document", "model", "answer", "context", "retrieval",
    "latency", "token", "budget", "translate", "french", "german", "invoice", "account"};

std::string Sentence(std::mt19937_64& rng, int words) {
  std::string s;
  for (int k = 0; k < words; ++k) {
    if (k > 0) s += ' ';
    s += kWords[rng() % std::size(kWords)];
  }
  return s;
}

std::string Hex(std::mt19937_64& rng, int digits) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (int k = 0; k < digits; ++k) s += d[rng() % 16];
  return s;
}

}  // namespace

std::vector<model::Event> GenerateSpans(int64_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<model::Event> out(count);
  std::string root;
  for (int64_t k = 0; k < count; ++k) {
    model::Event& e = out[k];
    e.id = Hex(rng, 8) + "-" + Hex(rng, 4) + "-4" + Hex(rng, 3) + "-a" + Hex(rng, 3) + "-" +
           Hex(rng, 12);
    e.span_id = Hex(rng, 32);
    if (k % 5 == 0) root = e.span_id;
    e.root_span_id = root;
    e.is_root = k % 5 == 0;
    if (!e.is_root) e.span_parents = {root};
    e.created = 1764300000000000 + k * 1500 + static_cast<int64_t>(rng() % 1000);
    e.org_id = "8b9e5f4c-0d6a-4c43-9e7a-1f1d7a7e3b11";
    e.project_id = "3f1c7c3e-5a0b-4f5e-8d3a-2b6c9e0d1a22";
    e.object = {model::ObjectType::kProjectLogs, e.project_id};
    std::string q = Sentence(rng, 40 + static_cast<int>(rng() % 20));
    e.input = "{\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
              "{\"role\":\"user\",\"content\":";
    AppendJsonString(e.input, q);
    e.input += "}]}";
    e.output = "{\"role\":\"assistant\",\"content\":";
    AppendJsonString(e.output, Sentence(rng, 30 + static_cast<int>(rng() % 20)));
    e.output += "}";
    e.scores = "{\"accuracy\":" + std::to_string(rng() % 100 / 100.0) + ",\"relevance\":" +
               std::to_string(rng() % 100 / 100.0) + "}";
    int64_t prompt = 100 + static_cast<int64_t>(rng() % 900);
    int64_t completion = 20 + static_cast<int64_t>(rng() % 300);
    e.metrics = "{\"start\":" + std::to_string(e.created / 1000000.0) + ",\"end\":" +
                std::to_string(e.created / 1000000.0 + 1.25) + ",\"prompt_tokens\":" +
                std::to_string(prompt) + ",\"completion_tokens\":" + std::to_string(completion) +
                ",\"tokens\":" + std::to_string(prompt + completion) + "}";
    e.metadata = std::string("{\"environment\":\"") + (rng() % 4 ? "production" : "staging") +
                 "\",\"model\":\"gpt-4o-mini\",\"user_id\":\"u" + std::to_string(rng() % 5000) +
                 "\"}";
    e.span_attributes = e.is_root ? "{\"name\":\"chat\",\"type\":\"task\"}"
                                  : "{\"name\":\"llm\",\"type\":\"llm\"}";
    if (rng() % 3 == 0) e.tags = {"beta", rng() % 2 ? "eu" : "us"};
    e.xact_id = 1000000 + k / 10;
    e.row_key = k + 1;
  }
  return out;
}

}  // namespace sluice::bench
