// Chat messages from the shapes instrumentations flatten them into: indexed attributes
// (OpenLLMetry's `gen_ai.prompt.0.role`, OpenInference's `llm.input_messages.0.message.role`),
// GenAI span events (`gen_ai.user.message`, `gen_ai.choice`, ...) and the Vercel AI SDK's
// `ai.prompt` object. Each returns compact JSON text, "" when the span has none.
#pragma once

#include <string>
#include <string_view>

#include "api/otlp/attribute_index.h"
#include "api/otlp/otlp_request.h"

namespace sluice::api::otlp {

// Attributes `<prefix><i>.<path>` as a JSON array ordered by i, each element the object their
// paths describe (numeric path segments make arrays). Marks them taken when there are any.
// With `unwrap`, an object whose only member is `message`, `tool_call` or `message_content`
// (OpenInference's wrappers) is replaced by that member's value.
std::string IndexedMessages(AttributeIndex& attributes, std::string_view prefix, bool unwrap);

// The span's GenAI message events as a JSON array: `gen_ai.{system,user,assistant,tool}.message`
// events for the input, `gen_ai.choice` events for the output; or the JSON carried by a
// `gen_ai.content.prompt` / `gen_ai.content.completion` event.
std::string EventMessages(const DecodedRequest& r, const Span& span, bool output);

// The Vercel AI SDK's `ai.prompt` JSON ({system, prompt | messages}) as a message array; the
// text as it is when it is not such an object.
std::string VercelPromptMessages(std::string_view prompt_json);

}  // namespace sluice::api::otlp
