// The Jinja tokenizer: text outside delimiters, tokens inside them.
#include "runtime/chat/JinjaLexer.h"

#include "runtime/chat/TextFunctions.h"

#include <cctype>
#include <cstring>

namespace llmc::chat {
namespace {

class Lexer {
public:
  explicit Lexer(const std::string &source) : src_(source) {
    // Jinja's keep_trailing_newline=False.
    if (!src_.empty() && src_.back() == '\n')
      src_.pop_back();
  }

  StatusOr<std::vector<Token>> run() {
    while (pos_ < src_.size()) {
      lexText();
      if (pos_ >= src_.size())
        break;
      if (startsWith("{#")) {
        LLMC_RETURN_IF_ERROR(lexComment());
        continue;
      }
      bool statement = startsWith("{%");
      int line = line_;
      advance(2);
      if (peek() == '-') {
        advance(1);
        stripTrailingWhitespace();
      }
      tokens_.push_back(
          {statement ? Token::Type::OpenStatement : Token::Type::OpenExpression,
           statement ? "{%" : "{{", line});
      LLMC_RETURN_IF_ERROR(lexInside(statement));
    }
    tokens_.push_back({Token::Type::End, "", line_});
    return std::move(tokens_);
  }

private:
  bool startsWith(const char *s) const {
    return src_.compare(pos_, strlen(s), s) == 0;
  }
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0';
  }
  void advance(size_t n) {
    for (size_t i = 0; i < n && pos_ < src_.size(); ++i, ++pos_)
      if (src_[pos_] == '\n')
        ++line_;
  }
  Status error(const std::string &message) const {
    return Status::error("line " + std::to_string(line_) + ": " + message);
  }

  bool atWhitespace() const {
    size_t length = 1;
    return pos_ < src_.size() &&
           isJsWhitespace(decodeCodePoint(src_, pos_, &length));
  }
  void skipWhitespace() {
    while (atWhitespace()) {
      size_t length = 1;
      decodeCodePoint(src_, pos_, &length);
      advance(length);
    }
  }

  /// `{%-`, `{{-`, `{#-`: the text before loses its trailing whitespace.
  void stripTrailingWhitespace() {
    if (tokens_.empty() || tokens_.back().type != Token::Type::Text)
      return;
    std::string &text = tokens_.back().text;
    text = stripText(text, false, true);
    if (text.empty())
      tokens_.pop_back();
  }

  /// Text up to the next `{{`, `{%` or `{#`.
  void lexText() {
    size_t start = pos_;
    int line = line_;
    while (pos_ < src_.size() &&
           !(src_[pos_] == '{' &&
             (peek(1) == '{' || peek(1) == '%' || peek(1) == '#')))
      advance(1);
    std::string text = src_.substr(start, pos_ - start);
    // lstrip_blocks: a block or comment tag alone on its line takes the
    // line's indentation with it.
    if (pos_ < src_.size() && peek(1) != '{') {
      size_t lineStart = text.find_last_of('\n');
      lineStart = lineStart == std::string::npos ? 0 : lineStart + 1;
      bool onlyBlanks =
          text.find_first_not_of(" \t", lineStart) == std::string::npos;
      bool atLineStart = lineStart > 0 || start == 0 || src_[start - 1] == '\n';
      if (onlyBlanks && atLineStart)
        text.erase(lineStart);
    }
    if (!text.empty())
      tokens_.push_back({Token::Type::Text, text, line});
  }

  /// trim_blocks: the newline right after a block or comment tag goes.
  void trimBlockNewline() {
    if (peek() == '\n')
      advance(1);
  }

  Status lexComment() {
    advance(2);
    if (peek() == '-')
      stripTrailingWhitespace();
    size_t end = src_.find("#}", pos_);
    if (end == std::string::npos)
      return error("the comment is not closed with #}");
    bool strip = end > pos_ && src_[end - 1] == '-';
    advance(end + 2 - pos_);
    if (strip)
      skipWhitespace();
    else
      trimBlockNewline();
    return Status::ok();
  }

