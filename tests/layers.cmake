# Fails when a layer's source includes a header of a layer above it or a
# dependency it must not use: http -> actors -> persistence -> model. (actors/
# may use CAF's OpenSSL module, caf/openssl/, but not OpenSSL itself.)
#   cmake -DSOURCE_DIR=<root> -P tests/layers.cmake
set(rules
  "model|caf/|httplib|sqlite3|libpq|rapidjson|http_parser|openssl/|\"actors/|\"http/"
  "actors/persistence|caf/|httplib|rapidjson|http_parser|openssl/|\"http/|\"actors/[a-z_]+\\.hpp"
  "actors|httplib|rapidjson|http_parser|<openssl/|\"http/")
set(failures "")
foreach(rule ${rules})
  string(REPLACE "|" ";" parts "${rule}")
  list(GET parts 0 folder)
  list(REMOVE_AT parts 0)
  string(REPLACE ";" "|" forbidden "${parts}")
  file(GLOB_RECURSE sources ${SOURCE_DIR}/${folder}/*.hpp ${SOURCE_DIR}/${folder}/*.cpp)
  foreach(src ${sources})
    file(STRINGS ${src} includes REGEX "^#include")
    foreach(line ${includes})
      if(line MATCHES "${forbidden}")
        string(APPEND failures "${src}: ${line}\n")
      endif()
    endforeach()
  endforeach()
endforeach()
if(failures)
  message(FATAL_ERROR "includes against the layering (http -> actors -> persistence -> model):\n${failures}")
endif()
message(STATUS "layers: every include points down")
