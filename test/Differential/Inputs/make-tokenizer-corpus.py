# Writes tokenizer-corpus.txt, the lines the tokenizer differential test
# encodes: prose, code, numbers, whitespace runs, emoji, CJK, Arabic, Hebrew,
# Devanagari, Thai, Cyrillic, Greek, combining marks, contractions, URLs and
# the text of special tokens, alone and mixed. Deterministic (fixed seed);
# run it again to regenerate:
#
#   python3 make-tokenizer-corpus.py > tokenizer-corpus.txt
#
# Kept out on purpose: U+0085 and U+FEFF (JavaScript's \s disagrees with
# Unicode's White_Space on them, so transformers.js splits them differently
# from the tokenizers library) and characters newer than Unicode 14.0 (see
# runtime/tokenizer/RegexSplitter.h). Lines never contain a newline; the test
# joins lines with newlines to make multi-line texts.
import random

rng = random.Random(20261202)

WORDS = """the of and to in is was for on that with as by at from his her it an
were are which this be or has had not but also have one their its new after who
they been first two more other all she some would into when there time up only
years over most than three may about out between world during many such these
then later made where through both before well year under however while them
city can de war known state united being since used school became part music
game film family people number season team name old second series national back
known four around early work life end high south north university album best
around government history century group house great city river church small
language light over water quick brown fox jumps lazy dog tokenizer model byte
pair encoding merges vocabulary""".split()

PROSE_TEMPLATES = [
    "{W} {w} {w} {w}.",
    "{W} {w}, {w} {w} {w}; {w} {w}!",
    "\"{W} {w},\" said {N}. \"{W} {w} {w}?\"",
    "{W} {w} {w} ({w} {w}) {w} {w} {w}.",
    "{N}'s {w} {w} {w} — {w} {w}...",
    "I'm sure they'll {w} it's {w}, but we've {w} and you'd {w}.",
    "{W}'S {W} DON'T {W} {w}'LL {w}'Re",
    "Q: {W} {w} {w}? A: {W} {w}.",
]
NAMES = ["Alice", "Bob", "Zoë", "José", "Łukasz", "Søren", "Ngozi", "Hiroshi", "Ülkü", "Nguyễn"]

CODE = [
    "def {w}({w}, {w}=None):",
    "    return {w}[{n}:{n}] + {w}.{w}()",
    "for (int i = 0; i < {n}; ++i) {{ sum += a[i] * b[i]; }}",
    "if (x != nullptr && x->{w} >= {n}) return -1;",
    "const {w} = await fetch(`https://example.com/api/{w}?id=${{id}}`);",
    "#include <vector>  // {w} {w}",
    "{{\"{w}\": [{n}, {n}.{n}, true, null], \"{w}\": \"{w}\"}}",
    "SELECT {w}, COUNT(*) FROM {w} WHERE id > {n} GROUP BY {w};",
    "x = [i**2 for i in range({n}) if i % 3 == 0]  # {w}",
    "<div class=\"{w}\"><a href=\"/{w}\">{W}</a></div>",
    "$ git commit -m \"{W} {w}\" && make -j{n}",
    "std::unordered_map<std::string, int32_t> {w}_{w};",
    "    \tindented\twith\ttabs  and  spaces   ",
    "a->b->c != d::e<f>(g) || h ?: i;",
    "let {w}: Vec<u8> = vec![0x{h}, 0x{h}, 0o17, 0b1011];",
    "@property\n",
    "/* {w} */ /** @param {{{W}}} {w} */",
]

NUMBERS = [
    "{n}", "{n}{n}{n}", "{n},{n}{n}{n},{n}{n}{n}", "{n}.{n}{n}", "-{n}.{n}e-{n}",
    "3.14159265358979", "1234567890", "2026-12-02T08:30:00Z", "+1 (555) 010-{n}{n}{n}{n}",
    "{n}% of {n}{n} is {n}", "0x{h}{h}{h}", "v{n}.{n}.{n}", "€{n},{n}{n} / ${n}.{n}{n} / ¥{n}{n}{n}",
    "١٢٣٤٥٦٧٨٩٠", "१२३४५", "一二三 四五六", "①②③ ⅷ ½ ¾ ²³",
]

