#include "bench/gen/text.h"

#include <array>

namespace sluice::bench {

namespace {

// Ordered roughly by how often they appear in assistant conversations, so the Zipf weights make
// the first ones the most frequent.
constexpr std::array<std::string_view, 160> kWords = {
    "the",         "to",        "and",        "of",        "a",         "you",          "is",
    "in",          "that",      "for",        "it",        "your",      "can",          "this",
    "with",        "be",        "on",         "are",       "or",        "as",           "if",
    "I",           "we",        "will",       "data",      "model",     "please",       "from",
    "by",          "an",        "have",       "not",       "which",     "user",         "question",
    "answer",      "here",      "should",     "use",       "based",     "information",  "more",
    "context",     "document",  "example",    "result",    "following", "also",         "step",
    "function",    "return",    "value",      "request",   "response",  "customer",     "order",
    "account",     "service",   "error",      "file",      "query",     "search",       "table",
    "code",        "time",      "help",       "provide",   "summary",   "list",         "number",
    "first",       "then",      "each",       "when",      "how",       "what",         "make",
    "need",        "would",     "could",      "there",     "about",     "these",        "other",
    "using",       "system",    "output",     "input",     "check",     "field",        "report",
    "update",      "support",   "product",    "price",     "date",      "policy",       "refund",
    "shipping",    "invoice",   "payment",    "address",   "status",    "issue",        "ticket",
    "team",        "project",   "release",    "version",   "feature",   "config",       "server",
    "database",    "latency",   "request_id", "timeout",   "retry",     "token",        "prompt",
    "completion",  "evaluate",  "relevant",   "accurate",  "correct",   "clearly",      "briefly",
    "instead",     "because",   "however",    "therefore", "specific",  "detailed",     "between",
    "within",      "without",   "available",  "required",  "optional",  "previous",     "next",
    "current",     "several",   "important",  "likely",    "assistant", "conversation", "message",
    "instruction", "guideline", "schema",     "parameter", "argument",  "variable",     "exception",
    "traceback",   "pipeline",  "retrieval",  "embedding", "vector",    "chunk",
};

const WeightedChoice& WordChoice() {
  static const WeightedChoice kChoice = WeightedChoice::Zipf(kWords.size(), 1.0);
  return kChoice;
}

// Appends `token` if it fits in `remaining` escaped bytes; returns the bytes used (0 if not).
size_t TryAppend(std::string_view token, size_t remaining, std::string& out) {
  const size_t size = EscapedSize(token);
  if (size > remaining) return 0;
  out.append(token);
  return size;
}

// Fills the last `remaining` bytes with a cut-off word (letters need no escaping), after a
// space when it follows another word.
void AppendFill(std::string_view word, size_t remaining, std::string& out) {
  if (remaining >= 2 && !out.empty() && out.back() != ' ' && out.back() != '\n') {
    out.push_back(' ');
    --remaining;
  }
  for (size_t i = 0; i < remaining; ++i) out.push_back(word[i % word.size()]);
}

}  // namespace

size_t EscapedSize(std::string_view s) {
  size_t n = 0;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
      n += 2;
    } else if (c < 0x20) {
      n += 6;
    } else {
      n += 1;
    }
  }
  return n;
}

void AppendText(Rng& rng, size_t escaped_bytes, std::string& out) {
  size_t remaining = escaped_bytes;
  int words_in_sentence = 0;
  int sentences_in_paragraph = 0;
  int sentence_length = static_cast<int>(rng.Between(6, 18));
  while (remaining > 0) {
    // Vocabulary words need no escaping, so their escaped size is their length.
    const std::string_view word = kWords[WordChoice().Pick(rng)];
    const bool space = words_in_sentence > 0;
    const size_t used = word.size() + (space ? 1 : 0);
    if (used > remaining) {
      AppendFill(word, remaining, out);
      return;
    }
    if (space) out.push_back(' ');
    const size_t first = out.size();
    out.append(word);
    if (!space && out[first] >= 'a' && out[first] <= 'z') out[first] -= 'a' - 'A';
    remaining -= used;
    if (++words_in_sentence < sentence_length) continue;
    words_in_sentence = 0;
    sentence_length = static_cast<int>(rng.Between(6, 18));
    if (++sentences_in_paragraph >= 4) {
      sentences_in_paragraph = 0;
      remaining -= TryAppend(".\n\n", remaining, out);
    } else {
      remaining -= TryAppend(". ", remaining, out);
    }
  }
}

}  // namespace sluice::bench
