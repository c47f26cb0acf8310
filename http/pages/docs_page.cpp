#include "http/pages/docs_page.hpp"

#include <cctype>
#include <cstdio>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include "http/pages/html.hpp"

namespace http {

namespace {

using value = rapidjson::Value;

const char* const methods[] = {"get", "post", "put", "delete", "patch", "options", "head"};

/// Text with `backquoted` spans set as code.
std::string prose(std::string_view s) {
  std::string out, esc = html_escape(s);
  bool open = false;
  for (char c : esc) {
    if (c == '`') {
      out += open ? "</code>" : "<code>";
      open = !open;
    } else {
      out += c;
    }
  }
  return open ? out + "</code>" : out;
}

std::string str(const value& obj, const char* key) {
  if (!obj.IsObject())
    return {};
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString() ? it->value.GetString() : std::string{};
}

bool flag(const value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

/// A scalar as JSON-ish text: numbers, strings (quoted), booleans.
std::string scalar(const value& v) {
  char buf[32];
  if (v.IsString())
    return std::string{"\""} + v.GetString() + "\"";
  if (v.IsBool())
    return v.GetBool() ? "true" : "false";
  if (v.IsInt64())
    return std::to_string(v.GetInt64());
  if (v.IsNumber()) {
    std::snprintf(buf, sizeof buf, "%.10g", v.GetDouble());
    return buf;
  }
  return v.IsNull() ? "null" : "…";
}

/// The last segment of a local $ref: "#/components/schemas/Error" -> "Error".
std::string ref_name(const std::string& ref) {
  return ref.substr(ref.rfind('/') + 1);
}

/// Follows a local $ref ("#/components/..."), once; anything else as it is.
const value& resolve(const rapidjson::Document& doc, const value& v) {
  auto ref = str(v, "$ref");
  if (ref.empty())
    return v;
  const value* target = rapidjson::Pointer(ref.c_str()).Get(doc);
  return target ? *target : v;
}

/// A schema in one line: its type (a link for a named schema), format,
/// nullability, choices and limits.
std::string type_of(const value& s) {
  if (!s.IsObject())
    return "any";
  if (auto ref = str(s, "$ref"); !ref.empty())
    return "<a href='#schema-" + html_escape(ref_name(ref)) + "'>" + html_escape(ref_name(ref)) + "</a>";
  std::string out;
  for (const char* alt : {"oneOf", "anyOf"}) {
    auto it = s.FindMember(alt);
    if (it != s.MemberEnd() && it->value.IsArray())
      for (const auto& each : it->value.GetArray())
        out += (out.empty() ? "" : " or ") + type_of(each);
  }
  auto type = str(s, "type");
  if (type == "array")
    out = "array of " + (s.HasMember("items") ? type_of(s["items"]) : std::string{"any"});
  else if (!type.empty())
    out = type;
  if (out.empty())
    out = "any";
  if (auto format = str(s, "format"); !format.empty())
    out += " (" + html_escape(format) + ")";
  if (flag(s, "nullable"))
    out += " or null";
  std::string limits;
  auto add = [&](const std::string& text) { limits += (limits.empty() ? "" : ", ") + text; };
  if (s.HasMember("enum") && s["enum"].IsArray()) {
    std::string choices;
    for (const auto& e : s["enum"].GetArray())
      choices += (choices.empty() ? "" : " | ") + html_escape(scalar(e));
    add("one of " + choices);
  }
  for (auto [key, word] : {std::pair{"minimum", ">="}, {"maximum", "<="}, {"minItems", "items >="},
                           {"maxItems", "items <="}, {"maxLength", "length <="}}) {
    if (s.HasMember(key) && s[key].IsNumber()) {
      bool strict = std::string_view{key} == "minimum" ? flag(s, "exclusiveMinimum")
                    : std::string_view{key} == "maximum" ? flag(s, "exclusiveMaximum") : false;
      add(std::string{strict ? std::string_view{word}.substr(0, 1) : word} + " " + scalar(s[key]));
    }
  }
  if (auto pattern = str(s, "pattern"); !pattern.empty())
    add("pattern <code>" + html_escape(pattern) + "</code>");
  if (s.HasMember("default"))
    add("default " + html_escape(scalar(s["default"])));
  return "<span class='type'>" + out + "</span>"
         + (limits.empty() ? "" : " <span class='limits'>" + limits + "</span>");
}

/// An object schema's properties as a table; other schemas as their type.
std::string schema_body(const value& s) {
  std::string out = "<p>" + type_of(s) + "</p>";
  if (auto d = str(s, "description"); !d.empty())
    out += "<p>" + prose(d) + "</p>";
  auto props = s.IsObject() ? s.FindMember("properties") : s.MemberEnd();
  if (!s.IsObject() || props == s.MemberEnd() || !props->value.IsObject())
    return out;
  auto required = [&](const char* name) {
    if (!s.HasMember("required") || !s["required"].IsArray())
      return false;
    for (const auto& r : s["required"].GetArray())
      if (r.IsString() && std::string_view{r.GetString()} == name)
        return true;
    return false;
  };
  out += "<table><tr><th>field</th><th>type</th><th>description</th></tr>";
  for (const auto& p : props->value.GetObject()) {
    auto name = p.name.GetString();
    out += "<tr><td><code>" + html_escape(name) + "</code>" + (required(name) ? " <em>required</em>" : "")
           + "</td><td>" + type_of(p.value) + "</td><td>" + prose(str(p.value, "description"))
           + "</td></tr>";
  }
  return out + "</table>";
}

std::string parameters(const rapidjson::Document& doc, const value& op) {
  if (!op.HasMember("parameters") || !op["parameters"].IsArray() || op["parameters"].Empty())
    return {};
  std::string out = "<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th>"
                    "<th>description</th></tr>";
  for (const auto& raw : op["parameters"].GetArray()) {
    const auto& p = resolve(doc, raw);
    out += "<tr><td><code>" + html_escape(str(p, "name")) + "</code>"
           + (flag(p, "required") ? " <em>required</em>" : "") + "</td><td>"
           + html_escape(str(p, "in")) + "</td><td>"
           + (p.HasMember("schema") ? type_of(p["schema"]) : std::string{}) + "</td><td>"
           + prose(str(p, "description")) + "</td></tr>";
  }
  return out + "</table>";
}

/// Each media type of a request body or response with its schema's type.
std::string contents(const value& holder) {
  if (!holder.IsObject() || !holder.HasMember("content") || !holder["content"].IsObject())
    return {};
  std::string out;
  for (const auto& c : holder["content"].GetObject())
    out += "<code>" + html_escape(c.name.GetString()) + "</code> "
           + (c.value.HasMember("schema") ? type_of(c.value["schema"]) : std::string{}) + " ";
  return out;
}

std::string responses(const rapidjson::Document& doc, const value& op) {
  if (!op.HasMember("responses") || !op["responses"].IsObject())
    return {};
  std::string out = "<h4>Responses</h4><table><tr><th>status</th><th>description</th>"
                    "<th>body</th></tr>";
  for (const auto& r : op["responses"].GetObject()) {
    const auto& resp = resolve(doc, r.value);
    std::string headers;
    if (resp.HasMember("headers") && resp["headers"].IsObject())
      for (const auto& h : resp["headers"].GetObject())
        headers += " Header <code>" + html_escape(h.name.GetString()) + "</code>.";
    out += "<tr><td class='status'>" + html_escape(r.name.GetString()) + "</td><td>"
           + prose(str(resp, "description")) + headers + "</td><td>" + contents(resp) + "</td></tr>";
  }
  return out + "</table>";
}

std::string anchor(const std::string& method, const std::string& path) {
  std::string id = "op-" + method + "-";
  for (char c : path)
    id += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return id;
}

std::string operation(const rapidjson::Document& doc, const std::string& path,
                      const std::string& method, const value& op) {
  std::string up;
  for (char c : method)
    up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string out = "<section class='op' id='" + anchor(method, path) + "'><h3><span class='method "
                    + method + "'>" + up + "</span> <code class='path'>" + html_escape(path)
                    + "</code></h3><p class='summary'>" + prose(str(op, "summary")) + "</p>";
  if (auto d = str(op, "description"); !d.empty())
    out += "<p>" + prose(d) + "</p>";
  out += parameters(doc, op);
  if (op.HasMember("requestBody")) {
    const auto& body = resolve(doc, op["requestBody"]);
    out += "<h4>Request body" + std::string{flag(body, "required") ? " (required)" : ""}
           + "</h4><p>" + contents(body) + "</p>";
  }
  return out + responses(doc, op) + "</section>";
}

const char* const style =
  "body{font-family:sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222;"
  "line-height:1.4}code{font-family:monospace;background:#f3f3f3;padding:0 .2em}"
  "table{border-collapse:collapse;margin:.4em 0 1em;width:100%}"
  "th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}"
  "th{background:#f6f6f6}.op{border-top:2px solid #ccc;margin-top:1.5em}"
  ".method{display:inline-block;min-width:4em;text-align:center;color:#fff;border-radius:3px;"
  "padding:0 .3em;font-size:.9em}.get{background:#2f7d32}.post{background:#1565c0}"
  ".put,.patch{background:#8d6e00}.delete{background:#b71c1c}.type{font-family:monospace}"
  ".limits{color:#555;font-size:.9em}.status{font-weight:bold}em{color:#b71c1c;font-size:.85em}"
  "nav ul{columns:2}";

} // namespace

std::string render_docs_page(std::string_view openapi_json) {
  rapidjson::Document doc;
  doc.Parse(openapi_json.data(), openapi_json.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("paths") || !doc["paths"].IsObject())
    return "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>API</title></head>"
           "<body><p>The API description could not be read.</p></body></html>";
  const value& info = doc.HasMember("info") ? doc["info"] : doc;
  auto title = html_escape(str(info, "title")) + " " + html_escape(str(info, "version")) + " API";
  std::string toc, ops;
  for (const auto& path : doc["paths"].GetObject()) {
    std::string p = path.name.GetString();
    for (const char* m : methods) {
      if (!path.value.IsObject() || !path.value.HasMember(m))
        continue;
      const auto& op = path.value[m];
      std::string method = m, up;
      for (char c : method)
        up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      toc += "<li><a href='#" + anchor(method, p) + "'><span class='method " + method + "'>"
             + up + "</span> <code>" + html_escape(p) + "</code></a> " + prose(str(op, "summary"))
             + "</li>";
      ops += operation(doc, p, method, op);
    }
  }
  std::string schemas;
  if (doc.HasMember("components") && doc["components"].HasMember("schemas"))
    for (const auto& s : doc["components"]["schemas"].GetObject())
      schemas += "<section id='schema-" + html_escape(s.name.GetString()) + "'><h3>"
                 + html_escape(s.name.GetString()) + "</h3>" + schema_body(s.value) + "</section>";
  return "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>" + title
         + "</title><style>" + style + "</style></head><body><h1>" + title + "</h1><p>"
         + prose(str(info, "description")) + "</p><p>Licence: " + html_escape(str(info.HasMember("license") ? info["license"] : info, "name"))
         + ". The same description as JSON: <a href='openapi.json'><code>/openapi.json</code></a>"
           " (OpenAPI " + html_escape(str(doc, "openapi")) + ").</p><nav><h2>Endpoints</h2><ul>" + toc
         + "</ul></nav><h2>Endpoints in detail</h2>" + ops + "<h2>Schemas</h2>" + schemas
         + "</body></html>";
}

} // namespace http