SCRIPTS = [
    "日本語のテキストを分割します。東京は大きい都市です。",
    "中文分词测试：我爱自然语言处理，今天天气很好！",
    "한국어 텍스트도 잘 처리되어야 합니다.",
    "カタカナ　ひらがな　漢字　ﾊﾝｶｸ",
    "مرحبا بالعالم، هذه جملة عربية للاختبار.",
    "العربية: كتب الطالب الدرس في المكتبة",
    "שלום עולם, זה משפט בעברית.",
    "नमस्ते दुनिया, यह हिंदी में एक वाक्य है।",
    "संस्कृतम् क्षत्रिय द्वारा प्रज्ञा",
    "ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ",
    "Привет, мир! Это тест токенизатора.",
    "Ελληνικά: Γειά σου Κόσμε, αβγδε ΑΒΓΔΕ",
    "Tiếng Việt có nhiều dấu: Nguyễn Văn Thành",
    "Ærøskøbing, Straße, façade, naïve, coöperate, Œuvre",
    "ქართული ენა, Հայերեն լեզու, አማርኛ",
]

EMOJI = ["😀", "🦀", "👍🏽", "👨‍👩‍👧‍👦", "🇫🇷", "🏳️‍🌈", "❤️", "🤖", "✨", "🎉", "☕", "🧑🏿‍💻", "🐍", "🔥🔥🔥", "👋"]

COMBINING = [
    "e\u0301", "a\u0300", "o\u0308", "n\u0303", "c\u0327", "A\u030A", "\u212B",
    "Z\u0351\u0307\u0363a\u0352\u0301l\u0353g\u035bo", "q\u0307\u0323", "\u1112\u1161\u11AB",
    "\u0915\u093C", "\u0958", "ﬁ", "Å", "ǅ", "x\u20dd", "1\ufe0f\u20e3",
]

SPECIALS = [
    "<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<|start_header_id|>user<|end_header_id|>",
    "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<s>", "</s>", "<unk>", "[INST]", "[/INST]",
    "<<SYS>>", "<think>", "</think>", "<|reserved_special_token_5|>", "<|fim_prefix|>",
]

SPACES = [" ", "  ", "   ", "\t", " \t ", "\u00a0", "\u3000", "\u2003", "\u200b", "\u180e", "        "]


def w():
    return rng.choice(WORDS)


def fill(template):
    out = ""
    i = 0
    while i < len(template):
        if template.startswith("{w}", i):
            out += w(); i += 3
        elif template.startswith("{W}", i):
            out += w().capitalize(); i += 3
        elif template.startswith("{N}", i):
            out += rng.choice(NAMES); i += 3
        elif template.startswith("{n}", i):
            out += str(rng.randint(0, 999)); i += 3
        elif template.startswith("{h}", i):
            out += "%02X" % rng.randint(0, 255); i += 3
        elif template.startswith("{{", i):
            out += "{"; i += 2
        elif template.startswith("}}", i):
            out += "}"; i += 2
        else:
            out += template[i]; i += 1
    return out


def prose():
    return fill(rng.choice(PROSE_TEMPLATES))


def code():
    return fill(rng.choice(CODE)).replace("\n", "")


def number():
    return fill(rng.choice(NUMBERS))


def script():
    s = rng.choice(SCRIPTS)
    a = rng.randint(0, len(s) - 1)
    return s[a:] if rng.random() < 0.5 else s


def emoji():
    return rng.choice(EMOJI) * rng.randint(1, 3)


def combining():
    return w() + rng.choice(COMBINING) + w()


def special():
    return rng.choice(SPECIALS)


def spaces():
    return rng.choice(SPACES) * rng.randint(1, 4)


PARTS = [prose, code, number, script, emoji, combining, special, spaces]
PURE = [prose, code, number, script]

lines = []
# Each kind alone.
for kind in PARTS:
    for _ in range(120):
        lines.append(kind())
# Mixed lines: several kinds joined by spaces or whitespace runs.
while len(lines) < 2200:
    parts = [rng.choice(PARTS)() for _ in range(rng.randint(2, 6))]
    sep = rng.choice([" ", "", spaces()])
    line = sep.join(parts)
    if rng.random() < 0.2:
        line = spaces() + line
    if rng.random() < 0.2:
        line = line + spaces()
    lines.append(line)

for line in lines:
    assert "\n" not in line and "\r" not in line
    print(line)
