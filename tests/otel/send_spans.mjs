// Sends spans to a running `sluice serve` with OpenTelemetry's own JS SDK and OTLP exporter, the
// way an instrumented application would, and prints what it sent as JSON: the trace id and the
// span id of each span by name, and every diagnostic the SDK logged (export failures, partial
// success warnings).
//
//   node send_spans.mjs '<config JSON>'
//   config: {url, key, parent, protocol: "proto" | "json", gzip: bool,
//            scenario: "families" | "aged" | "partial" | "few"}
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { context, diag, DiagLogLevel, SpanStatusCode, trace } from '@opentelemetry/api';

const config = JSON.parse(process.argv[2]);
const diagnostics = [];
const record = (level) => (...args) => diagnostics.push(`${level}: ${args.map(String).join(' ')}`);
diag.setLogger({ error: record('error'), warn: record('warn'), info: () => {}, debug: () => {},
                 verbose: () => {} }, DiagLogLevel.WARN);

const Exporter = config.protocol === 'proto' ? ProtoExporter : JsonExporter;
const exporter = new Exporter({
  url: `${config.url}/otel/v1/traces`,
  headers: { Authorization: `Bearer ${config.key}`, 'x-bt-parent': config.parent },
  compression: config.gzip ? 'gzip' : 'none',
});
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'otel-test', 'deployment.region': 'eu' }),
  // One export request per span, sent when the span ends.
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
const tracer = provider.getTracer('sluice-otel-test', '1.0.0');
const sent = { trace_id: null, spans: {} };

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);  // span times: fixed, so the test can check them
let clock = 0;
const next = () => new Date(T0 + 250 * clock++);

// Starts a span (under `parent` when given) and records its id.
function start(name, attributes, parent, startTime) {
  const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
  const span = tracer.startSpan(name, { attributes, startTime: startTime ?? next() }, ctx);
  sent.spans[name] = span.spanContext().spanId;
  sent.trace_id = sent.trace_id ?? span.spanContext().traceId;
  return span;
}

// Ends a span and waits until its export request has been answered, so that each span's
// request reaches the server before its parent's.
async function finish(span, endTime) {
  span.end(endTime ?? next());
  await provider.forceFlush();
}

