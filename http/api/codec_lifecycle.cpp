// The JSON of the data-lifecycle answers: deletions and backups (declared in
// http/api/codec.hpp). Pure functions.
#include "http/api/codec.hpp"
#include "http/api/codec_json.hpp"

namespace http {

using namespace json;

std::string encode_deleted(std::string_view series_id, uint32_t versions_deleted,
                           std::optional<uint32_t> version) {
  return write_json([&](writer& w) {
    w.StartObject();
    write_key(w, "series_id");
    write_string(w, series_id);
    if (version) {
      write_key(w, "version");
      write_string(w, std::to_string(*version));
    }
    write_key(w, "deleted_versions");
    w.Uint(versions_deleted);
    w.EndObject();
  });
}

std::string encode_backup(const actors::backup_done& b) {
  return write_json([&](writer& w) {
    w.StartObject();
    write_key(w, "file");
    write_string(w, b.file);
    write_key(w, "bytes");
    w.Uint64(b.bytes);
    write_key(w, "series");
    w.Uint64(b.series);
    write_key(w, "took_ms");
    w.Int64(b.took_ms);
    w.EndObject();
  });
}

} // namespace http
