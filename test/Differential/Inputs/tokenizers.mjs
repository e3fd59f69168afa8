// Encodes the corpus with one tokenizer twice, with llmc (llmc-tokenize) and
// with transformers.js (@huggingface/transformers, offline from the cached
// tokenizer.json), and requires identical ids, without and with special
// tokens, and identical decoded text (special tokens skipped, and written
// out). It reports
// how many texts come back unchanged from decode(encode(x)): the others change
// in transformers.js as well (NFC composition; the space a SentencePiece-style
// normalizer puts after a special token), which the identical decodes show.
// Exits 1 on any difference, showing the first ones.
//
//   node tokenizers.mjs ORACLES_DIR DRIVER MODEL_CACHE CORPUS WORK_DIR NAME
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";

const [oracles, driver, cache, corpus, work, name] = process.argv.slice(2);
const require = createRequire(path.join(oracles, "package.json"));
const { env, AutoTokenizer } = require("@huggingface/transformers");
env.allowRemoteModels = false; // never the network: only the cached files
env.localModelPath = cache + path.sep;

// The corpus lines, then every eight consecutive lines joined by newlines.
const lines = readFileSync(corpus, "utf8").split("\n");
if (lines.at(-1) === "") lines.pop();
const texts = [...lines];
for (let i = 0; i + 8 <= lines.length; i += 8) texts.push(lines.slice(i, i + 8).join("\n"));
const textsFile = path.join(work, "texts.json");
writeFileSync(textsFile, JSON.stringify(texts));

const tok = await AutoTokenizer.from_pretrained(`tokenizer-${name}`);
for (const t of texts.slice(0, 200)) tok.encode(t, { add_special_tokens: false }); // JIT warm-up
const start = performance.now();
const theirs = texts.map((t) => tok.encode(t, { add_special_tokens: false }));
const jsSeconds = (performance.now() - start) / 1000;
const theirsSpecial = texts.map((t) => tok.encode(t, { add_special_tokens: true }));

const ours = JSON.parse(
  execFileSync(driver, [path.join(cache, `tokenizer-${name}`, "tokenizer.json"), textsFile], {
    maxBuffer: 1 << 30,
  }).toString(),
);

const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const diffs = [];
let idsSame = 0, specialSame = 0, decodeSame = 0, roundTrip = 0;
texts.forEach((text, i) => {
  if (same(ours.ids[i], theirs[i])) idsSame++;
  else diffs.push({ text, llmc: ours.ids[i], transformers_js: theirs[i] });
  if (same(ours.ids_with_special[i], theirsSpecial[i])) specialSame++;
  else diffs.push({ text, special_tokens: true, llmc: ours.ids_with_special[i], transformers_js: theirsSpecial[i] });
  // decode() skips special tokens; written out, they must also agree.
  let decodesAgree = true;
  for (const [mine, skip] of [[ours.decoded[i], true], [ours.decoded_with_specials[i], false]]) {
    const decoded = tok.decode(ours.ids[i], { skip_special_tokens: skip, clean_up_tokenization_spaces: false });
    if (mine !== decoded) {
      decodesAgree = false;
      diffs.push({ text, skip_special_tokens: skip, llmc_decode: mine, transformers_js_decode: decoded });
    }
  }
  if (decodesAgree) decodeSame++;
  if (ours.decoded_with_specials[i] === text) roundTrip++;
});
const n = texts.length;
console.log(`tokenizer ${name}: ids ${idsSame}/${n} identical, with special tokens ${specialSame}/${n}, decode ${decodeSame}/${n}`);
console.log(`tokenizer ${name}: decode(encode(x)) == x for ${roundTrip}/${n} texts`);
console.log(
  `tokenizer ${name} speed: llmc ${(ours.encode_seconds * 1000).toFixed(1)} ms, ` +
    `transformers.js ${(jsSeconds * 1000).toFixed(1)} ms to encode ${n} texts ` +
    `(${(jsSeconds / ours.encode_seconds).toFixed(1)}x)`,
);
for (const d of diffs.slice(0, 5)) console.log("DIFFERENT: " + JSON.stringify(d));
process.exit(diffs.length ? 1 : 0);