async function families() {
  const root = start('agent run', {
    'braintrust.input_json': '{"question":"weather in Paris?"}',
    'braintrust.output_json': '{"answer":"sunny"}',
    'braintrust.expected': '"sunny"',
    'braintrust.metadata': '{"user_id":"u-1"}',
    'braintrust.metrics': '{"cost":0.25}',
    'braintrust.tags': ['prod', 'otel'],
    'braintrust.scores': '{"correct":1}',
    'deployment.environment': 'test',
  });
  const chat = start('chat gpt-4o', {
    'gen_ai.operation.name': 'chat',
    'gen_ai.system': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.request.temperature': 0.2,
    'gen_ai.request.max_tokens': 100,
    'gen_ai.usage.input_tokens': 12,
    'gen_ai.usage.output_tokens': 5,
    'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'weather in Paris?' }] }]),
    'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', name: 'get_weather' }] }]),
  }, root);
  const tool = start('get_weather', { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather' }, chat);
  await finish(tool);
  await finish(chat);
  await finish(start('openai.chat', {
    'llm.request.type': 'chat',
    'gen_ai.system': 'openai',
    'gen_ai.request.model': 'gpt-3.5-turbo',
    'gen_ai.prompt.0.role': 'system',
    'gen_ai.prompt.0.content': 'be brief',
    'gen_ai.prompt.1.role': 'user',
    'gen_ai.prompt.1.content': 'hi',
    'gen_ai.completion.0.role': 'assistant',
    'gen_ai.completion.0.content': 'hello',
    'gen_ai.completion.0.finish_reason': 'stop',
    'gen_ai.usage.prompt_tokens': 20,
    'gen_ai.usage.completion_tokens': 7,
    'llm.usage.total_tokens': 27,
  }, root));
  const events = start('gen_ai events', { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o-mini' }, root);
  events.addEvent('gen_ai.system.message', { 'gen_ai.system': 'openai', content: 'be brief' });
  events.addEvent('gen_ai.user.message', { 'gen_ai.system': 'openai', content: 'hi' });
  events.addEvent('gen_ai.choice', { index: 0, finish_reason: 'stop', 'message.role': 'assistant', 'message.content': 'hello' });
  await finish(events);
  await finish(start('ChatOpenAI', {
    'openinference.span.kind': 'LLM',
    'llm.model_name': 'gpt-4o',
    'llm.invocation_parameters': '{"temperature":0}',
    'llm.input_messages.0.message.role': 'user',
    'llm.input_messages.0.message.content': 'hi',
    'llm.output_messages.0.message.role': 'assistant',
    'llm.output_messages.0.message.content': 'hello',
    'llm.token_count.prompt': 9,
    'llm.token_count.completion': 3,
    'llm.token_count.total': 12,
    'input.value': 'hi',
  }, root));
  await finish(start('RetrievalChain', {
    'openinference.span.kind': 'CHAIN',
    'input.value': '{"q":"x"}',
    'input.mime_type': 'application/json',
    'output.value': 'done',
  }, root));
  const generate = start('ai.generateText', {
    'ai.operationId': 'ai.generateText',
    'ai.model.id': 'gpt-4o-mini',
    'ai.model.provider': 'openai.chat',
    'ai.prompt': '{"system":"be brief","prompt":"hi"}',
    'ai.response.text': 'hello',
    'ai.usage.promptTokens': 10,
    'ai.usage.completionTokens': 2,
    'ai.telemetry.metadata.session': 's-1',
  }, root);
  await finish(start('ai.generateText.doGenerate', {
    'ai.operationId': 'ai.generateText.doGenerate',
    'ai.model.id': 'gpt-4o-mini',
    'ai.prompt.messages': '[{"role":"user","content":[{"type":"text","text":"hi"}]}]',
    'ai.response.text': 'hello',
    'gen_ai.system': 'openai.chat',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.usage.input_tokens': 10,
    'gen_ai.usage.output_tokens': 2,
  }, generate));
  await finish(start('ai.toolCall', {
    'ai.operationId': 'ai.toolCall',
    'ai.toolCall.name': 'get_weather',
    'ai.toolCall.args': '{"city":"Paris"}',
    'ai.toolCall.result': '"sunny"',
  }, generate));
  await finish(generate);
  const failing = start('failing step', { step: 3 }, root);
  const error = new TypeError('x is undefined');
  error.stack = 'TypeError: x is undefined\n    at step (app.js:3:7)';
  failing.recordException(error);
  failing.setStatus({ code: SpanStatusCode.ERROR, message: 'step failed' });
  await finish(failing);
  await finish(start('scorer', {
    'braintrust.span_attributes': '{"type":"score"}',
    'braintrust.scores': '{"relevance":0.5}',
  }, root));
  await finish(start('my_workflow.workflow', {
    'traceloop.span.kind': 'workflow',
    'traceloop.entity.input': '{"args":[1]}',
    'traceloop.entity.output': '"ok"',
  }, root));
  await finish(root);
}

// Three spans that started 40 days ago and two that start now, in separate traces.
async function aged() {
  const old = new Date(Date.now() - 40 * 86400e3);
  for (const name of ['old 1', 'old 2', 'old 3']) {
    await finish(start(name, { age: 'old' }, null, old), new Date(old.getTime() + 1000));
  }
  for (const name of ['new 1', 'new 2']) {
    await finish(start(name, { age: 'new' }, null, new Date()), new Date());
  }
}

// One span that can be stored and one whose braintrust.scores cannot, in one request.
async function partial() {
  const root = start('good', {});
  start('bad scores', { 'braintrust.scores': '{"a":5}' }, root).end(next());
  root.end(next());
  await provider.forceFlush();
}

async function few() {
  const root = start('experiment root', { 'braintrust.input_json': '{"case":1}' });
  await finish(start('experiment child', {}, root));
  await finish(root);
}

const scenarios = { families, aged, partial, few };
await scenarios[config.scenario]();
await provider.shutdown();
sent.diagnostics = diagnostics;
console.log(JSON.stringify(sent));