  Status lexInside(bool statement) {
    int curlyDepth = 0;
    while (true) {
      skipWhitespace();
      if (pos_ >= src_.size())
        return error(statement ? "the statement is not closed with %}"
                               : "the expression is not closed with }}");
      const char *close = statement ? "%}" : "}}";
      bool strip = peek() == '-' && src_.compare(pos_ + 1, 2, close) == 0;
      if (curlyDepth == 0 && (strip || startsWith(close))) {
        advance(strip ? 3 : 2);
        tokens_.push_back({statement ? Token::Type::CloseStatement
                                     : Token::Type::CloseExpression,
                           close, line_});
        if (strip)
          skipWhitespace();
        else if (statement)
          trimBlockNewline();
        return Status::ok();
      }
      char c = peek();
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t start = pos_;
        while (std::isalnum(static_cast<unsigned char>(peek())) ||
               peek() == '_')
          advance(1);
        tokens_.push_back(
            {Token::Type::Name, src_.substr(start, pos_ - start), line_});
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        lexNumber();
      } else if (c == '\'' || c == '"') {
        LLMC_RETURN_IF_ERROR(lexString(c));
      } else {
        static const char *const kOperators[] = {
            "**", "//", "==", "!=", "<=", ">=", "(", ")", "[",
            "]",  "{",  "}",  ",",  ".",  ":",  "|", "+", "-",
            "~",  "*",  "/",  "%",  "=",  "<",  ">"};
        const char *match = nullptr;
        for (const char *op : kOperators)
          if (startsWith(op)) {
            match = op;
            break;
          }
        if (!match)
          return error(std::string("unexpected character '") + c + "'");
        if (*match == '{')
          ++curlyDepth;
        if (*match == '}')
          --curlyDepth;
        tokens_.push_back({Token::Type::Operator, match, line_});
        advance(strlen(match));
      }
    }
  }

  void lexNumber() {
    size_t start = pos_;
    while (std::isdigit(static_cast<unsigned char>(peek())))
      advance(1);
    bool isFloat =
        peek() == '.' && std::isdigit(static_cast<unsigned char>(peek(1)));
    if (isFloat) {
      advance(1);
      while (std::isdigit(static_cast<unsigned char>(peek())))
        advance(1);
    }
    tokens_.push_back({isFloat ? Token::Type::Float : Token::Type::Integer,
                       src_.substr(start, pos_ - start), line_});
  }

  Status lexString(char quote) {
    int line = line_;
    advance(1);
    std::string value;
    while (true) {
      if (pos_ >= src_.size())
        return Status::error("line " + std::to_string(line) +
                             ": the string literal is not closed");
      char c = peek();
      if (c == quote) {
        advance(1);
        break;
      }
      if (c != '\\') {
        value += c;
        advance(1);
        continue;
      }
      char e = peek(1);
      advance(2);
      switch (e) {
      case 'n':
        value += '\n';
        break;
      case 't':
        value += '\t';
        break;
      case 'r':
        value += '\r';
        break;
      case 'b':
        value += '\b';
        break;
      case 'f':
        value += '\f';
        break;
      case 'v':
        value += '\v';
        break;
      case '\'':
        value += '\'';
        break;
      case '"':
        value += '"';
        break;
      case '\\':
        value += '\\';
        break;
      case 'x':
      case 'u': {
        size_t digits = e == 'x' ? 2 : 4;
        std::string hex = src_.substr(pos_, digits);
        if (hex.size() != digits ||
            hex.find_first_not_of("0123456789abcdefABCDEF") !=
                std::string::npos)
          return error("invalid escape \\" + std::string(1, e) + hex);
        appendCodePoint(value,
                        static_cast<uint32_t>(std::stoul(hex, nullptr, 16)));
        advance(digits);
        break;
      }
      default:
        return error(std::string("unknown escape \\") + e +
                     " in a string literal");
      }
    }
    tokens_.push_back({Token::Type::String, value, line});
    return Status::ok();
  }

  std::string src_;
  size_t pos_ = 0;
  int line_ = 1;
  std::vector<Token> tokens_;
};

} // namespace

StatusOr<std::vector<Token>> tokenize(const std::string &source) {
  return Lexer(source).run();
}

} // namespace llmc::chat
