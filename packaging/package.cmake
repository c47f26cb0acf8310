# The Debian package: `cpack -G DEB` in the build directory writes
# model-server_<version>_<arch>.deb (scripts/package). It holds the binary,
# /etc/model_server/model_server.ini (a conffile), the systemd unit, and the
# maintainer scripts that create the model_server system user. Depends is
# computed by dpkg-shlibdeps from the binary's shared libraries, plus adduser.
install(TARGETS model_server RUNTIME DESTINATION bin)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/model_server.ini DESTINATION /etc/model_server)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/model_server.service DESTINATION /lib/systemd/system)
install(FILES ${CMAKE_SOURCE_DIR}/LICENSE DESTINATION share/doc/model-server RENAME copyright)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME model-server)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "the model_server authors")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "time-series anomaly-detection server")
set(CPACK_PACKAGE_DESCRIPTION "model_server trains a model version per series (POST /fit/{id}) and
answers whether new points are anomalous (POST /predict/{id}), with one actor
per series and every fit committed to an embedded SQLite store before it is
acknowledged. Runs as the model_server systemd service.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${CMAKE_SOURCE_DIR}/packaging/conffiles;${CMAKE_SOURCE_DIR}/packaging/postinst;${CMAKE_SOURCE_DIR}/packaging/prerm;${CMAKE_SOURCE_DIR}/packaging/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES ON)
include(CPack)
