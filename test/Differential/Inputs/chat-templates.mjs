// Renders every conversation below with every chat template, once with
// llmc (llmc-chat-render) and once with @huggingface/jinja, and requires
// byte-identical text (or both refusing). Where @huggingface/jinja departs
// from Python's Jinja2 (which transformers renders with, and which the models
// were trained on), the case passes only if llmc's text is Jinja2's, checked
// by running chat-jinja2.py. Prints one line per template and a total; exits
// 1 on any other difference, showing the first ones.
//
//   node chat-templates.mjs ORACLES_DIR DRIVER MODEL_CACHE REPO_TEMPLATES_DIR WORK_DIR PYTHON
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [oracles, driver, cache, repoTemplates, work, python] = process.argv.slice(2);
const require = createRequire(path.join(oracles, "package.json"));
const { Template } = require("@huggingface/jinja");

const tokenText = (t) => (t == null ? "" : typeof t === "string" ? t : t.content ?? "");

// Templates shipped in npm tokenizer packages (fetched by scripts/fetch-model.sh).
const templates = [];
for (const dir of ["tokenizer-llama3", "tokenizer-llama3_1", "tokenizer-qwen2_5", "tokenizer-qwen3",
                   "tokenizer-llama2", "chat-template-gemma3", "chat-template-deepseek_v3"]) {
  const name = dir.replace(/^(tokenizer|chat-template)-/, "");
  const file = path.join(cache, dir, "tokenizer_config.json");
  if (!existsSync(file)) throw new Error(`${file} is missing: run scripts/fetch-model.sh`);
  const config = JSON.parse(readFileSync(file, "utf8"));
  let source = config.chat_template;
  if (Array.isArray(source)) source = source.find((t) => t.name === "default")?.template;
  if (typeof source !== "string") continue; // this package ships no template
  templates.push({ name: `npm:${name}`, source, bos: tokenText(config.bos_token), eos: tokenText(config.eos_token) });
}
// Model cards' templates kept in the repository (Llama 2, Mistral, Llama 3.2).
for (const [file, bos, eos] of [
  ["llama2-chat.jinja", "<s>", "</s>"],
  ["mistral-instruct.jinja", "<s>", "</s>"],
  ["mistral-v3-instruct.jinja", "<s>", "</s>"],
  ["llama3.2-instruct.jinja", "<|begin_of_text|>", "<|eot_id|>"],
]) {
  templates.push({ name: file, source: readFileSync(path.join(repoTemplates, file), "utf8"), bos, eos });
}

const conversations = [
  [{ role: "user", content: "Hello" }],
  [
    { role: "system", content: "You are a helpful assistant." },
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello! How can I help?" },
    { role: "user", content: "Tell me a joke." },
  ],
  [
    { role: "user", content: "First question?" },
    { role: "assistant", content: "First answer." },
    { role: "user", content: "Second question?" },
    { role: "assistant", content: "Second answer." },
    { role: "user", content: "Third?" },
  ],
  [
    { role: "system", content: "Réponds en français. 日本語も。" },
    { role: "user", content: "Ça va ? 😀 — naïve café, ﬁ, e\u0301" },
    { role: "assistant", content: " 👋 مرحبا " },
    { role: "user", content: "नमस्ते\n\n  spaced  \t" },
  ],
  [
    { role: "user", content: "  leading and trailing whitespace \n" },
    { role: "assistant", content: "" },
    { role: "user", content: "{{ not a tag }} {% if %} <|eot_id|> [INST] <s>" },
  ],
  [
    { role: "system", content: "" },
    { role: "user", content: "2+2?" },
    { role: "assistant", content: "<think>\nadd them\n</think>\n\n4" },
    { role: "user", content: "and 3+3?" },
    { role: "assistant", content: "6" },
  ],
  [
    { role: "user", content: "a" },
    { role: "user", content: "b" },
  ],
];

const cases = [];
for (const t of templates)
  for (const messages of conversations)
    for (const add_generation_prompt of [true, false])
      cases.push({ template: t.source, name: t.name, messages, add_generation_prompt, bos_token: t.bos, eos_token: t.eos });

const casesFile = path.join(work, "chat-cases.json");
writeFileSync(casesFile, JSON.stringify(cases));
const ours = JSON.parse(execFileSync(driver, [casesFile], { maxBuffer: 1 << 28 }).toString());

const theirs = cases.map((c) => {
  try {
    const text = new Template(c.template).render({
      messages: c.messages,
      add_generation_prompt: c.add_generation_prompt,
      bos_token: c.bos_token,
      eos_token: c.eos_token,
    });
    return { ok: true, text };
  } catch (e) {
    return { ok: false, error: String(e.message ?? e) };
  }
});

const jinja2 = JSON.parse(
  execFileSync(python, [path.join(path.dirname(new URL(import.meta.url).pathname), "chat-jinja2.py"), casesFile], {
    maxBuffer: 1 << 28,
  }).toString(),
);
const same = (a, b) => (a.ok && b.ok && a.text === b.text) || (!a.ok && !b.ok);

const stats = new Map();
const failures = [];
cases.forEach((c, i) => {
  const s = stats.get(c.name) ?? { cases: 0, same: 0, refused: 0, jinja2: 0 };
  stats.set(c.name, s);
  s.cases++;
  const a = ours[i], b = theirs[i], p = jinja2[i];
  if (same(a, b)) {
    s.same++;
    if (!a.ok) s.refused++;
  } else if (same(a, p) && !same(b, p)) {
    s.jinja2++;
  } else {
    failures.push({ template: c.name, messages: c.messages, add_generation_prompt: c.add_generation_prompt, llmc: a, hf_jinja: b, jinja2: p });
  }
});
let total = 0, identical = 0, jinja2Only = 0;
const asJinja2 = cases.filter((c, i) => same(ours[i], jinja2[i])).length;
for (const [name, s] of stats) {
  console.log(`chat ${name}: ${s.same}/${s.cases} identical (${s.refused} refused by both)` +
    (s.jinja2 ? `, ${s.jinja2} as Jinja2 where @huggingface/jinja differs` : ""));
  total += s.cases;
  identical += s.same;
  jinja2Only += s.jinja2;
}
console.log(`chat templates: ${identical}/${total} identical to @huggingface/jinja, ` +
  `${jinja2Only} identical to Jinja2 where it differs, ${failures.length} different, ${stats.size} templates`);
console.log(`chat templates against Jinja2: ${asJinja2}/${total} identical`);
for (const f of failures.slice(0, 5)) console.log("DIFFERENT: " + JSON.stringify(f));
process.exit(failures.length ? 1 : 0);
