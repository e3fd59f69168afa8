// The Jinja subset piece by piece: whitespace control, statements,
// expressions, filters, tests and errors, each on a one-line template.
#include "runtime/chat/ChatTemplate.h"

#include <gtest/gtest.h>

namespace llmc::chat {
namespace {

/// Renders `source` with two messages (system "S", user " hi ") and the
/// tokens <s> and </s>; returns the text or "ERROR: message".
std::string render(const std::string &source,
                   bool addGenerationPrompt = false) {
  StatusOr<ChatTemplate> t = ChatTemplate::parse(source);
  if (!t.isOk())
    return "ERROR: " + t.status().message();
  StatusOr<std::string> out = t->render({{"system", "S"}, {"user", " hi "}},
                                        addGenerationPrompt, "<s>", "</s>");
  return out.isOk() ? *out : "ERROR: " + out.status().message();
}

TEST(JinjaWhitespace, DashStripsWhitespaceOnItsSide) {
  EXPECT_EQ(render("a  \n {{- 'b' -}} \n c"), "abc");
  EXPECT_EQ(render("a {%- if true -%} b {%- endif %}"), "ab");
  EXPECT_EQ(render("a {#- note -#} b"), "ab");
}

TEST(JinjaWhitespace, BlockTagsTakeTheirNewlineAndIndentation) {
  // trim_blocks and lstrip_blocks, as transformers renders chat templates.
  EXPECT_EQ(render("{% if true %}\n  x\n  {% endif %}\ny"), "  x\ny");
  EXPECT_EQ(render("  {{ 'k' }}\n"), "  k");
  EXPECT_EQ(render("line\n"), "line");
}

TEST(JinjaStatements, ForLoopExposesLoopVariables) {
  EXPECT_EQ(
      render("{% for m in messages %}{{ loop.index0 }}{{ loop.index }}"
             "{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}"),
      "01truefalse2;12falsetrue2;");
  EXPECT_EQ(
      render("{% for m in messages if m.role == 'user' %}{{ loop.length }}"
             "{{ m.content }}{% endfor %}"),
      "1 hi ");
  EXPECT_EQ(render("{% for x in [] %}a{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v "
                   "}},{% endfor %}"),
            "a=1,b=2,");
  EXPECT_EQ(
      render("{% for i in range(5) %}{% if i == 3 %}{% break %}{% endif %}"
             "{% if i == 1 %}{% continue %}{% endif %}{{ i }}{% endfor %}"),
      "02");
}

TEST(JinjaStatements, SetInsideALoopStaysThereButNamespacesPersist) {
  EXPECT_EQ(render("{% set x = 1 %}{% for m in messages %}{% set x = 2 %}{% "
                   "endfor %}{{ x }}"),
            "1");
  EXPECT_EQ(
      render("{% set ns = namespace(found=false) %}{% for m in messages %}"
             "{% if m.role == 'user' %}{% set ns.found = true %}{% endif %}"
             "{% endfor %}{{ ns.found }}"),
      "true");
  EXPECT_EQ(render("{% set x %}a{{ 1 + 1 }}{% endset %}[{{ x }}]"), "[a2]");
}

TEST(JinjaStatements, IfElifElse) {
  const char *t =
      "{% for n in [1, 2, 3] %}{% if n == 1 %}one{% elif n == 2 %}two"
      "{% else %}many{% endif %} {% endfor %}";
  EXPECT_EQ(render(t), "one two many ");
}

TEST(JinjaStatements, MacrosTakeArgumentsAndDefaults) {
  EXPECT_EQ(
      render("{% macro tag(name, end='>') %}<{{ name }}{{ end }}{% endmacro %}"
             "{{ tag('a') }}{{ tag('b', end='/>') }}"),
      "<a><b/>");
}

TEST(JinjaExpressions, OperatorsFollowJinjaPrecedence) {
  EXPECT_EQ(render("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 // 2 }} {{ -7 % 3 "
                   "}} {{ 2 ** 10 }}"),
            "7 9 3 2 1024");
  EXPECT_EQ(render("{{ 7 / 2 }} {{ 1.0 }} {{ 0.5 + 1 }}"), "3.5 1.0 1.5");
  EXPECT_EQ(render("{{ 'a' + 'b' ~ 1 }} {{ 'ab' * 2 }}"), "ab1 abab");
  EXPECT_EQ(render("{{ not false and 1 < 2 or false }}"), "true");
  EXPECT_EQ(render("{{ 'yes' if messages|length > 1 else 'no' }}"), "yes");
  EXPECT_EQ(render("{{ messages|length - 1 }}"), "1");
}

TEST(JinjaExpressions, MembershipAndComparison) {
  EXPECT_EQ(
      render(
          "{{ 'ell' in 'hello' }} {{ 2 in [1, 2] }} {{ 'role' in messages[0] }}"
          " {{ 'x' not in 'abc' }} {{ 'a' in undefined_thing }}"),
      "true true true true false");
  EXPECT_EQ(
      render("{{ 'abc' < 'abd' }} {{ [1, 2] == [1, 2] }} {{ none == none }}"),
      "true true true");
}

TEST(JinjaExpressions, SubscriptsAndSlices) {
  EXPECT_EQ(render("{{ messages[1:]|length }} {{ messages[-1].role }} {{ "
                   "messages[0]['role'] }}"),
            "1 user system");
  EXPECT_EQ(render("{% for m in messages[::-1] %}{{ m.role }} {% endfor %}"),
            "user system ");
  EXPECT_EQ(render("{{ 'héllo'[1] }} {{ 'héllo'[1:3] }} {{ 'abc'[::-1] }}"),
            "é él cba");
  EXPECT_EQ(render("[{{ messages[5] }}]"), "[]");
}

TEST(JinjaFilters, StringFilters) {
  EXPECT_EQ(render("[{{ messages[1].content|trim }}]"), "[hi]");
  EXPECT_EQ(
      render("{{ 'aBc'|upper }} {{ 'aBc'|lower }} {{ 'hello world'|title }}"
             " {{ 'hELLO'|capitalize }}"),
      "ABC abc Hello World Hello");
  EXPECT_EQ(render("{{ 'a-b-c'|replace('-', '+') }} {{ ['a', 'b']|join(', ') }}"
                   " {{ 'héllo'|length }}"),
            "a+b+c a, b 5");
  EXPECT_EQ(
      render(
          "{{ undefined_thing|default('dflt') }} {{ ''|default('x', true) }}"),
      "dflt x");
  EXPECT_EQ(render("{{ 'a\nb'|indent(2) }}"), "a\n  b");
}

TEST(JinjaFilters, ToJsonMatchesPythonsJsonDumps) {
  EXPECT_EQ(render("{{ {'a': [1, 2.5, true, none], 'b': 'q\"\\n'}|tojson }}"),
            "{\"a\": [1, 2.5, true, null], \"b\": \"q\\\"\\n\"}");
  EXPECT_EQ(render("{{ {'a': [1, 2]}|tojson(indent=2) }}"),
            "{\n  \"a\": [\n    1,\n    2\n  ]\n}");
  EXPECT_EQ(render("{{ 'é'|tojson }} {{ 'é'|tojson(ensure_ascii=true) }}"),
            "\"é\" \"\\u00e9\"");
}

TEST(JinjaFilters, ListFilters) {
  EXPECT_EQ(
      render("{{ messages|selectattr('role', 'equalto', 'user')|list|length }}"
             " {{ messages|rejectattr('role', 'equalto', "
             "'user')|map(attribute='role')"
             "|join }} {{ messages|map(attribute='role')|first }}"),
      "1 system system");
  EXPECT_EQ(render("{{ [3, 1, 2]|sort|join }} {{ [1, 2]|reverse|join }} {{ [1, "
                   "1, 2]|unique|join }}"),
            "123 21 12");
}

TEST(JinjaMethods, StringMethodsFollowPython) {
  EXPECT_EQ(render("{{ '\\n\\nx\\n'.lstrip('\\n') }}|{{ 'xxaxx'.strip('x') "
                   "}}|{{ ' a '.strip() }}"),
            "x\n|a|a");
  EXPECT_EQ(render("{{ 'a</think>b'.split('</think>')[-1] }} {{ 'a b  "
                   "c'.split()|length }}"
                   " {{ 'a,b,c'.split(',', 1)|last }}"),
            "b 3 b,c");
  EXPECT_EQ(
      render(
          "{{ 'hello'.startswith('he') }} {{ 'hello'.endswith(('x', 'lo')) }}"),
      "true true");
  EXPECT_EQ(render("{{ {'a': 1}.get('a') }} {{ {'a': 1}.get('b', 2) }}"),
            "1 2");
}

TEST(JinjaTests, IsTests) {
  EXPECT_EQ(render("{{ messages is defined }} {{ tools is defined }} {{ tools "
                   "is not defined }}"
                   " {{ none is none }} {{ 'a' is string }} {{ 3 is odd }} {{ "
                   "false is false }}"
                   " {{ 6 is divisibleby 3 }} {{ strftime_now is defined }}"),
            "true false true true true true true true true");
}

TEST(JinjaGlobals, StrftimeNowFormatsTheCurrentTime) {
  std::string year = render("{{ strftime_now('%Y') }}");
  ASSERT_EQ(year.size(), 4u) << year;
  EXPECT_GE(std::stoi(year), 2024);
}

TEST(JinjaErrors, SyntaxErrorsNameTheLine) {
  EXPECT_EQ(render("ok\n{% if true %}\nno end"),
            "ERROR: chat template: line 3: missing {% endif %}");
  EXPECT_EQ(render("a\nb {{ 1 + }}"),
            "ERROR: chat template: line 2: expected an expression, found '}}'");
  EXPECT_EQ(render("{% frobnicate %}"),
            "ERROR: chat template: line 1: unknown statement "
            "'frobnicate'");
  EXPECT_EQ(render("{{ 'abc }}"),
            "ERROR: chat template: line 1: the string literal is not closed");
}

TEST(JinjaErrors, RaiseExceptionBecomesAnError) {
  EXPECT_EQ(render("x\n{{ raise_exception('roles must alternate') }}"),
            "ERROR: chat template: line 2: the template raised an exception: "
            "roles must "
            "alternate");
}

TEST(JinjaErrors, TypeErrorsNameTheLine) {
  EXPECT_EQ(render("{{ 1 + none }}"),
            "ERROR: chat template: line 1: cannot apply '+' to "
            "integer and none");
  EXPECT_EQ(render("\n{{ messages|frob }}"),
            "ERROR: chat template: line 2: unknown filter "
            "'frob'");
  EXPECT_EQ(render("{{ nothing.attr }}"),
            "ERROR: chat template: line 1: cannot read 'attr' of "
            "an undefined value");
}

} // namespace
} // namespace llmc::chat
