#pragma once
// The only way into RapidJSON. Its default assert aborts (debug) or is
// undefined behaviour (release) on a wrong-type access; ours throws, so a
// missed type check is a clean error, never a crash.
#if defined(RAPIDJSON_RAPIDJSON_H_) && !defined(MF_RAPIDJSON_CONFIGURED)
#error "include RapidJSON only through agent/common/rapidjson.hpp"
#endif
#define MF_RAPIDJSON_CONFIGURED 1

#include <stdexcept>

namespace mf {
struct JsonAssertion : std::logic_error {
  using std::logic_error::logic_error;
};
}  // namespace mf

#define RAPIDJSON_ASSERT(x) ((x) ? static_cast<void>(0) : throw ::mf::JsonAssertion("rapidjson: " #x))
#define RAPIDJSON_HAS_STDSTRING 1

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
