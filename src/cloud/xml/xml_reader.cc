#include "cloud/xml/xml_reader.h"

#include <cstdint>
#include <cstdlib>

namespace sluice::cloud {
namespace {

// Bounds recursion on hostile input.
constexpr int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(std::string_view in) : in_(in) {}

  Result<XmlElement> Document() {
    SkipMisc();
    if (!Peek('<')) return Error("expected a root element");
    XmlElement root;
    SLUICE_RETURN_IF_ERROR(Element(root, 0));
    SkipMisc();
    if (pos_ != in_.size()) return Error("content after the root element");
    return root;
  }

 private:
  Status Error(std::string_view what) const {
    return InvalidArgumentError("invalid XML at byte " + std::to_string(pos_) + ": " +
                                std::string(what));
  }
  bool Peek(char c) const { return pos_ < in_.size() && in_[pos_] == c; }
  bool StartsWith(std::string_view s) const { return in_.substr(pos_).starts_with(s); }
  void SkipSpace() {
    while (pos_ < in_.size() &&
           (in_[pos_] == ' ' || in_[pos_] == '\n' || in_[pos_] == '\r' || in_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool SkipPast(std::string_view end) {
    const size_t e = in_.find(end, pos_);
    if (e == std::string_view::npos) return false;
    pos_ = e + end.size();
    return true;
  }
  // Whitespace, comments, processing instructions and a DOCTYPE outside the root.
  void SkipMisc() {
    for (;;) {
      SkipSpace();
      if (StartsWith("<?")) {
        if (!SkipPast("?>")) return;
      } else if (StartsWith("<!--")) {
        if (!SkipPast("-->")) return;
      } else if (StartsWith("<!DOCTYPE")) {
        if (!SkipPast(">")) return;
      } else {
        return;
      }
    }
  }

  std::string Name() {
    const size_t start = pos_;
    while (pos_ < in_.size()) {
      const char c = in_[pos_];
      if (c == ' ' || c == '>' || c == '/' || c == '=' || c == '\n' || c == '\r' || c == '\t') {
        break;
      }
      ++pos_;
    }
    std::string_view name = in_.substr(start, pos_ - start);
    const size_t colon = name.find(':');
    if (colon != std::string_view::npos) name.remove_prefix(colon + 1);
    return std::string(name);
  }

  Status Decode(std::string_view raw, std::string& out) const {
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '&') {
        out.push_back(raw[i]);
        continue;
      }
      const size_t semi = raw.find(';', i);
      if (semi == std::string_view::npos) return Error("unterminated entity reference");
      const std::string_view ent = raw.substr(i + 1, semi - i - 1);
      if (ent == "lt")
        out.push_back('<');
      else if (ent == "gt")
        out.push_back('>');
      else if (ent == "amp")
        out.push_back('&');
      else if (ent == "quot")
        out.push_back('"');
      else if (ent == "apos")
        out.push_back('\'');
      else if (ent.starts_with("#"))
        SLUICE_RETURN_IF_ERROR(AppendCharRef(ent.substr(1), out));
      else
        return Error("unknown entity &" + std::string(ent) + ";");
      i = semi;
    }
    return Status();
  }

  Status AppendCharRef(std::string_view ref, std::string& out) const {
    const bool hex = !ref.empty() && (ref[0] == 'x' || ref[0] == 'X');
    const std::string digits(hex ? ref.substr(1) : ref);
    char* end = nullptr;
    const unsigned long cp = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
    if (digits.empty() || *end != '\0' || cp > 0x10FFFF) return Error("bad character reference");
    // UTF-8 encode.
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    return Status();
  }

  Status Attributes(XmlElement& el) {
    for (;;) {
      SkipSpace();
      if (Peek('>') || Peek('/') || pos_ >= in_.size()) return Status();
      std::string name = Name();
      SkipSpace();
      if (!Peek('=')) return Error("expected '=' after attribute name");
      ++pos_;
      SkipSpace();
      if (!Peek('"') && !Peek('\'')) return Error("expected a quoted attribute value");
      const char quote = in_[pos_++];
      const size_t end = in_.find(quote, pos_);
      if (end == std::string_view::npos) return Error("unterminated attribute value");
      std::string value;
      SLUICE_RETURN_IF_ERROR(Decode(in_.substr(pos_, end - pos_), value));
      el.attributes.emplace_back(std::move(name), std::move(value));
      pos_ = end + 1;
    }
  }

  Status Element(XmlElement& el, int depth) {
    if (depth > kMaxDepth) return Error("elements nested too deeply");
    ++pos_;  // '<'
    el.name = Name();
    if (el.name.empty()) return Error("empty element name");
    SLUICE_RETURN_IF_ERROR(Attributes(el));
    if (StartsWith("/>")) {
      pos_ += 2;
      return Status();
    }
    if (!Peek('>')) return Error("unterminated start tag <" + el.name + ">");
    ++pos_;
    return Content(el, depth);
  }

  Status Content(XmlElement& el, int depth) {
    for (;;) {
      if (pos_ >= in_.size()) return Error("missing end tag </" + el.name + ">");
      if (StartsWith("</")) {
        pos_ += 2;
        if (Name() != el.name) return Error("mismatched end tag for <" + el.name + ">");
        SkipSpace();
        if (!Peek('>')) return Error("unterminated end tag");
        ++pos_;
        return Status();
      }
      if (StartsWith("<!--")) {
        if (!SkipPast("-->")) return Error("unterminated comment");
      } else if (StartsWith("<![CDATA[")) {
        const size_t start = pos_ + 9;
        if (!SkipPast("]]>")) return Error("unterminated CDATA");
        el.text.append(in_.substr(start, pos_ - 3 - start));
      } else if (StartsWith("<?")) {
        if (!SkipPast("?>")) return Error("unterminated processing instruction");
      } else if (Peek('<')) {
        el.children.emplace_back();
        SLUICE_RETURN_IF_ERROR(Element(el.children.back(), depth + 1));
      } else {
        const size_t lt = in_.find('<', pos_);
        const size_t end = lt == std::string_view::npos ? in_.size() : lt;
        SLUICE_RETURN_IF_ERROR(Decode(in_.substr(pos_, end - pos_), el.text));
        pos_ = end;
      }
    }
  }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child) const {
  for (const XmlElement& c : children) {
    if (c.name == child) return &c;
  }
  return nullptr;
}

std::string XmlElement::ChildText(std::string_view child) const {
  const XmlElement* c = Child(child);
  return c ? c->text : std::string();
}

std::vector<const XmlElement*> XmlElement::Children(std::string_view child) const {
  std::vector<const XmlElement*> out;
  for (const XmlElement& c : children) {
    if (c.name == child) out.push_back(&c);
  }
  return out;
}

const XmlElement* XmlElement::Find(std::string_view path) const {
  const XmlElement* cur = this;
  while (cur != nullptr && !path.empty()) {
    const size_t slash = path.find('/');
    cur = cur->Child(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return cur;
}

Result<XmlElement> ParseXml(std::string_view text) {
  // A UTF-8 byte order mark may open a document (Azure Storage sends one).
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  return Parser(text).Document();
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace sluice::cloud
