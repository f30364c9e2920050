// A small XML reader for the REST API responses of S3, STS and Azure Storage: elements, text,
// attributes, entity and character references, CDATA, comments and the XML declaration. No
// DTDs, no namespaces beyond dropping a "prefix:" from names. Not a validating parser.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace sluice::cloud {

// An element with its decoded text (character data directly inside it, concatenated) and its
// child elements in document order. A plain value type.
struct XmlElement {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::string text;
  std::vector<XmlElement> children;

  // The first child named `name`, or nullptr.
  const XmlElement* Child(std::string_view name) const;
  // The text of the first child named `name`, or "" when absent.
  std::string ChildText(std::string_view name) const;
  // All children named `name`.
  std::vector<const XmlElement*> Children(std::string_view name) const;
  // Follows a path of child names ("Credentials/AccessKeyId"); nullptr when any is missing.
  const XmlElement* Find(std::string_view path) const;
};

// Parses a document (after a UTF-8 byte order mark, if any) and returns its root element. Errors:
// kInvalidArgument with the byte offset.
Result<XmlElement> ParseXml(std::string_view text);

// Escapes &, <, >, " and ' for element text and attribute values.
std::string XmlEscape(std::string_view text);

}  // namespace sluice::cloud
