# Every third-party library comes from a Debian package; nothing is downloaded.
# Each one is wrapped in an INTERFACE target of ours (mf::<name>) so the rest of
# the build names our seam, not the library.
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
if(MF_STATIC_DEPS)
  set(OPENSSL_USE_STATIC_LIBS TRUE)
endif()
find_package(OpenSSL 1.1.1 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)

find_path(RAPIDJSON_INCLUDE_DIR rapidjson/document.h REQUIRED)
find_path(WEBSOCKETPP_INCLUDE_DIR websocketpp/version.hpp)

# The WebSocket backend. auto: websocketpp where it builds (Debian 12: it
# costs a quarter less CPU per event than Beast, docs/performance.md), else
# Beast (websocketpp does not build with Boost 1.87 or newer). CI runs both.
set(MF_WS_BACKEND "auto" CACHE STRING "WebSocket backend: auto, beast or websocketpp")
set_property(CACHE MF_WS_BACKEND PROPERTY STRINGS auto beast websocketpp)
set(_wspp_builds OFF)
if(WEBSOCKETPP_INCLUDE_DIR AND Boost_VERSION VERSION_LESS 1.87)
  set(_wspp_builds ON)
endif()
if(MF_WS_BACKEND STREQUAL "auto")
  if(_wspp_builds)
    set(MF_WS_BACKEND_RESOLVED websocketpp)
  else()
    set(MF_WS_BACKEND_RESOLVED beast)
  endif()
elseif(MF_WS_BACKEND STREQUAL "websocketpp")
  if(NOT WEBSOCKETPP_INCLUDE_DIR)
    message(FATAL_ERROR "MF_WS_BACKEND=websocketpp, but the websocketpp headers are not installed (apt-get install libwebsocketpp-dev)")
  endif()
  if(NOT _wspp_builds)
    message(FATAL_ERROR "MF_WS_BACKEND=websocketpp does not build with Boost ${Boost_VERSION}; use beast")
  endif()
  set(MF_WS_BACKEND_RESOLVED websocketpp)
elseif(MF_WS_BACKEND STREQUAL "beast")
  set(MF_WS_BACKEND_RESOLVED beast)
else()
  message(FATAL_ERROR "MF_WS_BACKEND must be auto, beast or websocketpp, not '${MF_WS_BACKEND}'")
endif()
message(STATUS "WebSocket backend: ${MF_WS_BACKEND_RESOLVED}")

add_library(mf_boost INTERFACE)
target_link_libraries(mf_boost INTERFACE Boost::boost Threads::Threads)

add_library(mf_openssl INTERFACE)
target_link_libraries(mf_openssl INTERFACE OpenSSL::SSL OpenSSL::Crypto)

add_library(mf_yaml INTERFACE)
if(TARGET yaml-cpp::yaml-cpp)
  set(_yaml_target yaml-cpp::yaml-cpp)
else()
  set(_yaml_target yaml-cpp)
endif()
if(MF_STATIC_DEPS)
  # The package's CMake target names the shared library; the static one sits beside it.
  find_library(MF_YAML_STATIC NAMES libyaml-cpp.a REQUIRED)
  get_target_property(_yaml_inc ${_yaml_target} INTERFACE_INCLUDE_DIRECTORIES)
  target_include_directories(mf_yaml SYSTEM INTERFACE ${_yaml_inc})
  target_link_libraries(mf_yaml INTERFACE ${MF_YAML_STATIC})
else()
  target_link_libraries(mf_yaml INTERFACE ${_yaml_target})
endif()

add_library(mf_rapidjson INTERFACE)
target_include_directories(mf_rapidjson SYSTEM INTERFACE ${RAPIDJSON_INCLUDE_DIR})

add_library(mf_websocketpp INTERFACE)
if(MF_WS_BACKEND_RESOLVED STREQUAL "websocketpp")
  target_include_directories(mf_websocketpp SYSTEM INTERFACE ${WEBSOCKETPP_INCLUDE_DIR})
  target_link_libraries(mf_websocketpp INTERFACE mf_boost mf_openssl)
endif()

# libmosquitto (the MQTT input), shared even in static builds: Debian ships no
# static libmosquitto. A cross build takes it from the board's sysroot.
find_path(MOSQUITTO_INCLUDE_DIR mosquitto.h)
find_library(MOSQUITTO_LIBRARY mosquitto)
if(NOT MOSQUITTO_INCLUDE_DIR OR NOT MOSQUITTO_LIBRARY)
  message(FATAL_ERROR "libmosquitto is not installed (apt-get install libmosquitto-dev, or run tools/install-deps.sh)")
endif()
add_library(mf_mosquitto INTERFACE)
target_include_directories(mf_mosquitto SYSTEM INTERFACE ${MOSQUITTO_INCLUDE_DIR})
target_link_libraries(mf_mosquitto INTERFACE ${MOSQUITTO_LIBRARY})

add_library(mf_logging INTERFACE)
if(MF_STATIC_DEPS)
  # Header-only spdlog and fmt: the binary then needs nothing but libc.
  get_target_property(_spdlog_inc spdlog::spdlog_header_only INTERFACE_INCLUDE_DIRECTORIES)
  target_include_directories(mf_logging SYSTEM INTERFACE ${_spdlog_inc})
  target_compile_definitions(mf_logging INTERFACE SPDLOG_FMT_EXTERNAL)
  target_link_libraries(mf_logging INTERFACE fmt::fmt-header-only Threads::Threads)
else()
  target_link_libraries(mf_logging INTERFACE spdlog::spdlog fmt::fmt)
endif()
